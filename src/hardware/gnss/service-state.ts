import { execFile } from 'node:child_process';

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

function runIsActive(command: string, unit: string, timeout: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    // A non-zero exit is normal here (3 = inactive): the state is on stdout either way.
    execFile(
      command,
      ['is-active', unit],
      { timeout, killSignal: 'SIGKILL', maxBuffer: 4096 },
      (_error, stdout) => {
        const state = String(stdout ?? '')
          .split('\n')[0]
          .trim();
        resolve(/^[a-z][a-z-]{1,31}$/.test(state) ? state : undefined);
      },
    );
  });
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
