/**
 * The rollup's buckets: local clock hours (`h`) and local days (`d`) in the configured zone. For
 * every stored detection the store keeps which hashes were seen in each bucket and zone (so a
 * bucket's distinct devices are a count of a small set, not a scan) and each bucket's detection
 * count and RSSI sum. A time range is answered from whole buckets plus the raw rows at its edges.
 */
import { HOUR_US, MINUTE_US, type ZoneClock } from './zoned-time.js';

export type Level = 'h' | 'd';
export const LEVELS: readonly Level[] = ['h', 'd'];

/** The start of the bucket of `us` (microseconds) at `level`. */
export function bucketOf(us: number, level: Level, clock: ZoneClock): number {
  return level === 'h' ? clock.startOfHour(us) : clock.startOfDay(us);
}

/** The first bucket boundary at or after `us`. */
function ceilBoundary(us: number, level: Level, clock: ZoneClock): number {
  const start = bucketOf(us, level, clock);
  if (start === us) return us;
  return level === 'd' ? clock.addDays(start, 1) : nextHour(start, clock);
}

/** The next local hour boundary after `start` (an hour may last 30 or 90 minutes where clocks move by 30). */
function nextHour(start: number, clock: ZoneClock): number {
  for (let step = HOUR_US; step <= 2 * HOUR_US; step += 15 * MINUTE_US) {
    if (clock.startOfHour(start + step) === start + step) return start + step;
  }
  for (let step = 15 * MINUTE_US; step < HOUR_US; step += 15 * MINUTE_US) {
    if (clock.startOfHour(start + step) === start + step) return start + step;
  }
  return start + HOUR_US;
}

/** A piece of a range: raw rows in [from, to), or the whole buckets of one level starting in [from, to). */
export interface Segment {
  source: 'raw' | Level;
  from: number;
  to: number;
}

/**
 * [from, to) as raw edges and whole buckets: days in the middle, hours around them, raw rows for
 * what is left at each end (less than an hour). Empty pieces are left out.
 */
export function cover(from: number, to: number, clock: ZoneClock): Segment[] {
  if (!(from < to)) return [];
  const hA = ceilBoundary(from, 'h', clock);
  const hB = bucketOf(to, 'h', clock);
  if (hA >= hB) return [{ source: 'raw', from, to }];
  const dA = ceilBoundary(hA, 'd', clock);
  const dB = bucketOf(hB, 'd', clock);
  const pieces: Segment[] =
    dA >= dB
      ? [
          { source: 'raw', from, to: hA },
          { source: 'h', from: hA, to: hB },
          { source: 'raw', from: hB, to },
        ]
      : [
          { source: 'raw', from, to: hA },
          { source: 'h', from: hA, to: dA },
          { source: 'd', from: dA, to: dB },
          { source: 'h', from: dB, to: hB },
          { source: 'raw', from: hB, to },
        ];
  return pieces.filter((p) => p.from < p.to);
}
