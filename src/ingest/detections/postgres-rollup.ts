/**
 * PostgreSQL's writes to the rollup (rollup.ts): a batch's bins as arrays through `unnest`, the
 * seen-set entries inserted with ON CONFLICT DO NOTHING and RETURNING what was new, then the bins
 * upserted with those counts, both in key order; and a rebuild's step that reclassifies stored rows.
 */
import type pg from 'pg';
import { NEXT, ZONE_CASE } from './rebuild.js';
import { type BinDelta, binOrder, type RollupInput, rollup } from './rollup.js';
import { classifyZone, type Thresholds } from './rules.js';
import type { ZoneClock } from './zoned-time.js';

/** `?` placeholders numbered (`$1`, `$2`...). The SQL here has no `?` of its own. */
export const numbered = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

/** `timestamp` as microseconds since the epoch (exact: extract gives a numeric). */
export const US_TIMESTAMP = '(extract(epoch from timestamp) * 1000000)::float8';

/** Adds rows to the rollup (`suffix` NEXT: the shadow tables of a rebuild), in the client's transaction. */
export async function addToRollup(
  c: pg.PoolClient,
  rows: readonly RollupInput[],
  suffix: string,
  clock: ZoneClock,
): Promise<void> {
  if (rows.length === 0) return;
  // In key order: writers that lock rows in one order cannot deadlock on each other's rows.
  const bins = rollup(rows, clock).sort(binOrder);
  const binOf = new Map<string, BinDelta>();
  const seen: { bin: BinDelta; hash: string }[] = [];
  for (const b of bins) {
    binOf.set(`${b.scope}\u0000${b.level}\u0000${b.bucket}\u0000${b.zone}`, b);
    for (const hash of [...b.hashes].sort()) seen.push({ bin: b, hash });
  }
  const added = await c.query(
    `INSERT INTO detection_seen${suffix} (scope, level, bucket, zone, device_hash) ` +
      'SELECT * FROM unnest($1::varchar[], $2::char[], $3::int8[], $4::varchar[], $5::varchar[]) ' +
      'ON CONFLICT DO NOTHING RETURNING scope, level, bucket, zone',
    [
      seen.map((s) => s.bin.scope),
      seen.map((s) => s.bin.level),
      seen.map((s) => s.bin.bucket),
      seen.map((s) => s.bin.zone),
      seen.map((s) => s.hash),
    ],
  );
  for (const r of added.rows) {
    const bin = binOf.get(`${r.scope}\u0000${r.level}\u0000${r.bucket}\u0000${r.zone}`);
    if (bin) bin.unique++;
  }
  await c.query(
    `INSERT INTO detection_bins${suffix} AS b (scope, level, bucket, zone, unique_devices, detections, rssi_sum) ` +
      'SELECT * FROM unnest($1::varchar[], $2::char[], $3::int8[], $4::varchar[], $5::int[], $6::int8[], $7::int8[]) ' +
      'ON CONFLICT (scope, level, bucket, zone) DO UPDATE SET ' +
      'unique_devices = b.unique_devices + excluded.unique_devices, detections = b.detections + excluded.detections, ' +
      'rssi_sum = b.rssi_sum + excluded.rssi_sum',
    [
      bins.map((b) => b.scope),
      bins.map((b) => b.level),
      bins.map((b) => b.bucket),
      bins.map((b) => b.zone),
      bins.map((b) => b.unique),
      bins.map((b) => b.detections),
      bins.map((b) => b.rssiSum),
    ],
  );
}

/** Reclassifies rows with id in (after, upTo] (at most `limit`) and adds them to the shadow rollup. */
export async function reclassify(
  c: pg.PoolClient,
  clock: ZoneClock,
  thresholds: Thresholds,
  after: number,
  upTo: number,
  limit: number,
): Promise<{ last: number; count: number }> {
  const { rows } = await c.query(
    `SELECT id, device_hash, rssi, ${US_TIMESTAMP} AS us, device_id FROM detections ` +
      'WHERE id > $1::int8 AND id <= $2::int8 ORDER BY id LIMIT $3',
    [after, upTo, limit],
  );
  if (rows.length === 0) return { last: after, count: 0 };
  const input = rows.map((r) => ({ ...r, zone: classifyZone(r.rssi, thresholds) })) as RollupInput[];
  const last = Number(rows[rows.length - 1].id);
  const { near, medium } = thresholds;
  await c.query(
    numbered(`UPDATE detections SET zone = ${ZONE_CASE} WHERE id > ? AND id <= ? AND zone <> ${ZONE_CASE}`),
    [near, medium, after, last, near, medium],
  );
  await addToRollup(c, input, NEXT, clock);
  return { last, count: rows.length };
}
