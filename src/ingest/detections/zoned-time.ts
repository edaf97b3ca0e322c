/**
 * Instants (microseconds since the epoch, as PostgreSQL's timestamptz keeps them) and wall-clock
 * times in one IANA zone, through Intl (no zone database bundled). Offsets are cached per quarter
 * of an hour and day starts per local day, so classifying a batch costs arithmetic, not Intl calls.
 */
export const SECOND_US = 1_000_000;
export const MINUTE_US = 60 * SECOND_US;
export const HOUR_US = 60 * MINUTE_US;
export const DAY_US = 24 * HOUR_US;

const SLOT_MS = 15 * 60 * 1000;
const MAX_CACHED = 20_000;

export interface LocalFields {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micro: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `Date.UTC` for every year from 1 (Date.UTC reads 0-99 as 1900-1999); fields roll over as in Date.UTC. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(date.getUTCFullYear() - 2000 + year);
  return date.getTime();
}

/** `2026-05-04T08:00:00.123456Z`: an instant to the microsecond (PostgreSQL reads it exactly). */
export function isoUtc(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = us - Math.floor(us / SECOND_US) * SECOND_US;
  return `${new Date(ms).toISOString().slice(0, 19)}.${pad(micro, 6)}Z`;
}

export class ZoneClock {
  readonly zone: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #offsets = new Map<number, number>();
  readonly #dayStarts = new Map<number, number>();

  /** Throws a RangeError for a zone Intl does not know. */
  constructor(zone: string) {
    this.zone = zone;
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** How far the zone's wall clock is ahead of UTC at the instant `ms`, in milliseconds. */
  #offsetMs(ms: number): number {
    const slot = Math.floor(ms / SLOT_MS);
    const cached = this.#offsets.get(slot);
    if (cached !== undefined) return cached;
    const at = slot * SLOT_MS;
    const parts: Record<string, number> = {};
    for (const p of this.#format.formatToParts(at)) parts[p.type] = Number(p.value);
    const offset = utcMs(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second) - at;
    if (this.#offsets.size >= MAX_CACHED) this.#offsets.clear();
    this.#offsets.set(slot, offset);
    return offset;
  }

  /** The offset at `us`, in microseconds. */
  offset(us: number): number {
    return this.#offsetMs(Math.floor(us / 1000)) * 1000;
  }

  fields(us: number): LocalFields {
    const ms = Math.floor(us / 1000);
    const local = new Date(ms + this.#offsetMs(ms));
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      second: local.getUTCSeconds(),
      micro: us - Math.floor(us / SECOND_US) * SECOND_US,
    };
  }

  /**
   * The instant of a wall-clock time, as Python's zoneinfo reads it with fold=0: of a time that
   * happens twice (clocks going back) the first, of one that never happens (clocks going forward)
   * the offset before the change. Out-of-range fields roll over (day 32 is the next month's first).
   */
  instant(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, micro = 0): number {
    const guess = utcMs(year, month, day, hour, minute, second);
    const before = this.#offsetMs(guess - 86_400_000);
    const after = this.#offsetMs(guess + 86_400_000);
    let ms = guess - before;
    if (before !== after) {
      const early = this.#offsetMs(guess - before) === before ? guess - before : undefined;
      const late = this.#offsetMs(guess - after) === after ? guess - after : undefined;
      ms = early ?? late ?? guess - before;
    } else if (this.#offsetMs(ms) !== before) {
      // A change within the day that the day before and after do not show (two changes in 48 h).
      ms = guess - this.#offsetMs(ms);
    }
    return ms * 1000 + micro;
  }

  /** The local midnight that starts the day of `us`. */
  startOfDay(us: number): number {
    const ms = Math.floor(us / 1000);
    const localDay = Math.floor((ms + this.#offsetMs(ms)) / 86_400_000);
    let start = this.#dayStarts.get(localDay);
    if (start === undefined) {
      const d = new Date(localDay * 86_400_000);
      start = this.instant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
      if (this.#dayStarts.size >= MAX_CACHED) this.#dayStarts.clear();
      this.#dayStarts.set(localDay, start);
    }
    return start;
  }

  /** The start of the local day `n` days after the day of `us`. */
  addDays(us: number, n: number): number {
    const f = this.fields(this.startOfDay(us));
    return this.startOfDay(this.instant(f.year, f.month, f.day + n, 12));
  }

  /** The start of the local clock hour of `us` (with the offset of `us`: a repeated hour is two hours). */
  startOfHour(us: number): number {
    const local = us + this.offset(us);
    return us - (local - Math.floor(local / HOUR_US) * HOUR_US);
  }

  /** Python's `isoformat()` of the aware datetime: `2026-05-04T10:00:00+02:00`, `.123456` when not whole. */
  iso(us: number): string {
    const f = this.fields(us);
    const fraction = f.micro === 0 ? '' : `.${pad(f.micro, 6)}`;
    const offset = this.offset(us) / SECOND_US;
    const abs = Math.abs(offset);
    const seconds = abs % 60 === 0 ? '' : `:${pad(abs % 60)}`;
    const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${seconds}`;
    return `${this.date(us, f)}T${this.time(us, f)}${fraction}${zone}`;
  }

  /** `2026-05-04`, the local date. */
  date(us: number, f = this.fields(us)): string {
    return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`;
  }

  /** `10:00:00`, the local time of day. */
  time(us: number, f = this.fields(us)): string {
    return `${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
  }
}
