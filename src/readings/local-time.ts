/**
 * Naive local datetimes (`2021-02-24 07:50:13.445434`, as the CSV and `?value=datetime` give them) back to
 * instants. The node's own rows are in the process zone; a peer's rows are in the zone its deviceList
 * entry names (`tz`), converted with Intl so no time-zone database is bundled.
 */
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function fields(text: string): number[] | undefined {
  const m = NAIVE.exec(text.trim());
  if (!m) return undefined;
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
  return [Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far `zone` is ahead of UTC at `instant`, in ms; undefined for an unknown zone. */
function zoneOffset(instant: number, zone: string): number | undefined {
  let format = formatters.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return undefined;
    }
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(instant)) parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - (instant - (instant % 1000));
}

/**
 * The instant (ms since the epoch) a naive local datetime stands for: in `zone` when given, else in the
 * process's own zone. Undefined when the text is not such a datetime or the zone is unknown.
 */
export function parseNaiveDatetime(text: string, zone?: string): number | undefined {
  const f = fields(text);
  if (!f) return undefined;
  const [y, mo, d, h, mi, s, ms] = f;
  if (!zone) {
    const local = new Date(y, mo, d, h, mi, s, ms).getTime();
    return Number.isNaN(local) ? undefined : local;
  }
  const guess = Date.UTC(y, mo, d, h, mi, s, ms);
  const first = zoneOffset(guess, zone);
  if (first === undefined) return undefined;
  // Twice: the offset at the guess may differ from the offset at the answer around a DST change.
  const second = zoneOffset(guess - first, zone) ?? first;
  return guess - second;
}
