/**
 * The SQLite store's inbox for queued batches (MQTT's many small ones). A batch is made durable by a
 * short append (its delivery key and one row holding its detections) and answered; a moment later
 * (`delayMs`) every batch that came meanwhile is moved into `detections` and the rollup at once, its
 * rows sorted by time. The three indexes led by time then take rows in order instead of scattered
 * over the pages of the last seconds: at thousands of messages a second, one merge of a few thousand
 * batches writes a fraction of the pages that as many small transactions would.
 *
 * Moving and deleting are one transaction, so after a crash a batch is either still in the inbox
 * (merged at the next open) or stored, never both. The store merges the inbox before anything else
 * touches the file, so a read sees every batch answered before it.
 */

import type { SqliteDatabase } from '../../storage/sqlite.js';
import { type SqliteStatement, transaction } from '../../storage/sqlite.js';
import { RECORD_DELIVERY } from './sqlite-schema.js';
import type { StoreBatch, StoreIngestResult } from './store.js';

export interface DetectionInboxOptions {
  db: () => SqliteDatabase;
  /** A prepared statement (the store's cache). */
  statement: (sql: string) => SqliteStatement;
  /** Stores merged batches, in the merge's transaction (they carry no delivery key: it is in already). */
  store: (batches: StoreBatch[]) => void;
  /** A merge that failed (it is tried again with the next one). */
  onError: (error: unknown) => void;
  /** How long a batch waits for others before the merge (default 200 ms). */
  delayMs?: number;
  /** Batches merged per transaction, and staged ones that start a merge at once (default 4,096). */
  maxBatches?: number;
}

/** A batch's detections in its inbox row: `[hash, rssi, us]` each. */
type Packed = [string, number, number][];

interface Waiter {
  id: number;
  resolve: () => void;
}

export class DetectionInbox {
  readonly #options: DetectionInboxOptions;
  readonly #delayMs: number;
  readonly #max: number;
  /** The inbox may hold batches (true at open: a crash may have left some). */
  #dirty = true;
  #staged = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #waiters: Waiter[] = [];

  constructor(options: DetectionInboxOptions) {
    this.#options = options;
    this.#delayMs = options.delayMs ?? 200;
    this.#max = options.maxBatches ?? 4096;
  }

  /** In the caller's transaction: each batch's delivery key (a duplicate stops there), then its row. */
  stage(batches: readonly StoreBatch[]): StoreIngestResult[] {
    const key = this.#options.statement(RECORD_DELIVERY);
    const row = this.#options.statement(
      'INSERT INTO detection_inbox (device_id, name, location, update_info, received_at, detections) ' +
        'VALUES (?, ?, ?, ?, ?, ?)',
    );
    return batches.map((batch) => {
      if (batch.deliveryKey !== undefined) {
        const added = key.run(batch.deliveryKey, batch.deviceId, batch.nowUs).changes;
        if (Number(added) === 0) return { stored: 0, duplicate: true };
      }
      const packed: Packed = batch.detections.map((d) => [d.device_hash, d.rssi, d.us]);
      const id = Number(
        row.run(
          batch.deviceId,
          batch.name ?? null,
          batch.location ?? null,
          batch.updateInfo ? 1 : 0,
          batch.nowUs,
          JSON.stringify(packed),
        ).lastInsertRowid,
      );
      this.#dirty = true;
      this.#staged++;
      this.#schedule();
      const indexed = new Promise<void>((resolve) => this.#waiters.push({ id, resolve }));
      return { stored: batch.detections.length, duplicate: false, indexed };
    });
  }

  #schedule(): void {
    if (this.#staged >= this.#max) {
      this.#immediate ??= setImmediate(() => this.merge());
      return;
    }
    this.#timer ??= setTimeout(() => this.merge(), this.#delayMs).unref();
  }

  /**
   * Merges everything in the inbox, `maxBatches` a transaction, and settles the batches' `indexed`.
   * A failure is reported and left for the next merge (the batches stay in the inbox).
   */
  merge(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    try {
      while (this.#dirty) {
        const last = transaction(this.#options.db(), () => this.#mergeChunk());
        if (last !== undefined) this.#settle(last);
      }
      this.#staged = 0;
    } catch (error) {
      this.#options.onError(error);
      if (this.#staged > 0) this.#timer ??= setTimeout(() => this.merge(), this.#delayMs).unref();
    }
  }

  /** Moves up to `maxBatches` of the oldest batches; the id of the last, undefined when it was empty. */
  #mergeChunk(): number | undefined {
    const rows = this.#options
      .statement(
        'SELECT id, device_id, name, location, update_info, received_at, detections FROM detection_inbox ' +
          'ORDER BY id LIMIT ?',
      )
      .all(this.#max);
    if (rows.length < this.#max) this.#dirty = false;
    if (rows.length === 0) return undefined;
    const batches = rows.map(
      (r): StoreBatch => ({
        deviceId: String(r.device_id),
        name: (r.name as string | null) ?? undefined,
        location: (r.location as string | null) ?? undefined,
        updateInfo: Number(r.update_info) === 1,
        nowUs: Number(r.received_at),
        detections: (JSON.parse(String(r.detections)) as Packed).map(([device_hash, rssi, us]) => ({
          device_hash,
          rssi,
          us,
        })),
      }),
    );
    this.#options.store(batches);
    const last = Number(rows[rows.length - 1].id);
    this.#options.statement('DELETE FROM detection_inbox WHERE id <= ?').run(last);
    return last;
  }

  /** Settles the batches merged up to `last`. */
  #settle(last: number): void {
    const waiting: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.id <= last) w.resolve();
      else waiting.push(w);
    }
    this.#waiters = waiting;
  }

  /** Merges what is left and settles every batch (the store is closing). */
  close(): void {
    this.merge();
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
  }
}
