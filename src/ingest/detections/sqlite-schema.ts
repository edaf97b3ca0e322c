/**
 * The detections file's tables: spec D.5's (instants as INTEGER microseconds since the epoch, SQLite
 * having no timestamptz) and pimesh's own: the rollup's seen-sets and bins, and the delivery keys.
 *
 * Indexes: D.5's on timestamp and its composites on (zone, timestamp) and (device_id, timestamp),
 * which serve every zone and device filter (a single-column index on zone or device_id would be a
 * prefix of them). The indexes on device_hash are left out: no query filters by hash, and inserting
 * random 64-character keys into a large index made a bulk ingest ten times slower.
 *
 * MQTT's queued batches wait in the inbox's journal, not here (sqlite-inbox.ts); a table an earlier
 * version kept them in is merged and dropped at open.
 */
import type { SqliteDatabase } from '../../storage/sqlite.js';

const TABLES = `
CREATE TABLE IF NOT EXISTS detections (
  id INTEGER PRIMARY KEY,
  device_hash TEXT NOT NULL,
  rssi INTEGER NOT NULL,
  zone TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  device_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_detections_timestamp ON detections (timestamp);
CREATE INDEX IF NOT EXISTS idx_detections_zone_timestamp ON detections (zone, timestamp);
CREATE INDEX IF NOT EXISTS idx_detections_device_timestamp ON detections (device_id, timestamp);
CREATE TABLE IF NOT EXISTS devices (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL UNIQUE,
  name TEXT,
  location TEXT,
  is_active INTEGER NOT NULL DEFAULT 1,
  last_seen INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS system_settings (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  value TEXT,
  description TEXT,
  updated_at INTEGER
);
CREATE TABLE IF NOT EXISTS aggregated_stats (
  id INTEGER PRIMARY KEY,
  period_type TEXT NOT NULL,
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  zone TEXT,
  unique_devices INTEGER NOT NULL DEFAULT 0,
  total_detections INTEGER NOT NULL DEFAULT 0,
  estimated_people INTEGER NOT NULL DEFAULT 0,
  avg_rssi REAL,
  created_at INTEGER
);
CREATE TABLE IF NOT EXISTS detection_deliveries (
  delivery_key TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_detection_deliveries_received ON detection_deliveries (received_at);
`;

/** Records a batch's delivery key; changes nothing (0 rows) when the key was there: a redelivery. */
export const RECORD_DELIVERY =
  'INSERT INTO detection_deliveries (delivery_key, device_id, received_at) VALUES (?, ?, ?) ' +
  'ON CONFLICT (delivery_key) DO NOTHING';

/**
 * WAL (readers never block the writer; a crash leaves a consistent file), FULL sync (a solar node
 * loses power whenever its battery runs flat: a commit answered is on disk), a short busy timeout,
 * an 8 MiB page cache (index inserts of a large table want more than the 2 MiB the sensors use),
 * then the tables.
 */
export function prepareDetectionsSchema(db: SqliteDatabase): void {
  db.exec('PRAGMA journal_mode=WAL');
  db.exec('PRAGMA synchronous=FULL');
  db.exec('PRAGMA busy_timeout=1000');
  db.exec('PRAGMA cache_size=-8000');
  db.exec(TABLES);
  db.exec(rollupTables());
}

/** The rollup's seen-sets and bins (see buckets.ts), or their shadow copies during a rebuild. */
export function rollupTables(suffix = ''): string {
  return `
CREATE TABLE IF NOT EXISTS detection_seen${suffix} (
  scope TEXT NOT NULL,
  level TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  zone TEXT NOT NULL,
  device_hash TEXT NOT NULL,
  PRIMARY KEY (scope, level, bucket, zone, device_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS detection_bins${suffix} (
  scope TEXT NOT NULL,
  level TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  zone TEXT NOT NULL,
  unique_devices INTEGER NOT NULL,
  detections INTEGER NOT NULL,
  rssi_sum INTEGER NOT NULL,
  PRIMARY KEY (scope, level, bucket, zone)
) WITHOUT ROWID;
`;
}
