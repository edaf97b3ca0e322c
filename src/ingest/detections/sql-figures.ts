/**
 * The statistics' figures in the SQL both stores speak: a window's distinct devices, detections and
 * RSSI sums per zone (whole hour and day buckets from the rollup, raw rows at the edges), the
 * buckets' counters, and distinct devices per bin.
 */
import { cover } from './buckets.js';
import { ALL_AGENTS } from './rollup.js';
import { ZONES, type Zone } from './rules.js';
import type { Dialect, Param, Row } from './sql-store.js';
import { emptyByZone } from './sql-store.js';
import type {
  BinnedQuery,
  BinnedUnique,
  BucketFigures,
  BucketQuery,
  WindowFigures,
  WindowQuery,
} from './store.js';
import type { ZoneClock } from './zoned-time.js';

/** What the queries need of a store: its reads, its dialect, its zone. */
export interface SqlReader {
  all(sql: string, params: Param[]): Promise<Row[]>;
  dialect: Dialect;
  clock: ZoneClock;
}

const isZone = (z: unknown): z is Zone => (ZONES as readonly unknown[]).includes(z);

export async function windowFigures(db: SqlReader, query: WindowQuery): Promise<WindowFigures> {
  const byZone = emptyByZone();
  const segments = cover(query.from, query.to, db.clock);
  if (segments.length === 0) return query.acrossZones ? { byZone, acrossZones: 0 } : { byZone };
  const d = db.dialect;
  const scope = query.deviceId ?? ALL_AGENTS;
  const rawFilter = `${query.deviceId !== undefined ? ' AND device_id = ?' : ''}${query.zone ? ' AND zone = ?' : ''}`;
  const rawParams = (from: number, to: number): Param[] => {
    const p: Param[] = [d.at(from), d.at(to)];
    if (query.deviceId !== undefined) p.push(query.deviceId);
    if (query.zone) p.push(query.zone);
    return p;
  };
  const zoneFilter = query.zone ? ' AND zone = ?' : '';
  const levelParams = (level: string, from: number, to: number): Param[] =>
    query.zone ? [scope, level, from, to, query.zone] : [scope, level, from, to];
  const wantUnique = query.unique !== false;

  if (segments.length === 1 && segments[0].source === 'raw') {
    // The common case (the last minutes): one pass over the rows.
    const { from, to } = segments[0];
    const rows = await db.all(
      `SELECT zone, ${d.num('count(*)')} AS n, ${d.num('sum(rssi)')} AS s` +
        `${wantUnique ? `, ${d.num('count(DISTINCT device_hash)')} AS u` : ''} ` +
        `FROM detections WHERE timestamp >= ? AND timestamp < ?${rawFilter} GROUP BY zone`,
      rawParams(from, to),
    );
    for (const row of rows) {
      if (!isZone(row.zone)) continue;
      byZone[row.zone] = { unique: Number(row.u ?? 0), detections: Number(row.n), rssiSum: Number(row.s) };
    }
  } else {
    const sums: string[] = [];
    const sumParams: Param[] = [];
    for (const s of segments) {
      if (s.source === 'raw') {
        sums.push(
          `SELECT zone, count(*) AS n, sum(rssi) AS s FROM detections WHERE timestamp >= ? AND timestamp < ?${rawFilter} GROUP BY zone`,
        );
        sumParams.push(...rawParams(s.from, s.to));
      } else {
        sums.push(
          'SELECT zone, sum(detections) AS n, sum(rssi_sum) AS s FROM detection_bins ' +
            `WHERE scope = ? AND level = ? AND bucket >= ? AND bucket < ?${zoneFilter} GROUP BY zone`,
        );
        sumParams.push(...levelParams(s.source, s.from, s.to));
      }
    }
    const totals = await db.all(
      `SELECT zone, ${d.num('sum(n)')} AS n, ${d.num('sum(s)')} AS s FROM (${sums.join(' UNION ALL ')}) AS p GROUP BY zone`,
      sumParams,
    );
    for (const row of totals) {
      if (!isZone(row.zone)) continue;
      byZone[row.zone].detections = Number(row.n);
      byZone[row.zone].rssiSum = Number(row.s);
    }
    if (wantUnique) {
      const { sql, params } = hashes(segments, 'zone, device_hash', query, rawFilter, rawParams);
      const rows = await db.all(
        `SELECT zone, ${d.num('count(DISTINCT device_hash)')} AS u FROM (${sql}) AS h GROUP BY zone`,
        params,
      );
      for (const row of rows) if (isZone(row.zone)) byZone[row.zone].unique = Number(row.u);
    }
  }
  if (!query.acrossZones) return { byZone };
  const { sql, params } = hashes(segments, 'device_hash', query, rawFilter, rawParams);
  const [row] = await db.all(
    `SELECT ${d.num('count(DISTINCT device_hash)')} AS u FROM (${sql}) AS h`,
    params,
  );
  return { byZone, acrossZones: Number(row?.u ?? 0) };
}

