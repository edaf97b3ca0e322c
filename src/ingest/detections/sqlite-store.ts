/**
 * The detections in one SQLite file (the default; embedded, WAL), through src/storage/sqlite.ts:
 * better-sqlite3, or node:sqlite on Node 22.13+. The driver is synchronous, so a batch is one
 * transaction run to its end before anything else touches the file: ingest, thresholds and reads
 * never interleave, and an answered bulk is committed (synchronous=FULL).
 */
import type { Logger } from '../../log.js';
import { GroupCommit } from '../../storage/group-commit.js';
import { openSqlite, type SqliteDatabase, type SqliteStatement, transaction } from '../../storage/sqlite.js';
import { DetectionsUnavailableError } from './errors.js';
import { NEXT, type RebuildSteps, rebuildRollup, Serial, ZONE_CASE } from './rebuild.js';
import { type BinDelta, type RollupInput, rollup } from './rollup.js';
import { classifyZone, type Thresholds } from './rules.js';
import {
  type Dialect,
  type Param,
  type Row,
  rollupMarker,
  SETTINGS,
  SqlDetectionStore,
  TOUCH_DEVICE,
  thresholdDescriptions,
  touchParams,
} from './sql-store.js';
import { DetectionInbox } from './sqlite-inbox.js';
import { prepareDetectionsSchema, RECORD_DELIVERY, rollupTables } from './sqlite-schema.js';
import type { Recalculated, StoreBatch, StoreIngestResult } from './store.js';
import type { ZoneClock } from './zoned-time.js';

export interface SqliteDetectionStoreOptions {
  path: string;
  clock: ZoneClock;
  /** Stored on first open (the config's thresholds). */
  defaults: Thresholds;
  log: Logger;
}

/** Detections per INSERT statement (5 parameters each). */
const ROWS_PER_INSERT = 128;
/** Rows reclassified per transaction of a rebuild (some tens of milliseconds of the event loop). */
const REBUILD_CHUNK = 5_000;
const ROLLUP_DESCRIPTION = 'pimesh: the version and time zone of detection_seen and detection_bins';
/** Seen-set rows per INSERT statement (one bin's hashes). */
const SEEN_PER_INSERT = 64;
/** Prepared statements kept (the queries come in a few dozen shapes, the seen-set inserts in 64 sizes, twice). */
const MAX_STATEMENTS = 512;

const INSERT_INTO = 'INSERT INTO detections (device_hash, rssi, zone, timestamp, device_id) VALUES ';

export class SqliteDetectionStore extends SqlDetectionStore {
  readonly kind = 'sqlite' as const;
  protected readonly dialect: Dialect = { us: (e) => e, at: (us) => us, num: (e) => e };
  readonly #options: SqliteDetectionStoreOptions;
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #rebuilds = new Serial();
  #db: SqliteDatabase | undefined;
  /** Created at open once the thresholds are read (a merge classifies rows). */
  #inbox: DetectionInbox | undefined;
  #thresholds: Thresholds;

  constructor(options: SqliteDetectionStoreOptions) {
    super(options.clock);
    this.#options = options;
    this.#thresholds = { ...options.defaults };
  }

  get path(): string {
    return this.#options.path;
  }

