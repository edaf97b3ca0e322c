import { runCommand } from '../../util/run-command.js';

/** A unit's state as `systemctl is-active` prints it (`active`, `inactive`, `failed`...); undefined when unknown. */
export type ServiceStateQuery = (unit: string) => Promise<string | undefined>;

export interface SystemctlOptions {
  /** The command to run (tests point it at stand-in scripts). */
  command?: string;
  timeoutMs?: number;
  /** An answer is reused this long, and concurrent asks share one run: a busy status route spawns little. */
  cacheMs?: number;
  now?: () => number;
}

async function runIsActive(command: string, unit: string, timeoutMs: number): Promise<string | undefined> {
  try {
    // A non-zero exit is normal here (3 = inactive): the state is on stdout either way.
    const { stdout } = await runCommand(command, ['is-active', unit], {
      timeoutMs,
      maxOutput: 4096,
      killGraceMs: 0,
    });
    const state = stdout.split('\n')[0].trim();
    return /^[a-z][a-z-]{1,31}$/.test(state) ? state : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `systemctl is-active <unit>`, bounded in time. Undefined when systemctl is missing, systemd is not
 * running (containers: nothing on stdout) or the command hangs; the caller then falls back to what it
 * can see itself.
 */
export function systemctlIsActive(options: SystemctlOptions = {}): ServiceStateQuery {
  const command = options.command ?? 'systemctl';
  const timeout = options.timeoutMs ?? 2000;
  const cacheMs = options.cacheMs ?? 1000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; state: Promise<string | undefined> }>();
  return (unit) => {
    const hit = cache.get(unit);
    if (hit && now() - hit.at < cacheMs) return hit.state;
    const state = runIsActive(command, unit, timeout);
    cache.set(unit, { at: now(), state });
    return state;
  };
}
