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

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
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
  const fast = canonicalInstant(text, clock);
  if (fast !== NOT_CANONICAL) return fast;
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

const NOT_CANONICAL = -1;

/** The digit at `i` as a number, or NaN. */
function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + digit(text, i);
  return v;
}

/**
 * parseIsoInstant for the shape agents send, `YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]`, read without
 * a regular expression (no match arrays per detection: MQTT brings thousands a second). The same
 * answer as the general path; NOT_CANONICAL for any other shape, which that path then reads.
 */
function canonicalInstant(text: string, clock: ZoneClock): number | undefined {
  const n = text.length;
  if (n < 19 || text[4] !== '-' || text[7] !== '-' || text[13] !== ':' || text[16] !== ':')
    return NOT_CANONICAL;
  if (!Number.isNaN(digit(text, 10))) return NOT_CANONICAL;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (Number.isNaN(year + month + day + hour + minute + second)) return NOT_CANONICAL;
  let i = 19;
  let micro = 0;
  if (text[i] === '.' || text[i] === ',') {
    const start = ++i;
    while (i < n && !Number.isNaN(digit(text, i))) i++;
    if (i === start) return NOT_CANONICAL;
    for (let k = 0; k < 6; k++) micro = micro * 10 + (start + k < i ? digit(text, start + k) : 0);
  }
  let offset: number | undefined;
  if (i === n - 1 && (text[i] === 'Z' || text[i] === 'z')) offset = 0;
  else if (i === n - 6 && (text[i] === '+' || text[i] === '-') && text[i + 3] === ':') {
    const h = digits(text, i + 1, 2);
    const m = digits(text, i + 4, 2);
    if (Number.isNaN(h + m)) return NOT_CANONICAL;
    const us = (h * 60 + m) * 60_000_000;
    if (m > 59 || us >= 86_400_000_000) return undefined;
    offset = text[i] === '-' ? -us : us;
  } else if (i !== n) return NOT_CANONICAL;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (offset === undefined) return clock.instant(year, month, day, hour, minute, second, micro);
  return utcMs(year, month, day, hour, minute, second) * 1000 + micro - offset;
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
