/**
 * LAN sensor boards (poe-backend's 4-byte TCP protocol) as one service: the listener, the store, the
 * status of each reading, alerts and the live hub. `start()` opens the database, then listens;
 * `stop()` closes the connections, commits what is queued and closes the database.
 */
import type { Logger } from '../../log.js';
import { Alerts } from './alerts.js';
import { AllowList } from './allow-list.js';
import { DEFAULT_ALLOW, type LanSensorsConfig, lanSensorsDbPath } from './config.js';
import { SENSOR_TYPES } from './frame-codec.js';
import { type ConnectionInfo, type ListenerCounters, SensorListener } from './listener.js';
import { type LiveCounters, LiveHub } from './live.js';
import {
  type HistoryLimits,
  type HistoryQuery,
  type HistorySeries,
  history,
  type LatestFilter,
  latestReadings,
  type Reading,
} from './queries.js';
import { type SensorStatus, sensorStatus } from './status.js';
import { SensorStore, type StoreCounters } from './store.js';

export interface LanSensorsOptions {
  /** TCP port; absent: no listener (the database and its queries only). */
  port?: number;
  host?: string;
  dbPath: string;
  table?: string;
  allow?: readonly string[];
  maxConnections?: number;
  maxPerAddress?: number;
  idleTimeoutMs?: number;
  retentionDays?: number;
  maxHistoryRows?: number;
  flushMs?: number;
  batchSize?: number;
  maxQueued?: number;
  webhookUrl?: string;
  webhookTimeoutMs?: number;
  webhookRetries?: number;
  maxLiveClients?: number;
  /** Frame work per event-loop turn before the boards wait for the next (default 10 ms). */
  turnBudgetMs?: number;
  log: Logger;
  now?: () => number;
}

export interface LanSensorsCounters {
  listener: ListenerCounters | null;
  store: StoreCounters;
  alerts: ReturnType<Alerts['counters']>;
  live: LiveCounters;
}

/** Statuses remembered per key for transitions; past this many keys the oldest is forgotten. */
const MAX_TRACKED_KEYS = 65_536;

export class LanSensors {
  readonly options: LanSensorsOptions;
  readonly store: SensorStore;
  readonly live: LiveHub;
  readonly alerts: Alerts;
  readonly allow: AllowList;
  readonly #log: Logger;
  readonly #statuses = new Map<string, SensorStatus>();
  #listener: SensorListener | undefined;

  constructor(options: LanSensorsOptions) {
    this.options = options;
    this.#log = options.log.child({ module: 'lan-sensors' });
    this.allow = new AllowList(options.allow ?? DEFAULT_ALLOW);
    this.store = new SensorStore({
      path: options.dbPath,
      table: options.table,
      flushMs: options.flushMs,
      batchSize: options.batchSize,
      maxQueued: options.maxQueued,
      retentionDays: options.retentionDays,
      maxHistoryRows: options.maxHistoryRows,
      log: this.#log,
      now: options.now,
    });
    this.live = new LiveHub({ maxClients: options.maxLiveClients });
    this.alerts = new Alerts({
      log: this.#log,
      webhookUrl: options.webhookUrl,
      timeoutMs: options.webhookTimeoutMs,
      retries: options.webhookRetries,
    });
  }

  /** The service of the `sensors` config section; the file defaults to `<dataDir>/sensors.db`. */
  static fromConfig(config: LanSensorsConfig, options: { dataDir: string; log: Logger }): LanSensors {
    return new LanSensors({ ...config, dbPath: lanSensorsDbPath(config, options.dataDir), log: options.log });
  }

  async start(): Promise<void> {
    this.store.open();
    // A restart does not alert again for a sensor that was already critical.
    for (const reading of latestReadings(this.store)) {
      this.#remember(reading.ip_id, reading.status as SensorStatus);
    }
    if (this.options.port === undefined) return;
    const listener = new SensorListener({
      port: this.options.port,
      host: this.options.host ?? '0.0.0.0',
      allow: this.allow,
      maxConnections: this.options.maxConnections ?? 256,
      maxPerAddress: this.options.maxPerAddress ?? 8,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 30_000,
      turnBudgetMs: this.options.turnBudgetMs,
      ingest: this.ingest,
      log: this.#log,
      now: this.options.now,
    });
    try {
      await listener.start();
    } catch (error) {
      await this.store.close();
      throw error;
    }
    this.#listener = listener;
  }

  /** The port listened on (the kernel's choice for port 0), or undefined with no listener. */
  get port(): number | undefined {
    return this.#listener?.port;
  }

  /**
   * One frame of a known type, received at `receivedAt` (epoch ms): queued for the database, its status
   * tracked (a change goes to the live view, a turn to critical to the alerts), and the reading to the
   * live view. The listener calls it for every frame.
   */
  readonly ingest = (ipId: string, type: number, value: number, receivedAt: number): void => {
    this.store.add(receivedAt, ipId, type, value);
    const status = sensorStatus(type, value);
    const previous = this.#statuses.get(ipId);
    if (previous !== status) this.#remember(ipId, status);
    const live = this.live.clients > 0;
    const critical = status === 'critical' && previous !== 'critical';
    // The common case (nobody watching, no alarm) allocates nothing.
    if (!live && !critical) return;
    const reading = { ip_id: ipId, sensor: SENSOR_TYPES[type], value, status, time: receivedAt / 1000 };
    if (live) this.live.reading(reading);
    if (previous === status) return;
    const change = { ...reading, from: previous ?? null };
    if (live) this.live.statusChange(change);
    if (critical) this.alerts.critical(change);
  };

  /** Updates in place (a sensor that flaps churns no memory); past the cap the first key seen goes. */
  #remember(ipId: string, status: SensorStatus): void {
    this.#statuses.set(ipId, status);
    if (this.#statuses.size > MAX_TRACKED_KEYS) {
      this.#statuses.delete(this.#statuses.keys().next().value as string);
    }
  }

  latest(filter: LatestFilter = {}): Reading[] {
    return latestReadings(this.store, filter);
  }

  history(query: HistoryQuery, limits?: HistoryLimits): HistorySeries[] {
    return history(this.store, query, limits);
  }

  connections(): ConnectionInfo[] {
    return this.#listener?.connections() ?? [];
  }

  counters(): LanSensorsCounters {
    return {
      listener: this.#listener?.counters() ?? null,
      store: this.store.counters(),
      alerts: this.alerts.counters(),
      live: this.live.counters(),
    };
  }

  /** Closes the connections, ends the live streams and webhooks, commits what is queued, closes the file. */
  async stop(): Promise<void> {
    await this.#listener?.stop();
    this.#listener = undefined;
    this.live.close();
    await this.alerts.stop();
    await this.store.close();
  }
}

export {
  type LanSensorsConfig,
  lanSensorsConfigSchema,
  lanSensorsDbPath,
  POE_BACKEND_PORT,
} from './config.js';
export type { ConnectionInfo, ListenerCounters } from './listener.js';
export type { HistoryQuery, HistorySeries, LatestFilter, Reading } from './queries.js';
export { type SimulateOptions, simulateBoards } from './simulate.js';