  async open(): Promise<void> {
    if (this.#db) return;
    const db = openSqlite(this.#options.path);
    try {
      prepareDetectionsSchema(db);
      this.#db = db;
      await this.#seedThresholds();
      this.#inbox = new DetectionInbox({
        db: () => this.#open(),
        statement: (sql) => this.#statement(sql),
        store: (batches) => this.#ingestMany(batches, true),
        onError: (error) => this.#options.log.error({ err: error }, 'detections inbox not merged; retrying'),
      });
      // What a crash left queued goes in before anything else.
      this.#inbox.merge();
      const marker = db.prepare('SELECT value FROM system_settings WHERE key = ?').get(SETTINGS.rollup);
      if (marker?.value !== rollupMarker(this.clock.zone)) {
        const started = performance.now();
        const rows = await this.#rebuild(this.#thresholds, Date.now() * 1000, false);
        this.#options.log.info(
          {
            rows,
            ms: Math.round(performance.now() - started),
            zone: this.clock.zone,
            was: marker?.value ?? null,
          },
          'detections rollup rebuilt',
        );
      }
    } catch (error) {
      this.#db = undefined;
      this.#inbox = undefined;
      this.#statements.clear();
      this.#shaped.clear();
      db.close();
      throw error;
    }
    this.#options.log.info({ path: this.#options.path, driver: db.driver }, 'detections database open');
  }

  async #seedThresholds(): Promise<void> {
    const now = Date.now() * 1000;
    const { near, medium } = this.#options.defaults;
    const seed =
      'INSERT INTO system_settings (key, value, description, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING';
    await this.run(seed, [SETTINGS.near, String(near), thresholdDescriptions.near, now]);
    await this.run(seed, [SETTINGS.medium, String(medium), thresholdDescriptions.medium, now]);
    this.#thresholds = { ...this.#options.defaults, ...(await this.readThresholds()) };
  }

  #open(): SqliteDatabase {
    if (!this.#db) throw new DetectionsUnavailableError('the detections database is not open');
    return this.#db;
  }

  #statement(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#open().prepare(sql);
      if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  // Every read and write merges the inbox first: it sees (and orders after) every batch answered.
  protected async all(sql: string, params: Param[]): Promise<Row[]> {
    this.#inbox?.merge();
    return this.#statement(sql).all(...params);
  }

  protected async run(sql: string, params: Param[]): Promise<number> {
    this.#inbox?.merge();
    return Number(this.#statement(sql).run(...params).changes);
  }

  /**
   * Batches asked for in one event-loop turn share one transaction and one pass over the rollup (a
   * bulk's rows in the order sent, so each batch knows its last id); queued ones go to the inbox.
   */
  readonly #group = new GroupCommit<StoreBatch, StoreIngestResult>(
    () => this.#open(),
    (batches) => this.#ingestMany(batches),
    () => this.#inbox?.merge(),
  );

  readonly #queued = new GroupCommit<StoreBatch, StoreIngestResult>(
    () => this.#open(),
    (batches) => {
      if (!this.#inbox) throw new DetectionsUnavailableError('the detections database is not open');
      return this.#inbox.stage(batches);
    },
  );

  ingest(batch: StoreBatch): Promise<StoreIngestResult> {
    return batch.queue ? this.#queued.run(batch) : this.#group.run(batch);
  }

  /** `sorted`: the rows go in by time (a merge of the inbox; no last ids then). */
  #ingestMany(batches: readonly StoreBatch[], sorted = false): StoreIngestResult[] {
    const results: StoreIngestResult[] = [];
    const rows: RollupInput[] = [];
    /** Per stored batch: its result and the index after its last row. */
    const ends: [StoreIngestResult, number][] = [];
    for (const batch of batches) {
      const { deviceId, nowUs } = batch;
      if (batch.deliveryKey !== undefined) {
        const added = this.#statement(RECORD_DELIVERY).run(batch.deliveryKey, deviceId, nowUs).changes;
        if (Number(added) === 0) {
          results.push({ stored: 0, duplicate: true });
          continue;
        }
      }
      this.#statement(TOUCH_DEVICE).run(...touchParams(batch));
      for (const d of batch.detections) {
        rows.push({
          device_id: deviceId,
          device_hash: d.device_hash,
          rssi: d.rssi,
          zone: classifyZone(d.rssi, this.#thresholds),
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
      this.#addToRollup(rows);
      return results;
    }
    // Row ids are given in insertion order, one transaction, no other writer: each batch's last id.
    if (lastId !== undefined) {
      for (const [result, end] of ends) if (result.stored > 0) result.lastId = lastId - (rows.length - end);
    }
    this.#addToRollup(rows);
    return results;
  }

  /** Inserts the rows, ROWS_PER_INSERT per statement; the id of the last one. */
  #insertRows(rows: readonly RollupInput[]): number | undefined {
    const many = this.#statement(INSERT_INTO + Array(ROWS_PER_INSERT).fill('(?,?,?,?,?)').join(','));
    const one = this.#statement(`${INSERT_INTO}(?,?,?,?,?)`);
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

  /** Statements by row count, so a long SQL text is built and looked up once per shape. */
  readonly #shaped = new Map<string, SqliteStatement>();

  #shape(kind: string, n: number, build: () => string): SqliteStatement {
    const key = `${kind}:${n}`;
    let statement = this.#shaped.get(key);
    if (!statement) {
      statement = this.#open().prepare(build());
      this.#shaped.set(key, statement);
    }
    return statement;
  }

  /**
   * Adds rows to the rollup tables (`suffix` NEXT: the shadow ones of a rebuild): each bin's hashes
   * into its seen set with multi-row INSERT OR IGNORE (the rows that went in are the bin's new distinct
   * devices), then every bin's counters in one multi-row upsert.
   */
  #addToRollup(rows: readonly RollupInput[], suffix = ''): void {
    if (rows.length === 0) return;
    const bins = rollup(rows, this.clock);
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

  /** Reclassifies and re-adds rows with id in (after, upTo] (at most `limit`) into the shadow tables. */
  #reclassify(after: number, upTo: number, limit: number): { last: number; count: number } {
    const rows = this.#statement(
      'SELECT id, device_hash, rssi, timestamp AS us, device_id FROM detections WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
    ).all(after, upTo, limit) as unknown as (RollupInput & { id: number })[];
    if (rows.length === 0) return { last: after, count: 0 };
    for (const row of rows) row.zone = classifyZone(row.rssi, this.#thresholds);
    const last = Number(rows[rows.length - 1].id);
    const { near, medium } = this.#thresholds;
    this.#statement(
      `UPDATE detections SET zone = ${ZONE_CASE} WHERE id > ? AND id <= ? AND zone <> ${ZONE_CASE}`,
    ).run(near, medium, after, last, near, medium);
    this.#addToRollup(rows, NEXT);
    return { last, count: rows.length };
  }

  /** rebuild.ts's steps on this file; `pause`: let the event loop run between chunks (not at open). */
  #rebuild(thresholds: Thresholds, nowUs: number, pause: boolean): Promise<number> {
    const db = this.#open();
    const setting = this.#statement(
      'INSERT INTO system_settings (key, value, description, updated_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    const steps: RebuildSteps = {
      begin: async () =>
        transaction(db, () => {
          setting.run(SETTINGS.near, String(thresholds.near), thresholdDescriptions.near, nowUs);
          setting.run(SETTINGS.medium, String(thresholds.medium), thresholdDescriptions.medium, nowUs);
          setting.run(SETTINGS.rollup, 'rebuilding', ROLLUP_DESCRIPTION, nowUs);
          db.exec(`DROP TABLE IF EXISTS detection_seen${NEXT}; DROP TABLE IF EXISTS detection_bins${NEXT};`);
          db.exec(rollupTables(NEXT));
          this.#thresholds = { ...thresholds };
          return Number(db.prepare('SELECT coalesce(max(id), 0) AS id FROM detections').get()?.id ?? 0);
        }),
      step: async (after, upTo, limit) => transaction(db, () => this.#reclassify(after, upTo, limit)),
      finish: async (after) =>
        transaction(db, () => {
          let total = 0;
          for (let step = this.#reclassify(after, Number.MAX_SAFE_INTEGER, REBUILD_CHUNK); step.count > 0; ) {
            total += step.count;
            step = this.#reclassify(step.last, Number.MAX_SAFE_INTEGER, REBUILD_CHUNK);
          }
          db.exec(
            'DROP TABLE detection_seen; DROP TABLE detection_bins; ' +
              `ALTER TABLE detection_seen${NEXT} RENAME TO detection_seen; ` +
              `ALTER TABLE detection_bins${NEXT} RENAME TO detection_bins;`,
          );
          this.#statements.clear();
          this.#shaped.clear();
          setting.run(SETTINGS.rollup, rollupMarker(this.clock.zone), ROLLUP_DESCRIPTION, nowUs);
          return total;
        }),
    };
    return this.#rebuilds.run(() =>
      rebuildRollup(steps, {
        chunk: REBUILD_CHUNK,
        pause: pause ? () => new Promise((resolve) => setImmediate(resolve)) : undefined,
      }),
    );
  }

  async thresholds(): Promise<Thresholds> {
    this.#open();
    return { ...this.#thresholds };
  }

  async setThresholds(thresholds: Thresholds, nowUs: number): Promise<Recalculated> {
    this.#inbox?.merge();
    const { near, medium } = this.#thresholds;
    // The same thresholds (a reset to the defaults in force): every row is classified already.
    if (near !== thresholds.near || medium !== thresholds.medium)
      await this.#rebuild(thresholds, nowUs, true);
    return this.#recalculated();
  }

  /** Rows per zone, from the day bins of every agent (a few rows, however many detections). */
  async #recalculated(): Promise<Recalculated> {
    const rows = await this.all(
      "SELECT zone, sum(detections) AS n FROM detection_bins WHERE scope = '' AND level = 'd' GROUP BY zone",
      [],
    );
    const n = (zone: string) => Number(rows.find((r) => r.zone === zone)?.n ?? 0);
    const result = { near: n('NEAR'), medium: n('MEDIUM'), far: n('FAR') };
    return { total: result.near + result.medium + result.far, ...result };
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#inbox?.close();
    this.#inbox = undefined;
    this.#db = undefined;
    this.#statements.clear();
    this.#shaped.clear();
    if (!db) return;
    try {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.#options.log.warn({ err: error }, 'WAL checkpoint at close failed');
    }
    db.close();
  }
}
