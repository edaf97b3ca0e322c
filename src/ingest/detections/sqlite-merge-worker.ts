/**
 * The inbox's merge, on a thread of its own (started by merge-worker.ts): its own connection to the
 * detections file reads a journal file of the inbox and stores its batches (delivery keys, devices,
 * rows by time, the rollup), `maxBatches` a transaction, synchronous=FULL. The lines are read from the
 * file (the page cache), not sent over: the main thread keeps no copy of them while they wait. The event loop that reads MQTT, answers
 * HTTP and sends PUBACKs never waits for a merge; SQLite's write lock keeps this thread and the
 * store's own writes apart (the store holds merges back while it writes: sqlite-inbox.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite, transaction } from '../../storage/sqlite.js';
import { journalLines, lineBatch } from './inbox-journal.js';
import { READY } from './merge-worker.js';
import type { Thresholds } from './rules.js';
import { SqliteDetectionWrites } from './sqlite-writes.js';
import type { StoreBatch } from './store.js';
import { ZoneClock } from './zoned-time.js';

export interface MergeRequest {
  id: number;
  /** A journal file, every append to it written. */
  file: string;
  thresholds: Thresholds;
  maxBatches: number;
}

export interface MergeReply {
  id: number;
  /** Lines that could not be read (torn by a failed write: never answered). */
  torn: number;
  /** Set when the merge failed (transactions before it may be stored: merging again is idempotent). */
  error?: string;
}

/** Journal text per transaction: large batches (up to the payload limit) are not merged a thousand at once. */
const TRANSACTION_TEXT = 4 * 1024 * 1024;

const { path, zone } = workerData as { path: string; zone: string };
const port = parentPort;
if (!port) throw new Error('sqlite-merge-worker runs as a worker thread');

const db = openSqlite(path);
db.exec('PRAGMA journal_mode=WAL');
db.exec('PRAGMA synchronous=FULL');
// The store's writes hold merges back, but a rebuild or a checkpoint may still take the lock a while.
db.exec('PRAGMA busy_timeout=30000');
db.exec('PRAGMA cache_size=-8000');
let thresholds: Thresholds | undefined;
const writes = new SqliteDetectionWrites(db, new ZoneClock(zone), () => thresholds as Thresholds);

port.postMessage(READY);

port.on('message', (request: MergeRequest | 'close') => {
  if (request === 'close') {
    db.close();
    // Ends the thread whatever else keeps its loop alive (a loader's port when run from the sources).
    process.exit(0);
  }
  try {
    thresholds = request.thresholds;
    // A file's lines are in the order appended; each transaction's batches (at most maxBatches, and
    // about TRANSACTION_TEXT of lines) are parsed only for it.
    const lines = journalLines(request.file);
    let torn = 0;
    for (let i = 0; i < lines.length; ) {
      const batches: StoreBatch[] = [];
      for (
        let text = 0;
        i < lines.length && batches.length < request.maxBatches && text < TRANSACTION_TEXT;
        i++
      ) {
        text += lines[i].length;
        const batch = lineBatch(lines[i]);
        if (batch) batches.push(batch);
        else torn++;
      }
      transaction(db, () => writes.ingestMany(batches, true));
    }
    port.postMessage({ id: request.id, torn } satisfies MergeReply);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ id: request.id, torn: 0, error: message } satisfies MergeReply);
  }
});
