/**
 * The SQLite store's inbox for queued batches (MQTT's many small ones). A batch is made durable by
 * an append to the inbox's journal (inbox-journal.ts: written and synced off the event loop) and
 * answered; a moment later (`delayMs`) every batch that came meanwhile is merged into `detections`
 * and the rollup in one transaction, its rows sorted by time, on a worker thread with a connection of
 * its own (merge-worker.ts). The three indexes led by time then take rows in order instead of
 * scattered over the pages of the last seconds, and the event loop that reads MQTT and sends the
 * PUBACKs never waits for a sync or a merge.
 *
 * The merge records each batch's delivery key with its rows, in the same transaction, so a batch in
 * the journal after a crash (merged or not) is stored exactly once when the journal is read back at
 * the next open. Reads wait for the batches answered before them (`flush`); the store's own writes
 * hold merges back while they run (`exclusive`), so the two never wait on SQLite's lock.
 */

import type { SqliteDatabase } from '../../storage/sqlite.js';
import { type SqliteStatement, transaction } from '../../storage/sqlite.js';
import { DetectionsUnavailableError } from './errors.js';
import { InboxJournal } from './inbox-journal.js';
import { MergeWorker } from './merge-worker.js';
import type { Thresholds } from './rules.js';
import type { StoreBatch, StoreIngestResult } from './store.js';

export interface DetectionInboxOptions {
  /** The database file; ':memory:' has no journal and merges on this thread (no other connection can see it). */
  path: string;
  /** The store's time zone (the worker's rollup buckets). */
  zone: string;
  db: () => SqliteDatabase;
  /** A prepared statement (the store's cache). */
  statement: (sql: string) => SqliteStatement;
  /** Stores batches on this thread, in the caller's transaction (at open, and for ':memory:'). */
  store: (batches: StoreBatch[]) => void;
  /** The thresholds rows are classified with now. */
  thresholds: () => Thresholds;
  /** A merge that failed (it is tried again later), or a journal file not cleared. */
  onError: (error: unknown) => void;
  /** Lines of the journal that could not be read back at open. */
  onTorn?: (lines: number) => void;
  /** How long a batch waits for others before the merge (default 200 ms). */
  delayMs?: number;
  /**
   * Staged batches that start a merge at once, and a transaction's batches on this thread (default
   * 1,024). The worker takes up to 4 times as many in a transaction: under load, what came during
   * one merge goes in the next as one, and a larger transaction rewrites fewer index pages per row.
   */
  maxBatches?: number;
}

export type KeyedBatch = StoreBatch & { deliveryKey: string };

interface Entry {
  key: string;
  /** With a journal, the file its line went to (the worker reads it from there); without, the batch. */
  file?: number;
  batch?: KeyedBatch;
  /** Settles the batch's `indexed`. */
  merged: () => void;
}

