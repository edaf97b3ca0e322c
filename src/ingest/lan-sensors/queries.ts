/**
 * Reading the sensor file: the latest value of each sensor (poe-backend's table) and the history over a
 * time range, raw or downsampled into buckets. Every query is bounded: at most `maxScan` history rows
 * read (counted on the time index first) and `maxPoints` answered, so a public request cannot stall
 * the event loop on a large file.
 */
import { InputError } from '../../errors.js';
import type { SqlValue } from '../../storage/sqlite.js';
import { type SensorName, sensorType, splitIpId } from './frame-codec.js';
import { HISTORY_TABLE } from './schema.js';
import { type SensorStatus, sensorStatus } from './status.js';
import type { SensorStore } from './store.js';

export interface LatestFilter {
  /** A board's address: its keys `<board>_<id>`. */
  board?: string;
  sensor?: SensorName;
}

export interface Reading {
  ip_id: string;
  board: string;
  id: number | null;
  sensor: string;
  value: number;
  /** Receipt time, epoch seconds (as stored). */
  time: number;
  status: SensorStatus | string;
}

export interface HistoryQuery extends LatestFilter {
  /** Epoch seconds; `from` included, `to` excluded. */
  from: number;
  to: number;
  /** Bucket width in seconds (buckets start at multiples of it since the epoch); absent: every reading. */
  step?: number;
}

export type RawPoint = { time: number; value: number; status: string };
export type BucketPoint = { time: number; avg: number; min: number; max: number; count: number };

export interface HistorySeries {
  ip_id: string;
  board: string;
  id: number | null;
  sensor: string;
  points: (RawPoint | BucketPoint)[];
}

export interface HistoryLimits {
  maxPoints: number;
  maxScan: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { maxPoints: 10_000, maxScan: 2_000_000 };
/** The latest-value table has one row per sensor; more than this is answered in part. */
export const MAX_LATEST_ROWS = 10_000;

/** SQL and parameters for the board and sensor filters (a board is a key prefix: a range on ip_id). */
function filters(filter: LatestFilter): { sql: string; params: SqlValue[] } {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  if (filter.board !== undefined) {
    // Keys of a board lie between "<board>_" and "<board>`" ("`" follows "_" in ASCII).
    parts.push('ip_id >= ? AND ip_id < ?');
    params.push(`${filter.board}_`, `${filter.board}\``);
  }
  if (filter.sensor !== undefined) {
    parts.push('sensor = ?');
    params.push(filter.sensor);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

/** By board, then by id as a number (`_2` before `_10`). */
function byKey(a: { board: string; id: number | null }, b: { board: string; id: number | null }): number {
  if (a.board !== b.board) return a.board < b.board ? -1 : 1;
  return (a.id ?? -1) - (b.id ?? -1);
}

/** The latest reading of every sensor (or of one board, or one type), by board and id. */
export function latestReadings(store: SensorStore, filter: LatestFilter = {}): Reading[] {
  const { sql, params } = filters(filter);
  const status = store.schema.hasStatus ? 'status' : 'NULL AS status';
  const rows = store.db
    .prepare(
      `SELECT ip_id, sensor, value, time, ${status} FROM "${store.table}" WHERE 1${sql} ` +
        `ORDER BY ip_id LIMIT ${MAX_LATEST_ROWS}`,
    )
    .all(...params);
  const readings = rows.map((row) => {
    const key = String(row.ip_id);
    const value = Number(row.value);
    const sensor = String(row.sensor);
    const type = sensorType(sensor);
    return {
      ip_id: key,
      ...splitIpId(key),
      sensor,
      value,
      time: Number(row.time),
      // A README-era table has no status: it is computed as HEAD would have stored it.
      status:
        row.status === null
          ? type === undefined
            ? 'undefined'
            : sensorStatus(type, value)
          : String(row.status),
    };
  });
  return readings.sort(byKey);
}

/**
 * Readings between `from` and `to`, one series per key and sensor type, oldest first: every reading, or
 * with `step` the average, minimum, maximum and count per bucket. A 400 (naming what to change) when
 * the range holds more than `maxScan` readings or the answer more than `maxPoints` points.
 */
export function history(
  store: SensorStore,
  query: HistoryQuery,
  limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
): HistorySeries[] {
  const { from, to, step } = query;
  if (step !== undefined && (to - from) / step > limits.maxPoints) {
    throw new InputError(
      `step=${step} gives more than ${limits.maxPoints} points between from and to: use a larger step`,
    );
  }
  const db = store.db;
  const scanned = Number(
    db
      .prepare(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${HISTORY_TABLE} WHERE time >= ? AND time < ? LIMIT ?)`,
      )
      .get(from, to, limits.maxScan + 1)?.n,
  );
  if (scanned > limits.maxScan) {
    throw new InputError(
      `more than ${limits.maxScan} readings between from and to: narrow the range (from=, to=)`,
    );
  }
  const { sql, params } = filters(query);
  const where = `WHERE time >= ? AND time < ?${sql}`;
  const limit = limits.maxPoints + 1;
  const rows =
    step === undefined
      ? db
          .prepare(
            `SELECT ip_id, sensor, time, value, status FROM ${HISTORY_TABLE} ${where} ` +
              `ORDER BY time LIMIT ${limit}`,
          )
          .all(from, to, ...params)
      : db
          .prepare(
            `SELECT ip_id, sensor, CAST(time / ? AS INTEGER) * ? AS bucket, avg(value) AS avg, ` +
              `min(value) AS min, max(value) AS max, count(*) AS count FROM ${HISTORY_TABLE} ${where} ` +
              `GROUP BY ip_id, sensor, bucket ORDER BY bucket LIMIT ${limit}`,
          )
          .all(step, step, from, to, ...params);
  if (rows.length > limits.maxPoints) {
    throw new InputError(
      `more than ${limits.maxPoints} points: ` +
        (step === undefined ? 'give step= (seconds per point)' : 'use a larger step') +
        ', a narrower range, board= or sensor=',
    );
  }
  const series = new Map<string, HistorySeries>();
  for (const row of rows) {
    const key = String(row.ip_id);
    const sensor = String(row.sensor);
    const name = `${key}\u0000${sensor}`;
    let s = series.get(name);
    if (!s) {
      s = { ip_id: key, ...splitIpId(key), sensor, points: [] };
      series.set(name, s);
    }
    s.points.push(
      step === undefined
        ? { time: Number(row.time), value: Number(row.value), status: String(row.status) }
        : {
            time: Number(row.bucket),
            avg: Math.round(Number(row.avg) * 100) / 100,
            min: Number(row.min),
            max: Number(row.max),
            count: Number(row.count),
          },
    );
  }
  return [...series.values()].sort(byKey);
}
