/**
 * The SQLite writes of detections: batches in (delivery key, device, rows, rollup) and the rollup's
 * additions, on one connection with its prepared statements. The store writes through one on its
 * connection; the inbox's merge worker (sqlite-merge-worker.ts) through another on its own.
 */
import type { SqliteDatabase, SqliteStatement } from '../../storage/sqlite.js';
import { type BinDelta, type RollupInput, rollup } from './rollup.js';
import { classifyZone, type Thresholds } from './rules.js';
import { type Param, TOUCH_DEVICE, touchParams } from './sql-store.js';
import { RECORD_DELIVERY } from './sqlite-schema.js';
import type { StoreBatch, StoreIngestResult } from './store.js';
import type { ZoneClock } from './zoned-time.js';

/** Detections per INSERT statement (5 parameters each). */
const ROWS_PER_INSERT = 128;
/** Seen-set rows per INSERT statement (one bin's hashes). */
const SEEN_PER_INSERT = 64;
/** Prepared statements kept (the queries come in a few dozen shapes, the seen-set inserts in 64 sizes, twice). */
const MAX_STATEMENTS = 512;

const INSERT_INTO = 'INSERT INTO detections (device_hash, rssi, zone, timestamp, device_id) VALUES ';

export class SqliteDetectionWrites {
  readonly #db: SqliteDatabase;
  readonly #clock: ZoneClock;
  readonly #thresholds: () => Thresholds;
  readonly #statements = new Map<string, SqliteStatement>();
  /** Statements by row count, so a long SQL text is built and looked up once per shape. */
  readonly #shaped = new Map<string, SqliteStatement>();

  /** `thresholds`: the ones rows are classified with, asked for each batch of writes. */
  constructor(db: SqliteDatabase, clock: ZoneClock, thresholds: () => Thresholds) {
    this.#db = db;
    this.#clock = clock;
    this.#thresholds = thresholds;
  }

  /** A prepared statement from the cache. */
  statement(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Forgets every prepared statement (the tables they name were replaced). */
  forget(): void {
    this.#statements.clear();
    this.#shaped.clear();
  }

  /** `sorted`: the rows go in by time (a merge of the inbox; no last ids then). */
  ingestMany(batches: readonly StoreBatch[], sorted = false): StoreIngestResult[] {
    const results: StoreIngestResult[] = [];
    const rows: RollupInput[] = [];
    /** Per stored batch: its result and the index after its last row. */
    const ends: [StoreIngestResult, number][] = [];
    const thresholds = this.#thresholds();
    for (const batch of batches) {
      const { deviceId, nowUs } = batch;
      if (batch.deliveryKey !== undefined) {
        const added = this.statement(RECORD_DELIVERY).run(batch.deliveryKey, deviceId, nowUs).changes;
        if (Number(added) === 0) {
          results.push({ stored: 0, duplicate: true });
          continue;
        }
      }
      this.statement(TOUCH_DEVICE).run(...touchParams(batch));
      for (const d of batch.detections) {
        rows.push({
          device_id: deviceId,
          device_hash: d.device_hash,
          rssi: d.rssi,
          zone: classifyZone(d.rssi, thresholds),
          us: d.us,
        });
      }
      const result: StoreIngestResult = { stored: batch.detections.length, duplicate: false };
      results.push(result);
      ends.push([result, rows.length]);
    }
    if (sorted) rows.sort((a, b) => a.us - b.us);
    const lastId = this.#insertRows(rows);
    if (sorted) {
      this.addToRollup(rows);
      return results;
    }
    // Row ids are given in insertion order, one transaction, no other writer: each batch's last id.
    if (lastId !== undefined) {
      for (const [result, end] of ends) if (result.stored > 0) result.lastId = lastId - (rows.length - end);
    }
    this.addToRollup(rows);
    return results;
  }

  /** Inserts the rows, ROWS_PER_INSERT per statement; the id of the last one. */
  #insertRows(rows: readonly RollupInput[]): number | undefined {
    const many = this.statement(INSERT_INTO + Array(ROWS_PER_INSERT).fill('(?,?,?,?,?)').join(','));
    const one = this.statement(`${INSERT_INTO}(?,?,?,?,?)`);
    const params: Param[] = new Array(ROWS_PER_INSERT * 5);
    let lastId: number | undefined;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      for (let r = 0, j = 0; r < ROWS_PER_INSERT; r++, j += 5) {
        const row = rows[i + r];
        params[j] = row.device_hash;
        params[j + 1] = row.rssi;
        params[j + 2] = row.zone;
        params[j + 3] = row.us;
        params[j + 4] = row.device_id;
      }
      lastId = Number(many.run(...params).lastInsertRowid);
    }
    for (; i < rows.length; i++) {
      const row = rows[i];
      lastId = Number(one.run(row.device_hash, row.rssi, row.zone, row.us, row.device_id).lastInsertRowid);
    }
    return lastId;
  }

  #shape(kind: string, n: number, build: () => string): SqliteStatement {
    const key = `${kind}:${n}`;
    let statement = this.#shaped.get(key);
    if (!statement) {
      statement = this.#db.prepare(build());
      this.#shaped.set(key, statement);
    }
    return statement;
  }

  /**
   * Adds rows to the rollup tables (`suffix` NEXT: the shadow ones of a rebuild): each bin's hashes
   * into its seen set with multi-row INSERT OR IGNORE (the rows that went in are the bin's new distinct
   * devices), then every bin's counters in one multi-row upsert.
   */
  addToRollup(rows: readonly RollupInput[], suffix = ''): void {
    if (rows.length === 0) return;
    const bins = rollup(rows, this.#clock);
    for (const b of bins) b.unique = this.#insertSeen(suffix, b);
    const upsert = this.#shape(`bins${suffix}`, bins.length, () => {
      const values = Array(bins.length).fill('(?,?,?,?,?,?,?)').join(',');
      return (
        `INSERT INTO detection_bins${suffix} AS b (scope, level, bucket, zone, unique_devices, detections, rssi_sum) ` +
        `VALUES ${values} ON CONFLICT (scope, level, bucket, zone) DO UPDATE SET ` +
        'unique_devices = b.unique_devices + excluded.unique_devices, detections = b.detections + excluded.detections, ' +
        'rssi_sum = b.rssi_sum + excluded.rssi_sum'
      );
    });
    upsert.run(
      ...bins.flatMap((b) => [b.scope, b.level, b.bucket, b.zone, b.unique, b.detections, b.rssiSum]),
    );
  }

  /** A bin's hashes into its seen set, SEEN_PER_INSERT rows a statement; how many were new there. */
  #insertSeen(suffix: string, b: BinDelta): number {
    let added = 0;
    for (let i = 0; i < b.hashes.length; i += SEEN_PER_INSERT) {
      const n = Math.min(SEEN_PER_INSERT, b.hashes.length - i);
      const params: Param[] = [];
      for (let j = 0; j < n; j++) params.push(b.scope, b.level, b.bucket, b.zone, b.hashes[i + j]);
      const insert = this.#shape(`seen${suffix}`, n, () => {
        const values = Array(n).fill('(?,?,?,?,?)').join(',');
        return `INSERT OR IGNORE INTO detection_seen${suffix} (scope, level, bucket, zone, device_hash) VALUES ${values}`;
      });
      added += Number(insert.run(...params).changes);
    }
    return added;
  }
}
