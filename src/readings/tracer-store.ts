import { type BigIntStats, closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TracerReading } from '../hardware/charge-controller/types.js';
import { appendLine } from './append-line.js';
import { formatTracerRow, parseCsvLines, TRACER_HEADER_LINE, tracerFileName } from './tracer-csv.js';

/** A parsed day. `version` changes whenever the rows do, so answers built from it can be cached. */
export interface TracerDay {
  readonly name: string;
  readonly rows: readonly (readonly string[])[];
  readonly version: number;
}

interface CacheEntry {
  /** When the file was last stat()ed (ms, monotonic). */
  checkedAt: number;
  /** The file as stat() saw it before the last read: inode, size and nanosecond times. */
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Bytes of complete lines parsed so far. */
  parsed: number;
  /** The last bytes parsed (up to TAIL_CHECK): a file that grew must still hold them to be read on. */
  tail: Buffer;
  rows: string[][];
  version: number;
}

/** Bytes kept from the end of what was parsed, to tell an append from a rewrite: about two rows. */
const TAIL_CHECK = 256;

let versions = 0;

/** Changes whenever any file's parsed rows do (answers kept across files check it). */
export function tracerGeneration(): number {
  return versions;
}

/**
 * The charge-controller directory: one append-only `tracerData<YYYY-MM-DD>.csv` per local day in the
 * original Solar Protocol format. Parsed days are cached; a file that grew is read only past the bytes
 * already parsed, so a query never re-parses a week of CSV. A file rewritten in place (the original
 * logger rewrites the whole CSV) is parsed afresh: same size with another inode, mtime or ctime (in
 * nanoseconds), or grown with other bytes where the parsed part ended.
 */
export interface TracerStoreOptions {
  /**
   * How long (ms) a file's size and the directory listing are trusted before they are checked again.
   * Appends through this store are seen at once; files written by another process (an original
   * logger, a copy) within this delay. 0 checks on every read.
   */
  recheckMs?: number;
}

export class TracerStore {
  readonly dir: string;
  readonly #recheckMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  #listing: { at: number; names: string[] } | undefined;
  /** Appends run one after another, so the torn-line check and the write cannot interleave. */
  #appending: Promise<unknown> = Promise.resolve();

  constructor(dir: string, options: TracerStoreOptions = {}) {
    this.dir = dir;
    this.#recheckMs = options.recheckMs ?? 0;
  }

