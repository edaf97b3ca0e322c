/**
 * What the two stores share: the reads and the device updates, written once in the SQL both
 * SQLite and PostgreSQL speak (`?` placeholders, numbered for PostgreSQL by its store). A dialect
 * says how an instant column is read and an instant passed. Writes of detections (bulk inserts,
 * the rollup, thresholds) are each store's own; the statistics' figures are in sql-figures.ts.
 */
import type { Thresholds, Zone } from './rules.js';
import { binnedUnique, bucketFigures, type SqlReader, windowFigures } from './sql-figures.js';
import type {
  BinnedQuery,
  BinnedUnique,
  BucketFigures,
  BucketQuery,
  ByZone,
  DetectionRow,
  DetectionStore,
  DeviceInfo,
  DeviceRow,
  DeviceStats,
  Recalculated,
  RowCursor,
  RowsQuery,
  StoreBatch,
  StoreIngestResult,
  WindowFigures,
  WindowQuery,
} from './store.js';
import type { ZoneClock } from './zoned-time.js';

export type Param = string | number | null;
export type Row = Record<string, unknown>;

export interface Dialect {
  /** An instant column (or aggregate of one) selected as microseconds since the epoch. */
  us(expr: string): string;
  /** An instant passed as a parameter. */
  at(us: number): Param;
  /** A count or sum selected as a number (PostgreSQL's bigint and numeric arrive as text otherwise). */
  num(expr: string): string;
}

/** The stored thresholds' keys in system_settings (the original's), and pimesh's rollup marker. */
export const SETTINGS = {
  near: 'near_threshold',
  medium: 'medium_threshold',
  rollup: 'pimesh_rollup',
} as const;

/** Bumped when the rollup's layout changes: a store built with another version rebuilds it at open. */
export const ROLLUP_VERSION = 1;

export const rollupMarker = (zone: string) => `v${ROLLUP_VERSION} ${zone}`;

export const thresholdDescriptions = {
  near: 'Umbral RSSI para zona cercana (dBm)',
  medium: 'Umbral RSSI para zona media (dBm)',
};

/**
 * A batch's device: created when new (named after its id unless the batch names it), else marked
 * active and seen now; name and location replaced only when given and the batch's path updates
 * them (MQTT does, HTTP bulk does not). Parameters: touchParams.
 */
export const TOUCH_DEVICE =
  'INSERT INTO devices (device_id, name, location, is_active, last_seen, created_at, updated_at) ' +
  'VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET is_active = 1, ' +
  'last_seen = excluded.last_seen, updated_at = excluded.updated_at, ' +
  'name = coalesce(?, devices.name), location = coalesce(?, devices.location)';

export function touchParams(batch: StoreBatch, at: (us: number) => Param = (us) => us): Param[] {
  const now = at(batch.nowUs);
  return [
    batch.deviceId,
    batch.name ?? batch.deviceId,
    batch.location ?? null,
    now,
    now,
    now,
    batch.updateInfo ? (batch.name ?? null) : null,
    batch.updateInfo ? (batch.location ?? null) : null,
  ];
}

const DEVICE_COLUMNS = (d: Dialect) =>
  `id, device_id, name, location, is_active, ${d.us('last_seen')} AS last_seen, ` +
  `${d.us('created_at')} AS created_at, ${d.us('updated_at')} AS updated_at`;

const DETECTION_COLUMNS = (d: Dialect) =>
  `id, device_hash, rssi, zone, ${d.us('timestamp')} AS us, device_id`;

const nullableNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function toDevice(row: Row): DeviceRow {
  return {
    id: Number(row.id),
    device_id: String(row.device_id),
    name: (row.name as string | null) ?? null,
    location: (row.location as string | null) ?? null,
    is_active: Number(row.is_active) !== 0,
    last_seen: nullableNumber(row.last_seen),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function toDetection(row: Row): DetectionRow {
  return {
    id: Number(row.id),
    device_hash: String(row.device_hash),
    rssi: Number(row.rssi),
    zone: row.zone as Zone,
    us: Number(row.us),
    device_id: String(row.device_id),
  };
}

export function emptyByZone(): ByZone {
  return {
    NEAR: { unique: 0, detections: 0, rssiSum: 0 },
    MEDIUM: { unique: 0, detections: 0, rssiSum: 0 },
    FAR: { unique: 0, detections: 0, rssiSum: 0 },
  };
}

export abstract class SqlDetectionStore implements DetectionStore {
  abstract readonly kind: 'sqlite' | 'postgresql';
  protected readonly clock: ZoneClock;
  protected abstract readonly dialect: Dialect;

  constructor(clock: ZoneClock) {
    this.clock = clock;
  }

  protected abstract all(sql: string, params: Param[]): Promise<Row[]>;
  /** Runs a statement; how many rows it changed. */
  protected abstract run(sql: string, params: Param[]): Promise<number>;

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  abstract ingest(batch: StoreBatch): Promise<StoreIngestResult>;
  abstract thresholds(): Promise<Thresholds>;
  abstract setThresholds(thresholds: Thresholds, nowUs: number): Promise<Recalculated>;

  protected async readThresholds(): Promise<Partial<Thresholds>> {
    const rows = await this.all('SELECT key, value FROM system_settings WHERE key IN (?, ?)', [
      SETTINGS.near,
      SETTINGS.medium,
    ]);
    const found: Partial<Thresholds> = {};
    for (const row of rows) {
      const value = Number.parseInt(String(row.value), 10);
      if (!Number.isInteger(value)) continue;
      if (row.key === SETTINGS.near) found.near = value;
      if (row.key === SETTINGS.medium) found.medium = value;
    }
    return found;
  }

  async pruneDeliveries(beforeUs: number): Promise<number> {
    return this.run('DELETE FROM detection_deliveries WHERE received_at < ?', [beforeUs]);
  }

  /**
   * Deletes detections dated before `beforeUs`, 5,000 a statement with the event loop free between
   * them, and the rollup's seen-sets of buckets that ended before then (their bins, the aggregates,
   * stay: statistics of old periods still answer from them). How many detections.
   */
  async pruneDetections(beforeUs: number): Promise<number> {
    const at = this.dialect.at(beforeUs);
    let total = 0;
    for (;;) {
      const n = await this.run(
        'DELETE FROM detections WHERE id IN (SELECT id FROM detections WHERE timestamp < ? ORDER BY id LIMIT 5000)',
        [at],
      );
      total += n;
      if (n < 5000) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // A day bucket starts at most a day before any time in it: older buckets are wholly before.
    await this.run('DELETE FROM detection_seen WHERE bucket < ?', [beforeUs - 86_400_000_000]);
    return total;
  }

  async registerDevice(deviceId: string, info: DeviceInfo, nowUs: number): Promise<DeviceRow> {
    const now = this.dialect.at(nowUs);
    await this.run(
      'INSERT INTO devices (device_id, name, location, is_active, created_at, updated_at) ' +
        'VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (device_id) DO NOTHING',
      [deviceId, info.name ?? null, info.location ?? null, now, now],
    );
    return (await this.device(deviceId)) as DeviceRow;
  }

  async devices(activeOnly: boolean): Promise<DeviceRow[]> {
    const where = activeOnly ? ' WHERE is_active = 1' : '';
    const rows = await this.all(
      `SELECT ${DEVICE_COLUMNS(this.dialect)} FROM devices${where} ORDER BY created_at DESC, id DESC`,
      [],
    );
    return rows.map(toDevice);
  }

  async activeDevices(sinceUs: number): Promise<DeviceRow[]> {
    const rows = await this.all(
      `SELECT ${DEVICE_COLUMNS(this.dialect)} FROM devices WHERE last_seen >= ? ORDER BY last_seen DESC, id DESC`,
      [this.dialect.at(sinceUs)],
    );
    return rows.map(toDevice);
  }

  async device(deviceId: string): Promise<DeviceRow | undefined> {
    const rows = await this.all(`SELECT ${DEVICE_COLUMNS(this.dialect)} FROM devices WHERE device_id = ?`, [
      deviceId,
    ]);
    return rows.length > 0 ? toDevice(rows[0]) : undefined;
  }

  async deviceStats(deviceId: string): Promise<DeviceStats | undefined> {
    const device = await this.device(deviceId);
    if (!device) return undefined;
    const d = this.dialect;
    const [span] = await this.all(
      `SELECT ${d.us('min(timestamp)')} AS first, ${d.us('max(timestamp)')} AS last FROM detections WHERE device_id = ?`,
      [deviceId],
    );
    // Every detection is in exactly one day bucket of its agent: a few rows, not a count of them all.
    const [total] = await this.all(
      `SELECT ${d.num('coalesce(sum(detections), 0)')} AS n FROM detection_bins WHERE scope = ? AND level = 'd'`,
      [deviceId],
    );
    return {
      device,
      total: Number(total?.n ?? 0),
      first: nullableNumber(span?.first),
      last: nullableNumber(span?.last),
    };
  }

  async updateDevice(deviceId: string, info: DeviceInfo, nowUs: number): Promise<DeviceRow | undefined> {
    const now = this.dialect.at(nowUs);
    const changed = await this.run(
      'UPDATE devices SET name = coalesce(?, name), location = coalesce(?, location), last_seen = ?, ' +
        'updated_at = ? WHERE device_id = ?',
      [info.name ?? null, info.location ?? null, now, now, deviceId],
    );
    return changed > 0 ? this.device(deviceId) : undefined;
  }

  async setDeviceActive(deviceId: string, active: boolean, nowUs: number): Promise<DeviceRow | undefined> {
    const changed = await this.run('UPDATE devices SET is_active = ?, updated_at = ? WHERE device_id = ?', [
      active ? 1 : 0,
      this.dialect.at(nowUs),
      deviceId,
    ]);
    return changed > 0 ? this.device(deviceId) : undefined;
  }

  async recent(limit: number, zone?: Zone): Promise<DetectionRow[]> {
    const where = zone ? ' WHERE zone = ?' : '';
    const params: Param[] = zone ? [zone, limit] : [limit];
    const rows = await this.all(
      `SELECT ${DETECTION_COLUMNS(this.dialect)} FROM detections${where} ORDER BY timestamp DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map(toDetection);
  }

  async rows(query: RowsQuery, after: RowCursor | undefined, limit: number): Promise<DetectionRow[]> {
    const d = this.dialect;
    const params: Param[] = [d.at(query.from), d.at(query.to)];
    let where = 'timestamp >= ? AND timestamp <= ?';
    if (query.zone) {
      where += ' AND zone = ?';
      params.push(query.zone);
    }
    if (query.deviceId !== undefined) {
      where += ' AND device_id = ?';
      params.push(query.deviceId);
    }
    if (after) {
      where += ' AND (timestamp, id) < (?, ?)';
      params.push(d.at(after.us), after.id);
    }
    params.push(limit);
    const rows = await this.all(
      `SELECT ${DETECTION_COLUMNS(d)} FROM detections WHERE ${where} ORDER BY timestamp DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map(toDetection);
  }

  window(query: WindowQuery): Promise<WindowFigures> {
    return windowFigures(this.#sql, query);
  }

  buckets(query: BucketQuery): Promise<BucketFigures[]> {
    return bucketFigures(this.#sql, query);
  }

  binnedUnique(query: BinnedQuery): Promise<BinnedUnique[]> {
    return binnedUnique(this.#sql, query);
  }

  /** What the figure queries need of this store. */
  get #sql(): SqlReader {
    return { all: (sql, params) => this.all(sql, params), dialect: this.dialect, clock: this.clock };
  }
}