/** Batches held while merges fail or are held back, in multiples of maxBatches: then staging refuses (503, retried). */
const MAX_PENDING_MERGES = 8;
/** Journal text that starts a merge at once (batches near the payload limit are not a thousand at once). */
const MERGE_AT_BYTES = 4 * 1024 * 1024;
/** Journal text a file may hold (what the worker reads in one piece): then staging refuses (503, retried). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export class DetectionInbox {
  readonly #options: DetectionInboxOptions;
  readonly #delayMs: number;
  readonly #max: number;
  readonly #journal: InboxJournal | undefined;
  readonly #worker: MergeWorker | undefined;
  #pending: Entry[] = [];
  /** The delivery keys of #pending (a redelivery while its first copy waits). */
  readonly #keys = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  /** The merge under way; it settles to whether it stored everything it took. */
  #round: Promise<boolean> | undefined;
  /** The last merge failed: the next waits for the retry timer. */
  #failing = false;
  /** Writes of the store under way: no merge starts meanwhile. */
  #holds = 0;
  #closed = false;

  constructor(options: DetectionInboxOptions) {
    this.#options = options;
    this.#delayMs = options.delayMs ?? 200;
    this.#max = options.maxBatches ?? 1024;
    if (options.path !== ':memory:') {
      this.#journal = new InboxJournal(options.path, options.onError);
      this.#worker = new MergeWorker(options.path, options.zone);
    }
  }

  /** Merges (on this thread) what a crash left in the journal, or in the table an earlier version kept; throws if it cannot. */
  open(): void {
    this.#mergeLegacyTable();
    if (!this.#journal) return;
    const { batches, torn } = this.#journal.open();
    if (torn > 0) this.#options.onTorn?.(torn);
    const db = this.#options.db();
    for (let i = 0; i < batches.length; i += this.#max) {
      transaction(db, () => this.#options.store(batches.slice(i, i + this.#max)));
    }
    // Two syncs at every start only when there was something to clear.
    if (batches.length > 0 || torn > 0) this.#journal.clearAll();
  }

  /** Starts the merge worker now (MQTT is configured); settles once it is ready. */
  async start(): Promise<void> {
    await this.#worker?.start();
  }

  /** Answers once the batch is durable (its `indexed` settles once merged); a redelivery is a duplicate. */
  async stage(batch: KeyedBatch): Promise<StoreIngestResult> {
    const key = batch.deliveryKey;
    const seen = this.#options.statement('SELECT 1 AS seen FROM detection_deliveries WHERE delivery_key = ?');
    if (this.#keys.has(key) || seen.get(key)) return { stored: 0, duplicate: true };
    const full =
      this.#pending.length >= this.#max * MAX_PENDING_MERGES ||
      (this.#journal?.activeBytes ?? 0) >= MAX_FILE_BYTES;
    if (this.#closed || full) {
      throw new DetectionsUnavailableError(
        'the detections inbox is full: its merges are failing or held back',
      );
    }
    let merged = () => {};
    const indexed = new Promise<void>((resolve) => {
      merged = resolve;
    });
    // With a journal nothing of the batch waits here but its key: the merge reads it from the file.
    const journal = this.#journal;
    void this.#worker?.start();
    const entry: Entry = journal ? { key, file: journal.active, merged } : { key, batch, merged };
    this.#pending.push(entry);
    this.#keys.add(key);
    this.#schedule();
    const result = { stored: batch.detections.length, duplicate: false, indexed };
    if (!journal) return result;
    try {
      await journal.append(journal.line(batch));
    } catch (error) {
      // Not durable, not answered: the sender sends it again (a copy that did get merged makes that a duplicate).
      this.#pending = this.#pending.filter((e) => e !== entry);
      this.#keys.delete(key);
      throw error;
    }
    return result;
  }

  /** A merge under way schedules the next when it ends; from idle, batches wait `delayMs` for others, or until `maxBatches` wait. */
  #schedule(): void {
    if (this.#pending.length === 0 || this.#closed || this.#failing || this.#round) return;
    if (this.#pending.length >= this.#max || (this.#journal?.activeBytes ?? 0) >= MERGE_AT_BYTES) {
      this.#immediate ??= setImmediate(() => this.merge());
      return;
    }
    this.#timer ??= setTimeout(() => this.merge(), this.#delayMs).unref();
  }

  /** Starts a merge of every batch waiting, unless one is under way or a write holds merges back. */
  merge(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    if (this.#round || this.#holds > 0 || this.#pending.length === 0) return;
    this.#round = this.#merge().then(
      () => {
        this.#failing = false;
        this.#round = undefined;
        this.#schedule();
        return true;
      },
      (error) => {
        this.#options.onError(error);
        this.#failing = true;
        this.#round = undefined;
        this.#timer ??= setTimeout(() => this.merge(), Math.max(this.#delayMs, 1000)).unref();
        return false;
      },
    );
  }

  /**
   * With a journal: switches appends to the other file, has the worker merge the one appended to so
   * far (once every append to it is written), settles its batches and clears it. Without: merges
   * every batch waiting here, `maxBatches` a transaction.
   */
  async #merge(): Promise<void> {
    const journal = this.#journal;
    const worker = this.#worker;
    if (!journal || !worker) {
      const batches = this.#pending.slice(0, this.#max);
      transaction(this.#options.db(), () => this.#options.store(batches.map((e) => e.batch as KeyedBatch)));
      this.#settle(new Set(batches));
      return;
    }
    const file = journal.switch();
    await journal.settled(file);
    const torn = await worker.merge(journal.path(file), this.#options.thresholds(), this.#max * 4);
    if (torn > 0) this.#options.onTorn?.(torn);
    this.#settle(new Set(this.#pending.filter((e) => e.file === file)));
    journal.clear(file);
  }

  #settle(merged: Set<Entry>): void {
    this.#pending = this.#pending.filter((e) => !merged.has(e));
    for (const e of merged) {
      this.#keys.delete(e.key);
      e.merged();
    }
  }

  /** Waits until the batches answered so far are merged (or a merge of them failed: reported already). */
  async flush(): Promise<void> {
    const last = this.#pending.at(-1);
    while (last && this.#holds === 0 && this.#pending.includes(last)) {
      if (!this.#round) this.merge();
      // A merge that failed (a retry is scheduled): answer with what is stored.
      if (!this.#round || !(await this.#round)) return;
    }
  }

  /** Runs a write of the store with no merge under way or starting until it ends. */
  async exclusive<T>(write: () => T | Promise<T>): Promise<T> {
    this.#holds++;
    try {
      while (this.#round) await this.#round;
      return await write();
    } finally {
      this.#holds--;
      if (this.#holds === 0) this.#schedule();
    }
  }

  /** The batches a version that kept its inbox in a table left there (their keys are recorded already). */
  #mergeLegacyTable(): void {
    const db = this.#options.db();
    const table = db.prepare(
      "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'detection_inbox'",
    );
    if (!table.get()) return;
    transaction(db, () => {
      const rows = db
        .prepare(
          'SELECT device_id, name, location, update_info, received_at, detections FROM detection_inbox ORDER BY id',
        )
        .all();
      this.#options.store(
        rows.map((r) => ({
          deviceId: String(r.device_id),
          name: (r.name as string | null) ?? undefined,
          location: (r.location as string | null) ?? undefined,
          updateInfo: Number(r.update_info) === 1,
          nowUs: Number(r.received_at),
          detections: (JSON.parse(String(r.detections)) as [string, number, number][]).map(
            ([device_hash, rssi, us]) => ({ device_hash, rssi, us }),
          ),
        })),
      );
      db.exec('DROP TABLE detection_inbox');
    });
  }

  /** Drops what waits, unmerged (the store failed to open: the journal keeps it for the next open). */
  abandon(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#pending = [];
    this.#keys.clear();
    void this.#journal?.close();
  }

  /** Merges what is left, settles every batch, and ends the worker and the journal (the store is closing). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    while (this.#round) await this.#round;
    for (const e of this.#pending) e.merged();
    this.#pending = [];
    this.#keys.clear();
    await this.#worker?.close();
    await this.#journal?.close();
  }
}
