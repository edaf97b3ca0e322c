import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions {
  /** A safety net against a hang, not a measurement: generous, so a busy machine never reaches it. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `check` until it answers something truthy, and returns that. After `timeoutMs` (default 30 s)
 * it throws "timed out waiting for <what>", with the last value seen.
 */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 20 }: UntilOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(value)})`);
    }
    await sleep(intervalMs);
  }
}

/** Whether `pid` is a live process (a zombie waiting for its parent or init to reap it counts as gone). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}
