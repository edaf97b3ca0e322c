/**
 * `GET /export/detections/csv` as the original answers it: the range chosen by the first of
 * start_date+end_date, last_minutes, last_hours, last_days (default the last 24 hours), the file
 * name saying which, rows newest first in Python's csv dialect. Rows are read a page at a time, so
 * an export of millions of rows streams in bounded memory.
 */
import { Readable } from 'node:stream';
import type { QueryReader } from './api-params.js';
import { parseZone, type Zone } from './rules.js';
import type { DetectionStore, RowCursor, RowsQuery } from './store.js';
import { MINUTE_US, type ZoneClock } from './zoned-time.js';

export const CSV_HEADER = 'ID,Device Hash,RSSI (dBm),Zone,Timestamp,Device ID (IoT),Date,Time';

export interface ExportRequest {
  startDate?: { year: number; month: number; day: number };
  endDate?: { year: number; month: number; day: number };
  lastMinutes?: number;
  lastHours?: number;
  lastDays?: number;
  /** A valid zone filters (any case); the text as given names the file. */
  zone?: { zone: Zone; text: string };
  deviceId?: string;
}

export interface ExportPlan {
  query: RowsQuery;
  filename: string;
}

/** Year 10,000 is out of reach: the biggest `last_*` values. */
const MAX_HOURS = 87_600;

/** The export's parameters; an invalid zone is ignored, as the original does. */
export function exportRequest(q: QueryReader): ExportRequest {
  const zoneText = q.text('zone');
  const zone = zoneText ? parseZone(zoneText) : undefined;
  return {
    startDate: q.date('start_date'),
    endDate: q.date('end_date'),
    lastMinutes: q.int('last_minutes', { ge: 1, le: MAX_HOURS * 60 }),
    lastHours: q.int('last_hours', { ge: 1, le: MAX_HOURS }),
    lastDays: q.int('last_days', { ge: 1, le: MAX_HOURS / 24 }),
    deviceId: q.text('device_id') || undefined,
    zone: zone && zoneText ? { zone, text: zoneText } : undefined,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const day = (d: { year: number; month: number; day: number }) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

/** The range and the file name; with a date range the end is 23:59:59 of end_date, as the original. */
export function exportPlan(request: ExportRequest, clock: ZoneClock, nowUs: number): ExportPlan {
  let from: number;
  let to = nowUs;
  let label: string;
  const { startDate: s, endDate: e } = request;
  if (s && e) {
    from = clock.instant(s.year, s.month, s.day);
    to = clock.instant(e.year, e.month, e.day, 23, 59, 59);
    label = `${day(s)}_to_${day(e)}`;
  } else if (request.lastMinutes !== undefined) {
    from = nowUs - request.lastMinutes * MINUTE_US;
    label = `last_${request.lastMinutes}min`;
  } else if (request.lastHours !== undefined) {
    from = nowUs - request.lastHours * 60 * MINUTE_US;
    label = `last_${request.lastHours}h`;
  } else if (request.lastDays !== undefined) {
    from = nowUs - request.lastDays * 24 * 60 * MINUTE_US;
    label = `last_${request.lastDays}d`;
  } else {
    from = nowUs - 24 * 60 * MINUTE_US;
    label = 'last_24h';
  }
  const zone = request.zone ? `_zone_${request.zone.text.replace(/[^A-Za-z]/g, '')}` : '';
  return {
    query: { from, to, zone: request.zone?.zone, deviceId: request.deviceId },
    filename: `detections_${label}${zone}.csv`,
  };
}

/** A field as Python's csv writer quotes it (QUOTE_MINIMAL). */
function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV, header first, in chunks of one page of rows each (`\r\n` line ends, as Python's csv). */
export async function* csvChunks(
  store: DetectionStore,
  query: RowsQuery,
  clock: ZoneClock,
  pageSize = 5000,
): AsyncGenerator<string> {
  yield `${CSV_HEADER}\r\n`;
  let after: RowCursor | undefined;
  for (;;) {
    const rows = await store.rows(query, after, pageSize);
    if (rows.length === 0) return;
    let chunk = '';
    for (const r of rows) {
      const f = clock.fields(r.us);
      chunk += `${[r.id, field(r.device_hash), r.rssi, r.zone, clock.iso(r.us), field(r.device_id), clock.date(r.us, f), clock.time(r.us, f)].join(',')}\r\n`;
    }
    yield chunk;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    after = { us: last.us, id: last.id };
  }
}

/** The CSV as a stream; the first page is read before it is returned, so a store error is still a status. */
export async function csvStream(
  store: DetectionStore,
  query: RowsQuery,
  clock: ZoneClock,
): Promise<Readable> {
  const chunks = csvChunks(store, query, clock);
  const header = await chunks.next();
  const first = await chunks.next();
  return Readable.from(
    (async function* () {
      if (!header.done) yield header.value;
      if (!first.done) yield first.value;
      yield* chunks;
    })(),
  );
}
