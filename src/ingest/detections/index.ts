/**
 * BLE detections (the TFG backend, spec D) as one service: the store (SQLite by default, PostgreSQL
 * with `databaseUrl`), the one ingest every path calls (HTTP bulk and single, MQTT), the keys, and
 * a "batch stored" signal the WebSocket and anything else listen to. `start()` opens the store (a
 * PostgreSQL that is not there yet is retried in the background, the API answering 503 meanwhile);
 * `stop()` closes it.
 */
import type { FailureLimiter } from '../../auth/failure-limiter.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import { type DetectionsConfig, detectionsDbPath } from './config.js';
import { DetectionsStoreError, DetectionsUnavailableError } from './errors.js';
import { DetectionKeys } from './keys.js';
import { acceptDetections, classifyZone, validateBatch } from './rules.js';
import { SqliteDetectionStore } from './sqlite-store.js';
import type { StatsContext } from './statistics.js';
import { realtime } from './statistics.js';
import type { DetectionRow, DetectionStore } from './store.js';
import type { IngestBatch, IngestOptions } from './types.js';
import { DAY_US, ZoneClock } from './zoned-time.js';

export interface DetectionsOptions {
  config: DetectionsConfig;
  /** For the SQLite file's default place. */
  dataDir: string;
  /** The node's zone, used when `config.timezone` is not set (default the process's). */
  timezone?: string;
  log: Logger;
  /** The node's failure limiter for keys (shared with its other keys). */
  limiter?: FailureLimiter;
  /** Epoch milliseconds. */
  now?: () => number;
}

/** A batch was stored (at least one detection): what `detection_event` carries. */
export interface StoredEvent {
  device_id: string;
  count: number;
  via: IngestOptions['via'];
  /** Microseconds since the epoch. */
  at: number;
}

export interface DetectionsCounters {
  batches: number;
  stored: number;
  skipped: number;
  duplicates: number;
  rejected: number;
  byPath: Record<IngestOptions['via'], number>;
}

const RETRY_MAX_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

