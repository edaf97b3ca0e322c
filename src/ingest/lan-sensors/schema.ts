/**
 * The tables of the sensor file. The latest-value table is poe-backend's, created only when missing
 * (an existing one, the README's without `status` or the HEAD's with it, is used as is); the history
 * table is pimesh's own.
 */
import { PimeshError } from '../../errors.js';
import type { SqliteDatabase } from '../../storage/sqlite.js';

export const HISTORY_TABLE = 'sensors_history';

export interface SchemaInfo {
  /** The latest-value table has poe-backend HEAD's `status` column (written when it has). */
  hasStatus: boolean;
  /** The latest-value table was created now. */
  created: boolean;
}

/** The latest-value table lacks a column the original wrote. */
export class SensorTableError extends PimeshError {
  constructor(table: string, missing: string[]) {
    super(`table ${table} exists without the column(s) ${missing.join(', ')} that poe-backend writes`, {
      code: 'ERR_SENSORS_TABLE',
    });
  }
}

const REQUIRED = ['ip_id', 'sensor', 'value', 'time'];

/**
 * WAL (readers never block the writer, a crash leaves a consistent file), FULL sync (see store.ts),
 * a short busy timeout (another process holding the write lock delays a commit, it does not stall the
 * event loop for seconds), a 2 MiB page cache (better-sqlite3 defaults to 16 MiB; appending needs
 * few pages, and a Pi's memory is better spent elsewhere), then the tables.
 */
export function prepareSchema(db: SqliteDatabase, table: string): SchemaInfo {
  db.exec('PRAGMA journal_mode=WAL');
  db.exec('PRAGMA synchronous=FULL');
  db.exec('PRAGMA busy_timeout=200');
  db.exec('PRAGMA cache_size=-2000');
  const columnsOf = () =>
    db
      .prepare(`PRAGMA table_info("${table}")`)
      .all()
      .map((c) => String(c.name));
  let columns = columnsOf();
  const created = columns.length === 0;
  if (created) {
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" (ip_id TEXT PRIMARY KEY NOT NULL, sensor TEXT NOT NULL, ` +
        'value INTEGER NOT NULL, time REAL NOT NULL, status TEXT NOT NULL)',
    );
    columns = columnsOf();
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new SensorTableError(table, missing);
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (time REAL NOT NULL, ip_id TEXT NOT NULL, ` +
      'sensor TEXT NOT NULL, value INTEGER NOT NULL, status TEXT NOT NULL)',
  );
  db.exec(`CREATE INDEX IF NOT EXISTS ${HISTORY_TABLE}_time ON ${HISTORY_TABLE} (time)`);
  return { hasStatus: columns.includes('status'), created };
}
