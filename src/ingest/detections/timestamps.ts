/**
 * Detection timestamps as the original backend reads them: Python's `datetime.fromisoformat` (a
 * trailing `Z` is UTC), a naive value in the configured zone, to the microsecond.
 */
import { utcMs, type ZoneClock } from './zoned-time.js';

const DATE = String.raw`(\d{4})-?(\d{2})-?(\d{2})`;
const TIME = String.raw`(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?`;
const OFFSET = String.raw`([Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)`;
/** `2026-05-04`, `20260504`, then any one separator and `10`, `10:00`, `1000`, `10:00:00.123456`, then an offset. */
const ISO = new RegExp(`^${DATE}(?:[^\\d]${TIME}${OFFSET}?)?$`);
const OFFSET_PARTS = /^([+-])(\d{2}):?(\d{2})?:?(\d{2})?(?:\.(\d{1,6}))?$/;

function daysIn(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** An offset (`Z`, `+02`, `+02:00`, `-0530`) in microseconds, or undefined when out of range. */
function offsetMicros(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = OFFSET_PARTS.exec(text);
  if (!m) return undefined;
  const [h, mi, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (mi > 59 || s > 59) return undefined;
  const us = ((h * 60 + mi) * 60 + s) * 1_000_000 + Number((m[5] ?? '').padEnd(6, '0'));
  if (us >= 86_400_000_000) return undefined;
  return m[1] === '-' ? -us : us;
}

/**
 * An ISO 8601 text as `datetime.fromisoformat` reads it, as an instant in microseconds: with an
 * offset (or `Z`) as it says, naive in `clock`'s zone. Undefined when Python would refuse it (a
 * bad format, February 30th, hour 24).
 */
export function parseIsoInstant(text: string, clock: ZoneClock): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const micro = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[8] === undefined) return clock.instant(year, month, day, hour, minute, second, micro);
  const offset = offsetMicros(m[8]);
  if (offset === undefined) return undefined;
  const wall = utcMs(year, month, day, hour, minute, second) * 1000 + micro;
  return wall - offset;
}

/** `YYYY-MM-DD` (a FastAPI `date` parameter) as its year, month and day, or undefined. */
export function parseIsoDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  return { year, month, day };
}

/**
 * The instants a detection may carry: 1970 to 2200. Microseconds since the epoch stay exact in a
 * JavaScript number for 285 years either side; a detection dated outside is a broken clock.
 */
export const EARLIEST_US = 0;
export const LATEST_US = Date.UTC(2200, 0, 1) * 1000;

/**
 * A detection's `timestamp`: absent or null is `now`; a string is read as above; anything else, a
 * string Python would refuse, or a time before 1970 or from 2200 on, is undefined (the item is
 * skipped, as the original skips a bad timestamp).
 */
export function detectionInstant(value: unknown, clock: ZoneClock, nowUs: number): number | undefined {
  if (value === undefined || value === null) return nowUs;
  if (typeof value !== 'string') return undefined;
  const us = parseIsoInstant(value, clock);
  return us !== undefined && us >= EARLIEST_US && us < LATEST_US ? us : undefined;
}