export class Detections {
  readonly config: DetectionsConfig;
  readonly clock: ZoneClock;
  readonly keys: DetectionKeys;
  readonly #log: Logger;
  readonly #throttle: LogThrottle;
  readonly #now: () => number;
  readonly #listeners = new Set<(event: StoredEvent) => void>();
  readonly #counters: DetectionsCounters = {
    batches: 0,
    stored: 0,
    skipped: 0,
    duplicates: 0,
    rejected: 0,
    byPath: { http: 0, mqtt: 0 },
  };
  readonly #dataDir: string;
  #store: DetectionStore | undefined;
  #open = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #prune: NodeJS.Timeout | undefined;

  constructor(options: DetectionsOptions) {
    const { config } = options;
    this.config = config;
    this.clock = new ZoneClock(
      config.timezone ?? options.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    );
    this.#log = options.log.child({ module: 'detections' });
    this.#throttle = new LogThrottle(this.#log);
    this.#now = options.now ?? Date.now;
    this.#dataDir = options.dataDir;
    this.keys = new DetectionKeys({
      key: config.key,
      keyHash: config.keyHash,
      agentKeys: config.agentKeys,
      readsPublic: config.readsPublic,
      limiter: options.limiter,
    });
  }

  /** Now, in microseconds since the epoch. */
  nowUs(): number {
    return this.#now() * 1000;
  }

  /** Whether the store is open (false before start, while PostgreSQL is away at start, after stop). */
  get ready(): boolean {
    return this.#open;
  }

  /** The store (SQLite or PostgreSQL); a 503 before start. */
  get store(): DetectionStore {
    if (!this.#store) throw new DetectionsUnavailableError('the detections store is not started');
    return this.#store;
  }

  /** The store the config names; pg is loaded only for a PostgreSQL one. */
  async #createStore(): Promise<DetectionStore> {
    const { config } = this;
    const defaults = { ...config.thresholds };
    if (!config.databaseUrl) {
      const path = detectionsDbPath(config, this.#dataDir);
      const queued = config.mqtt.url !== undefined;
      return new SqliteDetectionStore({ path, clock: this.clock, defaults, log: this.#log, queued });
    }
    const { PostgresDetectionStore } = await import('./postgres-store.js');
    return new PostgresDetectionStore({
      url: config.databaseUrl,
      clock: this.clock,
      defaults,
      poolSize: config.postgres.poolSize,
      statementTimeoutMs: config.postgres.statementTimeoutMs,
      connectTimeoutMs: config.postgres.connectTimeoutMs,
      log: this.#log,
    });
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#store ??= await this.#createStore();
    if (this.#store.kind === 'sqlite') await this.#opened();
    else await this.#connect(1000);
  }

  async #opened(): Promise<void> {
    await this.store.open();
    this.#open = true;
    this.#log.info({ store: this.store.kind, timezone: this.clock.zone }, 'detections ready');
    const pruneKeys = () =>
      this.store
        .pruneDeliveries(this.nowUs() - this.config.deliveryKeyDays * DAY_US)
        .catch((error) => this.#throttle.warn('prune', { err: error }, 'delivery keys not pruned'));
    // Old detections go on the hourly tick only, never while the node is starting (a long delete
    // then would hold the store as agents reconnect).
    const prune = async () => {
      await pruneKeys();
      await this.store
        .pruneDetections(this.nowUs() - this.config.retentionDays * DAY_US)
        .catch((error) => this.#throttle.warn('retention', { err: error }, 'old detections not pruned'));
    };
    void pruneKeys();
    this.#prune = setInterval(prune, PRUNE_EVERY_MS).unref();
  }

  /** PostgreSQL: open, or try again later (doubling up to a minute) while the database is away. */
  async #connect(delayMs: number): Promise<void> {
    try {
      await this.#opened();
    } catch (error) {
      if (this.#stopped || !(error instanceof DetectionsStoreError)) throw error;
      this.#throttle.warn(
        'connect',
        { err: error, retryInMs: delayMs },
        'PostgreSQL not reachable; retrying',
      );
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#connect(Math.min(delayMs * 2, RETRY_MAX_MS)).catch((e) =>
          this.#log.error({ err: e }, 'detections store failed to open'),
        );
      }, delayMs).unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#prune);
    this.#open = false;
    this.#throttle.flush();
    await this.#store?.close();
  }

  /** Calls `listener` after every stored batch (from any path); returns the unsubscribe. */
  onStored(listener: (event: StoredEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #stored(event: StoredEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#throttle.error('listener', { err: error }, 'a stored-batch listener failed');
      }
    }
  }

  #ready(): void {
    if (!this.#open) throw new DetectionsUnavailableError('the detections store is not open (yet)');
  }

  /**
   * The one ingest (HTTP bulk, MQTT): the batch checked (ValidationError, 422), its items filtered by
   * the original's skipping rules, stored in one transaction with the delivery key, then announced.
   * MQTT's batches are queued (answered once durable, readable a moment later: sqlite-inbox.ts) and
   * announced when readable. A batch from MQTT also updates an existing device's name and location
   * (the HTTP path does not).
   */
  readonly ingest: IngestBatch = async (batch, options) => {
    let valid: ReturnType<typeof validateBatch>;
    try {
      this.#ready();
      valid = validateBatch(batch, this.config.limits.maxDetectionsPerBatch);
    } catch (error) {
      this.#counters.rejected++;
      throw error;
    }
    const nowUs = this.nowUs();
    const { accepted, skipped } = acceptDetections(valid.detections, this.clock, nowUs);
    const result = await this.store.ingest({
      deviceId: valid.device_id,
      detections: accepted,
      name: valid.name ?? undefined,
      location: valid.location ?? undefined,
      updateInfo: options.via === 'mqtt',
      deliveryKey: options.deliveryKey,
      nowUs,
      queue: options.via === 'mqtt',
    });
    const c = this.#counters;
    c.batches++;
    c.byPath[options.via]++;
    if (result.duplicate) c.duplicates++;
    else {
      c.stored += result.stored;
      c.skipped += skipped;
    }
    if (!result.duplicate && result.stored > 0) {
      const event: StoredEvent = {
        device_id: valid.device_id,
        count: result.stored,
        via: options.via,
        at: nowUs,
      };
      // A queued batch is announced once readable: a listener that queries finds it.
      if (result.indexed) void result.indexed.then(() => this.#stored(event));
      else this.#stored(event);
    }
    return { device_id: valid.device_id, count: result.stored, skipped, duplicate: result.duplicate };
  };

  /**
   * `POST /detections/?device_id=`: one detection already checked by the route, stored as a batch
   * of one (the device touched as a bulk does); the stored row.
   */
  async addOne(
    deviceId: string,
    detection: { device_hash: string; rssi: number; us: number },
  ): Promise<DetectionRow> {
    this.#ready();
    const nowUs = this.nowUs();
    const result = await this.store.ingest({ deviceId, detections: [detection], updateInfo: false, nowUs });
    this.#counters.batches++;
    this.#counters.byPath.http++;
    this.#counters.stored++;
    this.#stored({ device_id: deviceId, count: 1, via: 'http', at: nowUs });
    const zone = classifyZone(detection.rssi, await this.store.thresholds());
    return { id: result.lastId ?? 0, ...detection, zone, device_id: deviceId };
  }

  /** What the statistics need, at this moment. */
  stats(): StatsContext {
    this.#ready();
    return {
      store: this.store,
      clock: this.clock,
      devicesPerPerson: this.config.devicesPerPerson,
      nowUs: this.nowUs(),
    };
  }

  /** The realtime statistics (`stats_update`'s data): the last `minutes`, every agent. */
  realtime(minutes = 5): ReturnType<typeof realtime> {
    return realtime(this.stats(), minutes);
  }

  counters(): DetectionsCounters {
    return { ...this.#counters, byPath: { ...this.#counters.byPath } };
  }

  /** The service of the `detections` config section; the SQLite file defaults to `<dataDir>/detections.db`. */
  static fromConfig(config: DetectionsConfig, options: Omit<DetectionsOptions, 'config'>): Detections {
    return new Detections({ ...options, config });
  }
}

export { type DetectionsConfig, detectionsConfigSchema, detectionsDbPath } from './config.js';
export { DetectionKeys, type KeyScope } from './keys.js';
export type { DetectionStore } from './store.js';
export type { DetectionBatch, IngestBatch, IngestOptions, IngestResult } from './types.js';
