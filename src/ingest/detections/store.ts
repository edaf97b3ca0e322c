/**
 * The one store interface of the detections (spec D.5's tables plus pimesh's rollup, delivery keys
 * and settings), implemented by `SqliteDetectionStore` (the default: embedded, WAL) and
 * `PostgresDetectionStore` (a site that outgrows one Pi). Instants are microseconds since the
 * epoch throughout; the API shapes are made from these figures in statistics.ts.
 */
import type { Level } from './buckets.js';
import type { AcceptedDetection, Thresholds, Zone } from './rules.js';

export interface DetectionRow {
  id: number;
  device_hash: string;
  rssi: number;
  zone: Zone;
  us: number;
  device_id: string;
}

export interface DeviceRow {
  id: number;
  device_id: string;
  name: string | null;
  location: string | null;
  is_active: boolean;
  last_seen: number | null;
  created_at: number;
  updated_at: number;
}

export interface DeviceStats {
  device: DeviceRow;
  total: number;
  first: number | null;
  last: number | null;
}

export interface StoreBatch {
  deviceId: string;
  detections: readonly AcceptedDetection[];
  /** For a device created now (default: its device_id), and for an existing one when `updateInfo`. */
  name?: string;
  location?: string;
  /** Apply name and location to an existing device too (the MQTT path does, HTTP bulk does not). */
  updateInfo: boolean;
  /** Stored in the same transaction: a batch whose key is there already stores nothing. */
  deliveryKey?: string;
  nowUs: number;
  /**
   * The store may answer once the batch is durable and make its rows readable a moment later
   * (`indexed`): what MQTT's many small batches need. SQLite merges them in bulk; PostgreSQL stores
   * them at once.
   */
  queue?: boolean;
}

export interface StoreIngestResult {
  stored: number;
  duplicate: boolean;
  /** The id of the last row stored (a batch stored at once, not queued). */
  lastId?: number;
  /** A queued batch: settles once its rows are readable (absent: they are already). */
  indexed?: Promise<void>;
}

export interface ZoneFigures {
  /** Distinct device hashes. */
  unique: number;
  detections: number;
  rssiSum: number;
}

export type ByZone = Record<Zone, ZoneFigures>;

export interface WindowQuery {
  /** [from, to), microseconds. */
  from: number;
  to: number;
  deviceId?: string;
  zone?: Zone;
  /** Count distinct hashes per zone (default true; the distribution does not need them). */
  unique?: boolean;
  /** Also count distinct hashes over every zone together. */
  acrossZones?: boolean;
}

export interface WindowFigures {
  byZone: ByZone;
  acrossZones?: number;
}

export interface BucketQuery {
  level: Level;
  /** Buckets starting in [from, to). */
  from: number;
  to: number;
  deviceId?: string;
}

export interface BucketFigures extends ZoneFigures {
  bucket: number;
  zone: Zone;
}

export interface BinnedQuery {
  /** Bin i is [edges[i], edges[i + 1]). */
  edges: readonly number[];
  /** Raw rows by their time, or the hour buckets by their start (bins on hour boundaries). */
  source: 'raw' | 'h';
  deviceId?: string;
}

export interface BinnedUnique {
  bin: number;
  zone: Zone;
  unique: number;
}

export interface RowsQuery {
  /** [from, to], inclusive, microseconds. */
  from: number;
  to: number;
  zone?: Zone;
  deviceId?: string;
}

/** Where the previous page of an export ended (rows go newest first). */
export interface RowCursor {
  us: number;
  id: number;
}

export interface Recalculated {
  total: number;
  near: number;
  medium: number;
  far: number;
}

export interface DeviceInfo {
  name?: string | null;
  location?: string | null;
}

export interface DetectionStore {
  readonly kind: 'sqlite' | 'postgresql';
  /** Connects, creates what is missing, seeds the thresholds, rebuilds the rollup if its zone changed. */
  open(): Promise<void>;
  close(): Promise<void>;

  /** One batch in one transaction: the device touched (created if new), the rows, the rollup, the key. */
  ingest(batch: StoreBatch): Promise<StoreIngestResult>;
  /** Forgets delivery keys received before `beforeUs`; how many. */
  pruneDeliveries(beforeUs: number): Promise<number>;
  /** Deletes detections dated before `beforeUs` (retention); how many. */
  pruneDetections(beforeUs: number): Promise<number>;

  /** Creates the device unless it exists; either way answers it as stored. */
  registerDevice(deviceId: string, info: DeviceInfo, nowUs: number): Promise<DeviceRow>;
  /** Newest registered first. */
  devices(activeOnly: boolean): Promise<DeviceRow[]>;
  /** Devices seen since `sinceUs`, most recently seen first. */
  activeDevices(sinceUs: number): Promise<DeviceRow[]>;
  device(deviceId: string): Promise<DeviceRow | undefined>;
  deviceStats(deviceId: string): Promise<DeviceStats | undefined>;
  /** Sets the fields given (not null), and `last_seen` to now as the original does. */
  updateDevice(deviceId: string, info: DeviceInfo, nowUs: number): Promise<DeviceRow | undefined>;
  setDeviceActive(deviceId: string, active: boolean, nowUs: number): Promise<DeviceRow | undefined>;

  /** Newest first. */
  recent(limit: number, zone?: Zone): Promise<DetectionRow[]>;
  window(query: WindowQuery): Promise<WindowFigures>;
  buckets(query: BucketQuery): Promise<BucketFigures[]>;
  binnedUnique(query: BinnedQuery): Promise<BinnedUnique[]>;
  /** Up to `limit` rows after `after`, newest first. */
  rows(query: RowsQuery, after: RowCursor | undefined, limit: number): Promise<DetectionRow[]>;

  thresholds(): Promise<Thresholds>;
  /** Stores them and reclassifies every stored detection (and the rollup). */
  setThresholds(thresholds: Thresholds, nowUs: number): Promise<Recalculated>;
}