/** The (columns) of every segment, duplicates kept (the caller counts distinct): raw rows at the edges, seen-sets of whole buckets. */
function hashes(
  segments: ReturnType<typeof cover>,
  columns: string,
  query: WindowQuery,
  rawFilter: string,
  rawParams: (from: number, to: number) => Param[],
): { sql: string; params: Param[] } {
  const scope = query.deviceId ?? ALL_AGENTS;
  const parts: string[] = [];
  const params: Param[] = [];
  for (const s of segments) {
    if (s.source === 'raw') {
      parts.push(`SELECT ${columns} FROM detections WHERE timestamp >= ? AND timestamp < ?${rawFilter}`);
      params.push(...rawParams(s.from, s.to));
    } else {
      parts.push(
        `SELECT ${columns} FROM detection_seen WHERE scope = ? AND level = ? AND bucket >= ? AND bucket < ?` +
          `${query.zone ? ' AND zone = ?' : ''}`,
      );
      params.push(scope, s.source, s.from, s.to);
      if (query.zone) params.push(query.zone);
    }
  }
  return { sql: parts.join(' UNION ALL '), params };
}

export async function bucketFigures(db: SqlReader, query: BucketQuery): Promise<BucketFigures[]> {
  const d = db.dialect;
  const rows = await db.all(
    `SELECT ${d.num('bucket')} AS bucket, zone, ${d.num('unique_devices')} AS u, ${d.num('detections')} AS n, ` +
      `${d.num('rssi_sum')} AS s FROM detection_bins WHERE scope = ? AND level = ? AND bucket >= ? AND bucket < ? ` +
      'ORDER BY bucket, zone',
    [query.deviceId ?? ALL_AGENTS, query.level, query.from, query.to],
  );
  return rows
    .filter((row) => isZone(row.zone))
    .map((row) => ({
      bucket: Number(row.bucket),
      zone: row.zone as Zone,
      unique: Number(row.u),
      detections: Number(row.n),
      rssiSum: Number(row.s),
    }));
}

export async function binnedUnique(db: SqlReader, query: BinnedQuery): Promise<BinnedUnique[]> {
  const { edges } = query;
  if (edges.length < 2) return [];
  const d = db.dialect;
  const raw = query.source === 'raw';
  const column = raw ? 'timestamp' : 'bucket';
  const edge = (us: number): Param => (raw ? d.at(us) : us);
  const whens = edges.slice(1, -1).map((_, i) => `WHEN ${column} < ? THEN ${i}`);
  const bin = whens.length > 0 ? `CASE ${whens.join(' ')} ELSE ${edges.length - 2} END` : '0';
  const params: Param[] = edges.slice(1, -1).map(edge);
  let from: string;
  if (raw) {
    from = `detections WHERE timestamp >= ? AND timestamp < ?${query.deviceId !== undefined ? ' AND device_id = ?' : ''}`;
    params.push(edge(edges[0]), edge(edges[edges.length - 1]));
    if (query.deviceId !== undefined) params.push(query.deviceId);
  } else {
    from = "detection_seen WHERE scope = ? AND level = 'h' AND bucket >= ? AND bucket < ?";
    params.push(query.deviceId ?? ALL_AGENTS, edges[0], edges[edges.length - 1]);
  }
  const rows = await db.all(
    `SELECT bin, zone, ${d.num('count(DISTINCT device_hash)')} AS u FROM ` +
      `(SELECT ${bin} AS bin, zone, device_hash FROM ${from}) AS b GROUP BY bin, zone`,
    params,
  );
  return rows
    .filter((row) => isZone(row.zone))
    .map((row) => ({ bin: Number(row.bin), zone: row.zone as Zone, unique: Number(row.u) }));
}