  #fresh(at: number | undefined): boolean {
    return at !== undefined && performance.now() - at < this.#recheckMs;
  }

  /** Names containing `tracerData`, ascending by bytes as PHP's scandir() lists them. */
  listFiles(): string[] {
    if (this.#fresh(this.#listing?.at)) return this.#listing?.names as string[];
    const names = this.#scan();
    this.#listing = { at: performance.now(), names };
    return names;
  }

  #scan(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.includes('tracerData')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The file this node writes to at `now` (node-local date). */
  fileFor(now: Date): string {
    return tracerFileName(now);
  }

  /** The parsed rows of one file in the directory (header first), or undefined if it does not exist. */
  read(name: string): TracerDay | undefined {
    const cached = this.#cache.get(name);
    if (cached !== undefined && this.#fresh(cached.checkedAt)) {
      return { name, rows: cached.rows, version: cached.version };
    }
    const path = join(this.dir, name);
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (st === undefined) {
      this.#cache.delete(name);
      return undefined;
    }
    if (!st.isFile()) return undefined;
    let entry = this.#cache.get(name);
    if (entry === undefined || !isAppendOf(st, entry)) entry = this.#restart(name);
    if (!sameStat(st, entry) && !this.#readTail(path, entry, st)) {
      // The bytes parsed last time are gone: the file was rewritten, so it is parsed from the start.
      entry = this.#restart(name);
      this.#readTail(path, entry, st);
    }
    entry.checkedAt = performance.now();
    return { name, rows: entry.rows, version: entry.version };
  }

  #restart(name: string): CacheEntry {
    const entry: CacheEntry = {
      checkedAt: 0,
      ino: -1n,
      size: -1,
      mtimeNs: -1n,
      ctimeNs: -1n,
      parsed: 0,
      tail: Buffer.alloc(0),
      rows: [],
      version: ++versions,
    };
    this.#cache.set(name, entry);
    return entry;
  }

  /**
   * Parses the complete lines past `entry.parsed`, reading the kept tail first: false (and `entry`
   * left as it was) when those bytes differ, true once `entry` stands for the file as `st` saw it.
   */
  #readTail(path: string, entry: CacheEntry, st: BigIntStats): boolean {
    const size = Number(st.size);
    const start = entry.parsed - entry.tail.length;
    const length = Math.max(0, size - start);
    const buffer = Buffer.allocUnsafe(length);
    const fd = openSync(path, 'r');
    let got = 0;
    try {
      while (got < length) {
        const n = readSync(fd, buffer, got, length - got, start + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    if (got < entry.tail.length || !buffer.subarray(0, entry.tail.length).equals(entry.tail)) return false;
    const fresh = buffer.subarray(entry.tail.length, got);
    entry.ino = st.ino;
    entry.size = size;
    entry.mtimeNs = st.mtimeNs;
    entry.ctimeNs = st.ctimeNs;
    const lastNewline = fresh.lastIndexOf(10);
    if (lastNewline === -1) return true;
    const { rows } = parseCsvLines(fresh.subarray(0, lastNewline + 1).toString('utf8'));
    const width = entry.rows[0]?.length ?? rows[0]?.length ?? 0;
    let added = 0;
    for (const row of rows) {
      // A row of another width is a fragment left by a crash (repaired by the next append): skip it.
      if (entry.rows.length > 0 && row.length !== width) continue;
      entry.rows.push(row);
      added++;
    }
    entry.parsed += lastNewline + 1;
    const kept = buffer.subarray(0, entry.tail.length + lastNewline + 1);
    entry.tail = Buffer.from(kept.subarray(Math.max(0, kept.length - TAIL_CHECK)));
    if (added > 0) entry.version = ++versions;
    return true;
  }

  /**
   * Appends one row to the day's file with a single write and fsync; a new file starts with the
   * header. A torn last line (a crash mid-write) is ended with "\n" first so the new row stands on
   * its own line; nothing is ever rewritten or truncated.
   */
  append(date: Date, reading: TracerReading, micros = 0): Promise<{ file: string; line: string }> {
    const next = this.#appending.then(() => this.#append(date, reading, micros));
    this.#appending = next.catch(() => undefined);
    return next;
  }

  async #append(date: Date, reading: TracerReading, micros: number): Promise<{ file: string; line: string }> {
    const file = tracerFileName(date);
    const line = formatTracerRow(date, reading, micros);
    try {
      await appendLine(join(this.dir, file), line, TRACER_HEADER_LINE);
    } finally {
      // Our own write is seen by the next read, whatever the recheck delay.
      this.#listing = undefined;
      const entry = this.#cache.get(file);
      if (entry) entry.checkedAt = Number.NEGATIVE_INFINITY;
    }
    return { file, line };
  }
}

/** The same file, unchanged since `entry` was read. */
function sameStat(st: BigIntStats, entry: CacheEntry): boolean {
  return (
    st.ino === entry.ino &&
    Number(st.size) === entry.size &&
    st.mtimeNs === entry.mtimeNs &&
    st.ctimeNs === entry.ctimeNs
  );
}

/**
 * Whether `st` may be `entry`'s file with bytes appended (checked against the kept tail when read):
 * the same inode, and grown, or of the same size and unchanged. Anything else is a rewrite.
 */
function isAppendOf(st: BigIntStats, entry: CacheEntry): boolean {
  if (st.ino !== entry.ino) return false;
  const size = Number(st.size);
  return size > entry.size || sameStat(st, entry);
}
