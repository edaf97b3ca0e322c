/**
 * The sensor database: poe-backend's latest-value table (same name and columns, so its readers keep
 * working) and an append-only history of every frame, in one SQLite file in WAL mode.
 *
 * Frames are queued in memory and committed in one transaction at least every `flushMs` (and as soon
 * as `batchSize` wait), so a frame is durable within `flushMs` plus one commit and `kill -9` loses at
 * most that. `synchronous=FULL`: with WAL, NORMAL survives a killed process but may lose the last
 * commits on a power cut, and a solar node loses power whenever its battery runs flat; batching makes
 * the one fsync per commit cost per flush, not per frame.
 */
import { PimeshError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import { openSqlite, type SqliteDatabase, type SqliteStatement, transaction } from '../../storage/sqlite.js';
import { SENSOR_TYPES } from './frame-codec.js';
import { FrameQueue, LatencyHistogram } from './frame-queue.js';
import { HISTORY_TABLE, prepareSchema, type SchemaInfo } from './schema.js';
import { sensorStatus } from './status.js';

export interface SensorStoreOptions {
  path: string;
  /** The latest-value table (default `sensors`; poe-backend's HEAD used `myapp_sensors_table`). */
  table?: string;
  flushMs?: number;
  batchSize?: number;
  maxQueued?: number;
  retentionDays?: number;
  maxHistoryRows?: number;
  /** How often retention runs (default 60 s; the first run is at start). */
  pruneIntervalMs?: number;
  log: Logger;
  now?: () => number;
}

export interface StoreCounters {
  /** Frames committed to the history. */
  stored: number;
  /** Frames waiting for the next commit. */
  queued: number;
  /** Frames dropped because the queue was full (the disk refused writes for too long). */
  dropped: number;
  commits: number;
  failedCommits: number;
  lastError: string | null;
  /** History rows deleted by retention. */
  pruned: number;
  /** Receipt to durable, over every frame committed since start. */
  durable: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
}

/** The store is not open (before start, after stop): a 503 for a request that needs it. */
export class SensorStoreClosedError extends PimeshError {
  constructor() {
    super('the sensor store is not open', { code: 'ERR_SENSORS_CLOSED', status: 503 });
  }
}

/** History rows written per INSERT statement (5 parameters each). */
const ROWS_PER_INSERT = 128;
/** Rows deleted per retention transaction; the event loop runs between two of them. */
const PRUNE_BATCH = 5000;
const DAY_MS = 86_400_000;

export class SensorStore {
  readonly #options: Required<Omit<SensorStoreOptions, 'log' | 'now'>>;
  readonly #log: Logger;
  readonly #throttle: LogThrottle;
  readonly #now: () => number;
  readonly #latency = new LatencyHistogram();
  #queue: FrameQueue | undefined;
  #db: SqliteDatabase | undefined;
  #schema: SchemaInfo | undefined;
  #insertMany!: SqliteStatement;
  #insertOne!: SqliteStatement;
  #upsert!: SqliteStatement;
  #pruneOld!: SqliteStatement;
  #rowidSpan!: SqliteStatement;
  #pruneBelow!: SqliteStatement;
  readonly #params: (string | number)[] = new Array(ROWS_PER_INSERT * 5).fill(0);
  #flushTimer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #pruning: Promise<number> | undefined;
  /** After a failed commit, no commit is tried before this (ms). */
  #retryAt = 0;
  #stored = 0;
  #commits = 0;
  #failedCommits = 0;
  #lastError: string | null = null;
  #pruned = 0;

  constructor(options: SensorStoreOptions) {
    this.#options = {
      path: options.path,
      table: options.table ?? 'sensors',
      flushMs: options.flushMs ?? 500,
      batchSize: options.batchSize ?? 10_000,
      maxQueued: Math.max(options.maxQueued ?? 100_000, options.batchSize ?? 10_000),
      retentionDays: options.retentionDays ?? 30,
      maxHistoryRows: options.maxHistoryRows ?? 20_000_000,
      pruneIntervalMs: options.pruneIntervalMs ?? 60_000,
    };
    this.#log = options.log;
    this.#throttle = new LogThrottle(options.log);
    this.#now = options.now ?? Date.now;
  }

  /** Opens (creating when missing) the file and the tables, and starts the flush and retention timers. */
  open(): void {
    if (this.#db) return;
    const db = openSqlite(this.#options.path);
    try {
      this.#schema = prepareSchema(db, this.#options.table);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    const values = Array.from({ length: ROWS_PER_INSERT }, () => '(?,?,?,?,?)').join(',');
    const into = `INSERT INTO ${HISTORY_TABLE} (time, ip_id, sensor, value, status) VALUES`;
    this.#insertMany = db.prepare(`${into} ${values}`);
    this.#insertOne = db.prepare(`${into} (?,?,?,?,?)`);
    const columns = this.#schema.hasStatus
      ? 'ip_id, sensor, value, time, status'
      : 'ip_id, sensor, value, time';
    const marks = this.#schema.hasStatus ? '?,?,?,?,?' : '?,?,?,?';
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO "${this.#options.table}" (${columns}) VALUES (${marks})`,
    );
    this.#pruneOld = db.prepare(
      `DELETE FROM ${HISTORY_TABLE} WHERE rowid IN ` +
        `(SELECT rowid FROM ${HISTORY_TABLE} WHERE time < ? ORDER BY time LIMIT ${PRUNE_BATCH})`,
    );
    this.#rowidSpan = db.prepare(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${HISTORY_TABLE}`);
    this.#pruneBelow = db.prepare(`DELETE FROM ${HISTORY_TABLE} WHERE rowid < ?`);
    this.#queue = new FrameQueue(this.#options.maxQueued);
    this.#flushTimer = setInterval(() => this.flush(), this.#options.flushMs);
    this.#flushTimer.unref();
    this.#pruneTimer = setInterval(() => void this.prune(), this.#options.pruneIntervalMs);
    this.#pruneTimer.unref();
    void this.prune();
    this.#log.info(
      {
        path: this.#options.path,
        table: this.#options.table,
        driver: db.driver,
        created: this.#schema.created,
      },
      'sensor database open',
    );
  }

  /** The open database, for the queries. */
  get db(): SqliteDatabase {
    if (!this.#db) throw new SensorStoreClosedError();
    return this.#db;
  }

  get schema(): SchemaInfo {
    if (!this.#schema) throw new SensorStoreClosedError();
    return this.#schema;
  }

  get table(): string {
    return this.#options.table;
  }

  /** Queues one frame received at `time` (epoch ms); commits at once when a batch is full. */
  add(time: number, ipId: string, type: number, value: number): boolean {
    const queue = this.#queue;
    if (!queue) return false;
    if (!queue.push(time, ipId, type, value)) return false;
    if (queue.length >= this.#options.batchSize && this.#now() >= this.#retryAt) this.flush();
    return true;
  }

  /** Commits every queued frame in one transaction; returns how many. A failure keeps them queued. */
  flush(): number {
    const queue = this.#queue;
    const db = this.#db;
    if (!queue || !db || queue.length === 0) return 0;
    const n = queue.length;
    try {
      transaction(db, () => this.#write(queue, n));
    } catch (error) {
      this.#failedCommits++;
      this.#lastError = (error as Error).message;
      this.#retryAt = this.#now() + this.#options.flushMs;
      this.#throttle.error('commit', { err: error, queued: n }, 'sensor frames not committed; kept queued');
      return 0;
    }
    const committed = this.#now();
    const { times } = queue;
    for (let i = 0; i < n; i++) this.#latency.add(committed - times[i]);
    queue.clear();
    this.#stored += n;
    this.#commits++;
    return n;
  }

  #write(queue: FrameQueue, n: number): void {
    const { times, ipIds, types, values } = queue;
    const p = this.#params;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= n; i += ROWS_PER_INSERT) {
      for (let r = 0, j = 0; r < ROWS_PER_INSERT; r++, j += 5) {
        const k = i + r;
        p[j] = times[k] / 1000;
        p[j + 1] = ipIds[k];
        p[j + 2] = SENSOR_TYPES[types[k]];
        p[j + 3] = values[k];
        p[j + 4] = sensorStatus(types[k], values[k]);
      }
      this.#insertMany.run(...p);
    }
    for (; i < n; i++) {
      const type = types[i];
      const value = values[i];
      this.#insertOne.run(times[i] / 1000, ipIds[i], SENSOR_TYPES[type], value, sensorStatus(type, value));
    }
    // The latest-value table: only the last frame of each key in the batch matters.
    const seen = new Set<string>();
    const withStatus = this.#schema?.hasStatus;
    for (let k = n - 1; k >= 0; k--) {
      const key = ipIds[k];
      if (seen.has(key)) continue;
      seen.add(key);
      const type = types[k];
      const value = values[k];
      const row = [key, SENSOR_TYPES[type], value, times[k] / 1000];
      if (withStatus) row.push(sensorStatus(type, value));
      this.#upsert.run(...row);
    }
  }

  /**
   * Retention: deletes history older than `retentionDays`, then the oldest rows beyond
   * `maxHistoryRows`, PRUNE_BATCH rows per transaction with the event loop running in between.
   * Returns how many rows went. One run at a time.
   */
  prune(): Promise<number> {
    this.#pruning ??= this.#pruneAll().finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  async #pruneAll(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        if (!this.#db) break;
        const cutoff = (this.#now() - this.#options.retentionDays * DAY_MS) / 1000;
        let deleted = Number(this.#pruneOld.run(cutoff).changes);
        if (deleted === 0) deleted = this.#pruneOverCap();
        if (deleted === 0) break;
        total += deleted;
        this.#pruned += deleted;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.#throttle.error('prune', { err: error }, 'sensor history retention failed');
    }
    if (total > 0) this.#log.info({ rows: total }, 'sensor history pruned');
    return total;
  }

  /** Rowids only grow (rows are appended, retention deletes the oldest): max - min + 1 counts the rows. */
  #pruneOverCap(): number {
    const span = this.#rowidSpan.get();
    const lo = Number(span?.lo ?? 0);
    const hi = Number(span?.hi ?? 0);
    const over = hi - lo + 1 - this.#options.maxHistoryRows;
    if (!span || span.lo === null || over <= 0) return 0;
    const below = lo + Math.min(over, PRUNE_BATCH);
    return Number(this.#pruneBelow.run(below).changes);
  }

  counters(): StoreCounters {
    return {
      stored: this.#stored,
      queued: this.#queue?.length ?? 0,
      dropped: this.#queue?.dropped ?? 0,
      commits: this.#commits,
      failedCommits: this.#failedCommits,
      lastError: this.#lastError,
      pruned: this.#pruned,
      durable: this.#latency.summary(),
    };
  }

  /** Commits what is queued, stops the timers and closes the file (checkpointing the WAL). */
  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
    clearInterval(this.#pruneTimer);
    await this.#pruning;
    this.flush();
    const db = this.#db;
    this.#db = undefined;
    this.#queue = undefined;
    this.#throttle.flush();
    if (!db) return;
    try {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.#log.warn({ err: error }, 'WAL checkpoint at close failed');
    }
    db.close();
  }
}
