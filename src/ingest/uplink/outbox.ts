/**
 * The uplink's on-disk outbox: one small SQLite table (`<dir>/outbox.db`, WAL, synchronous=FULL),
 * through src/storage/sqlite.ts.
 *
 * Why SQLite and not segment files: the order is the table's AUTOINCREMENT key, never reused across
 * restarts; an entry is deleted by key once its PUBACK came, so no cursor file has to be rewritten and
 * a restart replays nothing already acknowledged (segment files need one, written atomically, or they
 * resend a whole segment); the size bound drops exactly the oldest entries; and a crash mid-write is
 * rolled back by SQLite's journal, so a torn last record never becomes an entry. Every append is one
 * fsync'd transaction for a whole batch (the caller groups them), so 10,000 readings cost a handful
 * of commits. It needs a SQLite driver, as the LAN sensors do (better-sqlite3 or node:sqlite).
 */
import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase, type SqliteStatement, transaction } from '../../storage/sqlite.js';

export interface OutboxEntry {
  seq: number;
  topic: string;
  payload: string;
}

export interface OutboxSize {
  entries: number;
  bytes: number;
  /** Epoch ms the oldest entry was queued, or null when empty. */
  oldestQueuedAt: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    queued_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** What a file that is not a database (or a damaged one) answers when opened. */
const CORRUPT = /SQLITE_(CORRUPT|NOTADB)|file is not a database|malformed/i;

export const entryBytes = (topic: string, payload: string) =>
  Buffer.byteLength(topic) + Buffer.byteLength(payload);

export class Outbox {
  readonly path: string;
  /** Set when a damaged file was moved aside at open (its name). */
  readonly movedAside: string | undefined;
  readonly #db: SqliteDatabase;
  readonly #maxBytes: number;
  readonly #insert: SqliteStatement;
  readonly #oldest: SqliteStatement;
  readonly #after: SqliteStatement;
  readonly #delete: SqliteStatement;
  readonly #deleteUpTo: SqliteStatement;
  readonly #addDropped: SqliteStatement;
  #entries: number;
  #bytes: number;

  /** Opens (creating) `<dir>/outbox.db`; a damaged file is moved aside and a new one started. */
  constructor(dir: string, options: { maxBytes: number }) {
    this.path = join(dir, 'outbox.db');
    this.#maxBytes = options.maxBytes;
    let moved: string | undefined;
    let db: SqliteDatabase;
    try {
      db = Outbox.#open(this.path);
    } catch (error) {
      if (
        !CORRUPT.test(String((error as Error).message)) ||
        !statSync(this.path, { throwIfNoEntry: false })
      ) {
        throw error;
      }
      moved = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.path, moved);
      for (const suffix of ['-wal', '-shm']) {
        if (statSync(this.path + suffix, { throwIfNoEntry: false }))
          renameSync(this.path + suffix, moved + suffix);
      }
      db = Outbox.#open(this.path);
    }
    this.movedAside = moved;
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO outbox (topic, payload, bytes, queued_at) VALUES (?, ?, ?, ?)');
    this.#oldest = db.prepare('SELECT seq, bytes FROM outbox ORDER BY seq LIMIT 512');
    this.#after = db.prepare('SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#delete = db.prepare('DELETE FROM outbox WHERE seq = ? RETURNING bytes');
    this.#deleteUpTo = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    this.#addDropped = db.prepare(
      `INSERT INTO outbox_meta (key, value) VALUES ('dropped', ?)
       ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`,
    );
    const totals = db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM outbox').get();
    this.#entries = Number(totals?.n ?? 0);
    this.#bytes = Number(totals?.b ?? 0);
  }

  static #open(path: string): SqliteDatabase {
    const db = openSqlite(path);
    try {
      db.exec('PRAGMA journal_mode = WAL');
      // Every commit reaches the disk before publish() resolves: a solar node loses power for real.
      db.exec('PRAGMA synchronous = FULL');
      db.exec(SCHEMA);
      db.prepare('SELECT count(*) FROM outbox').get();
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Appends entries in one fsync'd transaction, then drops the oldest entries while the outbox holds
   * more than `maxBytes`. Returns how many were dropped.
   */
  append(entries: { topic: string; payload: string }[], now = Date.now()): number {
    return transaction(this.#db, () => {
      for (const e of entries) {
        const bytes = entryBytes(e.topic, e.payload);
        this.#insert.run(e.topic, e.payload, bytes, now);
        this.#entries++;
        this.#bytes += bytes;
      }
      let dropped = 0;
      while (this.#bytes > this.#maxBytes) {
        const rows = this.#oldest.all() as { seq: number; bytes: number }[];
        if (rows.length === 0) {
          this.#bytes = 0;
          break;
        }
        let upTo = 0;
        for (const row of rows) {
          if (this.#bytes <= this.#maxBytes) break;
          upTo = Number(row.seq);
          this.#bytes -= Number(row.bytes);
          this.#entries--;
          dropped++;
        }
        this.#deleteUpTo.run(upTo);
      }
      if (dropped > 0) this.#addDropped.run(dropped);
      return dropped;
    });
  }

  /** Up to `limit` entries after `seq`, oldest first. */
  after(seq: number, limit: number): OutboxEntry[] {
    return (this.#after.all(seq, limit) as { seq: number; topic: string; payload: string }[]).map((r) => ({
      seq: Number(r.seq),
      topic: r.topic,
      payload: r.payload,
    }));
  }

  /** Removes delivered entries (one transaction). */
  remove(seqs: number[]): void {
    if (seqs.length === 0) return;
    transaction(this.#db, () => {
      for (const seq of seqs) {
        const row = this.#delete.get(seq);
        if (row === undefined) continue; // dropped for room meanwhile
        this.#entries--;
        this.#bytes -= Number(row.bytes);
      }
    });
  }

  size(): OutboxSize {
    const oldest = this.#db.prepare('SELECT queued_at FROM outbox ORDER BY seq LIMIT 1').get();
    return {
      entries: this.#entries,
      bytes: this.#bytes,
      oldestQueuedAt: oldest ? Number(oldest.queued_at) : null,
    };
  }

  /** Entries dropped for room since the outbox was created (kept in the file). */
  droppedTotal(): number {
    return Number(this.#db.prepare("SELECT value FROM outbox_meta WHERE key = 'dropped'").get()?.value ?? 0);
  }

  close(): void {
    this.#db.close();
  }
}
