/**
 * The detections in one SQLite file (the default; embedded, WAL), through src/storage/sqlite.ts:
 * better-sqlite3, or node:sqlite on Node 22.13+. The driver is synchronous, so a batch is one
 * transaction run to its end before anything else touches the file: ingest, thresholds and reads
 * never interleave, and an answered bulk is committed (synchronous=FULL).
 */
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import { GroupCommit } from '../../storage/group-commit.js';
import { openSqlite, type SqliteDatabase, type SqliteStatement, transaction } from '../../storage/sqlite.js';
import { DetectionsUnavailableError } from './errors.js';
import { NEXT, type RebuildSteps, rebuildRollup, Serial, ZONE_CASE } from './rebuild.js';
import type { RollupInput } from './rollup.js';
import { classifyZone, type Thresholds } from './rules.js';
import {
  type Dialect,
  type Param,
  type Row,
  rollupMarker,
  SETTINGS,
  SqlDetectionStore,
  thresholdDescriptions,
} from './sql-store.js';
import { DetectionInbox } from './sqlite-inbox.js';
import { prepareDetectionsSchema, rollupTables } from './sqlite-schema.js';
import { SqliteDetectionWrites } from './sqlite-writes.js';
import type { Recalculated, StoreBatch, StoreIngestResult } from './store.js';
import type { ZoneClock } from './zoned-time.js';

export interface SqliteDetectionStoreOptions {
  path: string;
  clock: ZoneClock;
  /** Stored on first open (the config's thresholds). */
  defaults: Thresholds;
  log: Logger;
  /** Batches will be queued (MQTT is configured): the merge worker starts with the store. */
  queued?: boolean;
}

/** Rows reclassified per transaction of a rebuild (some tens of milliseconds of the event loop). */
const REBUILD_CHUNK = 5_000;
const ROLLUP_DESCRIPTION = 'pimesh: the version and time zone of detection_seen and detection_bins';

export class SqliteDetectionStore extends SqlDetectionStore {
  readonly kind = 'sqlite' as const;
  protected readonly dialect: Dialect = { us: (e) => e, at: (us) => us, num: (e) => e };
  readonly #options: SqliteDetectionStoreOptions;
  readonly #rebuilds = new Serial();
  /** A merge that keeps failing is retried by every read: one log line a minute says so. */
  readonly #throttle: LogThrottle;
  #db: SqliteDatabase | undefined;
  #writes: SqliteDetectionWrites | undefined;
  /** Created at open once the thresholds are read (a merge classifies rows). */
  #inbox: DetectionInbox | undefined;
  #thresholds: Thresholds;

  constructor(options: SqliteDetectionStoreOptions) {
    super(options.clock);
    this.#options = options;
    this.#throttle = new LogThrottle(options.log);
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
      this.#writes = new SqliteDetectionWrites(db, this.clock, () => this.#thresholds);
      await this.#seedThresholds();
      this.#inbox = new DetectionInbox({
        path: this.#options.path,
        zone: this.clock.zone,
        thresholds: () => this.#thresholds,
        db: () => this.#open(),
        statement: (sql) => this.#statement(sql),
        store: (batches) => this.#writer().ingestMany(batches, true),
        onError: (error) =>
          this.#throttle.error('inbox', { err: error }, 'detections inbox not merged; retrying'),
        onTorn: (lines) =>
          this.#options.log.warn(
            { lines },
            'detections inbox: lines torn by a crash skipped (never answered)',
          ),
      });
      // What a crash left queued goes in before anything else.
      this.#inbox.open();
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
      this.#inbox?.abandon();
      this.#db = undefined;
      this.#writes = undefined;
      this.#inbox = undefined;
      db.close();
      throw error;
    }
    if (this.#options.queued) {
      await this.#inbox?.start().catch((error) => {
        this.#throttle.error(
          'inbox',
          { err: error },
          'detections merge worker did not start; the merges retry it',
        );
      });
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

  #writer(): SqliteDetectionWrites {
    if (!this.#writes) throw new DetectionsUnavailableError('the detections database is not open');
    return this.#writes;
  }

  #statement(sql: string): SqliteStatement {
    return this.#writer().statement(sql);
  }

  // Every read and write waits for the batches answered before it: it sees (and orders after) them.
  protected async all(sql: string, params: Param[]): Promise<Row[]> {
    await this.#inbox?.flush();
    return this.#statement(sql).all(...params);
  }

  protected async run(sql: string, params: Param[]): Promise<number> {
    await this.#inbox?.flush();
    return this.#exclusive(() => Number(this.#statement(sql).run(...params).changes));
  }

  /** A write on this connection, with the inbox's merges held back meanwhile (no wait on SQLite's lock). */
  #exclusive<T>(write: () => T | Promise<T>): Promise<T> {
    return this.#inbox ? this.#inbox.exclusive(write) : Promise.resolve().then(write);
  }

  /**
   * Batches asked for in one event-loop turn share one transaction and one pass over the rollup (a
   * bulk's rows in the order sent, so each batch knows its last id); queued ones (with a delivery
   * key) go to the inbox.
   */
  readonly #group = new GroupCommit<StoreBatch, StoreIngestResult>(
    () => this.#open(),
    (batches) => this.#writer().ingestMany(batches),
  );

  ingest(batch: StoreBatch): Promise<StoreIngestResult> {
    const key = batch.deliveryKey;
    if (!batch.queue || key === undefined) return this.#exclusive(() => this.#group.run(batch));
    if (!this.#inbox)
      return Promise.reject(new DetectionsUnavailableError('the detections database is not open'));
    return this.#inbox.stage({ ...batch, deliveryKey: key });
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
    this.#writer().addToRollup(rows, NEXT);
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
          this.#writer().forget();
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
    await this.#inbox?.flush();
    const { near, medium } = this.#thresholds;
    // The same thresholds (a reset to the defaults in force): every row is classified already.
    if (near !== thresholds.near || medium !== thresholds.medium)
      await this.#exclusive(() => this.#rebuild(thresholds, nowUs, true));
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
    await this.#inbox?.close();
    this.#inbox = undefined;
    this.#throttle.flush();
    this.#db = undefined;
    this.#writes = undefined;
    if (!db) return;
    try {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.#options.log.warn({ err: error }, 'WAL checkpoint at close failed');
    }
    db.close();
  }
}
