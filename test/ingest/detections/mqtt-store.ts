/**
 * A small real ingest for the MQTT tests: batches into an SQLite file through src/storage/sqlite.ts,
 * the delivery key recorded in the same transaction as the batch (as the detections store does), so
 * a redelivered message stores nothing. Hooks let a test hold, fail or count what the subscriber does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { DetectionBatch, IngestBatch, IngestResult } from '../../../src/ingest/detections/types.js';
import { openSqlite, type SqliteDatabase, transaction } from '../../../src/storage/sqlite.js';

export interface StoreHooks {
  /** Before the transaction: throw to fail the attempt, await to hold it. */
  before?: (batch: DetectionBatch) => Promise<void> | void;
  /** After the commit, before the answer (a crash here leaves a stored, unacknowledged batch). */
  after?: (batch: DetectionBatch, result: IngestResult) => Promise<void> | void;
}

export interface TestStore {
  path: string;
  ingest: IngestBatch;
  hooks: StoreHooks;
  /** Batches stored, by device and batch timestamp (each must appear once). */
  batches(): { device_id: string; timestamp: string; n: number }[];
  detections(): number;
  /** Stores being run at this moment, and the most there ever were at once. */
  readonly running: number;
  readonly maxRunning: number;
  close(): void;
}

const SCHEMA = `
  PRAGMA journal_mode = WAL;
  CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY);
  CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, device_id TEXT, timestamp TEXT, n INTEGER);
  CREATE TABLE IF NOT EXISTS detections (batch INTEGER, device_hash TEXT, rssi INTEGER, timestamp TEXT);
`;

/** A temp directory removed when the test ends. */
export function tempDir(t: ExecutionContext, prefix = 'pimesh-mqtt-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The store's SQL, on an open database: usable from a child process as well. */
export function sqliteIngest(db: SqliteDatabase, hooks: StoreHooks = {}): IngestBatch {
  db.exec(SCHEMA);
  const remember = db.prepare('INSERT INTO deliveries (key) VALUES (?) ON CONFLICT DO NOTHING');
  const addBatch = db.prepare('INSERT INTO batches (device_id, timestamp, n) VALUES (?, ?, ?)');
  const addDetection = db.prepare('INSERT INTO detections VALUES (?, ?, ?, ?)');
  return async (batch, options) => {
    await hooks.before?.(batch);
    const result = transaction(db, () => {
      if (options.deliveryKey && Number(remember.run(options.deliveryKey).changes) === 0) {
        return { device_id: batch.device_id, count: 0, skipped: 0, duplicate: true };
      }
      const kept = batch.detections.filter(
        (d) => typeof d.rssi === 'number' && typeof d.device_hash === 'string',
      );
      const id = addBatch.run(batch.device_id, batch.timestamp ?? '', kept.length).lastInsertRowid;
      for (const d of kept) {
        addDetection.run(id, d.device_hash as string, d.rssi as number, String(d.timestamp ?? ''));
      }
      return {
        device_id: batch.device_id,
        count: kept.length,
        skipped: batch.detections.length - kept.length,
        duplicate: false,
      };
    });
    await hooks.after?.(batch, result);
    return result;
  };
}

/** Opens (creating) the store in a temp directory of the test, or at `path`. */
export function testStore(t: ExecutionContext, path = join(tempDir(t), 'detections.db')): TestStore {
  const db = openSqlite(path);
  const hooks: StoreHooks = {};
  const inner = sqliteIngest(db, {
    before: (batch) => hooks.before?.(batch),
    after: (batch, result) => hooks.after?.(batch, result),
  });
  let running = 0;
  let maxRunning = 0;
  let closed = false;
  const store: TestStore = {
    path,
    hooks,
    ingest: async (batch, options) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        return await inner(batch, options);
      } finally {
        running--;
      }
    },
    batches: () =>
      db.prepare('SELECT device_id, timestamp, n FROM batches ORDER BY id').all() as {
        device_id: string;
        timestamp: string;
        n: number;
      }[],
    detections: () => Number(db.prepare('SELECT count(*) AS n FROM detections').get()?.n),
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
    close() {
      if (!closed) db.close();
      closed = true;
    },
  };
  t.teardown(() => store.close());
  return store;
}

/** A promise with its resolve, for holding a store until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
