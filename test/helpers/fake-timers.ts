import type { Timers } from '../../src/jobs/schedule.js';

interface Pending {
  at: number;
  fn: () => unknown;
}

/**
 * A clock and timers that move only when the test says so: `advance(ms)` fires every timer due in
 * that span in order, at its own time, and awaits what each returns (an adaptive job's check and run).
 */
export function fakeTimers(start = Date.UTC(2026, 10, 28, 12, 0, 0)) {
  let now = start;
  const pending = new Set<Pending>();
  const timers: Timers = {
    set: (fn, ms) => {
      const timer = { at: now + ms, fn };
      pending.add(timer);
      return timer;
    },
    clear: (handle) => pending.delete(handle as Pending),
  };
  return {
    timers,
    now: () => now,
    /** Moves the clock without firing anything: the timers have stopped. */
    jump: (ms: number) => {
      now += ms;
    },
    pending: () => pending.size,
    async advance(ms: number): Promise<void> {
      const end = now + ms;
      for (;;) {
        const next = [...pending].filter((p) => p.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        pending.delete(next);
        now = Math.max(now, next.at);
        await next.fn();
      }
      now = end;
    },
  };
}

export const MINUTE = 60_000;
