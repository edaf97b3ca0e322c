/**
 * The detections' tables in PostgreSQL: spec D.5's, as the original's SQLAlchemy models make them
 * (an existing database of the original is used as it is), and pimesh's own: the rollup's
 * seen-sets and bins (instants as bigint microseconds), and the delivery keys.
 *
 * Indexes: as the SQLite file's (sqlite-schema.ts): timestamp, (zone, timestamp) and (device_id,
 * timestamp); none on device_hash, which no query filters by.
 */

export const TABLES = [
  `CREATE TABLE IF NOT EXISTS detections (
    id SERIAL PRIMARY KEY,
    device_hash VARCHAR(64) NOT NULL,
    rssi INTEGER NOT NULL,
    zone VARCHAR(10) NOT NULL,
    timestamp TIMESTAMPTZ NOT NULL DEFAULT now(),
    device_id VARCHAR(50) NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS ix_detections_timestamp ON detections (timestamp)',
  'CREATE INDEX IF NOT EXISTS idx_detections_zone_timestamp ON detections (zone, timestamp)',
  'CREATE INDEX IF NOT EXISTS idx_detections_device_timestamp ON detections (device_id, timestamp)',
  `CREATE TABLE IF NOT EXISTS devices (
    id SERIAL PRIMARY KEY,
    device_id VARCHAR(50) NOT NULL UNIQUE,
    name VARCHAR(100),
    location VARCHAR(200),
    is_active INTEGER DEFAULT 1,
    last_seen TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS system_settings (
    id SERIAL PRIMARY KEY,
    key VARCHAR(100) UNIQUE,
    value VARCHAR(255),
    description VARCHAR(500),
    updated_at TIMESTAMPTZ DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS aggregated_stats (
    id SERIAL PRIMARY KEY,
    period_type VARCHAR(10) NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end TIMESTAMPTZ NOT NULL,
    zone VARCHAR(10),
    unique_devices INTEGER DEFAULT 0,
    total_detections INTEGER DEFAULT 0,
    estimated_people INTEGER DEFAULT 0,
    avg_rssi DOUBLE PRECISION,
    created_at TIMESTAMPTZ DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS detection_deliveries (
    delivery_key TEXT PRIMARY KEY,
    device_id VARCHAR(50) NOT NULL,
    received_at BIGINT NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS ix_detection_deliveries_received ON detection_deliveries (received_at)',
];

/** The rollup's tables, or their shadow copies during a rebuild (`suffix`). */
export function rollupTables(suffix = ''): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS detection_seen${suffix} (
      scope VARCHAR(50) NOT NULL,
      level CHAR(1) NOT NULL,
      bucket BIGINT NOT NULL,
      zone VARCHAR(10) NOT NULL,
      device_hash VARCHAR(64) NOT NULL,
      CONSTRAINT detection_seen${suffix}_pkey PRIMARY KEY (scope, level, bucket, zone, device_hash)
    )`,
    `CREATE TABLE IF NOT EXISTS detection_bins${suffix} (
      scope VARCHAR(50) NOT NULL,
      level CHAR(1) NOT NULL,
      bucket BIGINT NOT NULL,
      zone VARCHAR(10) NOT NULL,
      unique_devices INTEGER NOT NULL,
      detections BIGINT NOT NULL,
      rssi_sum BIGINT NOT NULL,
      CONSTRAINT detection_bins${suffix}_pkey PRIMARY KEY (scope, level, bucket, zone)
    )`,
  ];
}

/** Swaps the shadow rollup in (constraint names follow, so the next rebuild can create its shadow again). */
export function swapRollupTables(suffix: string): string[] {
  return ['detection_seen', 'detection_bins'].flatMap((table) => [
    `DROP TABLE ${table}`,
    `ALTER TABLE ${table}${suffix} RENAME TO ${table}`,
    `ALTER INDEX ${table}${suffix}_pkey RENAME TO ${table}_pkey`,
  ]);
}
