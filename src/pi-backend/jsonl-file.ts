import { open } from 'node:fs/promises';
import { appendLine } from '../readings/append-line.js';
import { trimToNewest } from '../storage/trim-file.js';

/** Bytes read per step when scanning a file backwards. */
const CHUNK = 64 * 1024;

/**
 * An append-only file of JSON records, one per line. Each append is one write + fsync; a torn last
 * line left by a crash is ended with "\n" by the next append and skipped by readers (as are lines
 * that do not parse or fail `accept`). The only rewrite is the retention cap: past `maxBytes` the file
 * keeps its newest records, atomically. Readers scan from
 * the end, so reading the newest records does not load a large file.
 */
export class JsonlFile<T> {
  readonly path: string;
  readonly #accept: (value: unknown) => value is T;
  readonly #maxBytes: number;
  #appending: Promise<unknown> = Promise.resolve();

  /** `maxBytes`: past it, the oldest records go (trim-file.ts); default 64 MiB. */
  constructor(path: string, accept: (value: unknown) => value is T, options: { maxBytes?: number } = {}) {
    this.path = path;
    this.#accept = accept;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** Appends one record; appends through this object run one after another. */
  append(record: T): Promise<void> {
    const next = this.#appending.then(() => this.#append(record));
    this.#appending = next.catch(() => undefined);
    return next;
  }

  async #append(record: T): Promise<void> {
    const line = JSON.stringify(record);
    if (line === undefined) throw new TypeError('record is not JSON-serialisable');
    const size = await appendLine(this.path, line);
    // In the append queue: no append can land in the file being replaced.
    if (size > this.#maxBytes) await trimToNewest(this.path, this.#maxBytes);
  }

  /**
   * The newest records, oldest first: at most `limit` of them, scanning backwards and ending early at
   * the first record for which `stop` is true (that record is not included).
   */
  async readLast(limit: number, stop?: (record: T) => boolean): Promise<T[]> {
    const out: T[] = [];
    if (limit <= 0) return out;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw error;
    }
    try {
      let pos = (await handle.stat()).size;
      let carry = Buffer.alloc(0);
      let tail = true;
      while (pos > 0) {
        const length = Math.min(CHUNK, pos);
        pos -= length;
        const chunk = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(chunk, got, length - got, pos + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        const data =
          carry.length > 0 ? Buffer.concat([chunk.subarray(0, got), carry]) : chunk.subarray(0, got);
        // `end` is just past a "\n": what follows the file's last "\n" is a torn line, never a record.
        let end = tail ? data.lastIndexOf(10) + 1 : data.length;
        if (tail && end === 0) {
          carry = Buffer.alloc(0);
          if (pos === 0) break;
          continue;
        }
        tail = false;
        for (;;) {
          const previous = end >= 2 ? data.lastIndexOf(10, end - 2) : -1;
          if (previous === -1 && pos > 0) break;
          const record = this.#parse(data.subarray(previous + 1, end - 1));
          end = previous + 1;
          if (record !== undefined) {
            if (stop?.(record)) return out.reverse();
            out.push(record);
            if (out.length >= limit) return out.reverse();
          }
          if (previous === -1) break;
        }
        carry = Buffer.from(data.subarray(0, end));
      }
      return out.reverse();
    } finally {
      await handle.close();
    }
  }

  /** Every record, oldest first. */
  readAll(): Promise<T[]> {
    return this.readLast(Number.POSITIVE_INFINITY);
  }

  /** The newest record, if any. */
  async last(): Promise<T | undefined> {
    return (await this.readLast(1))[0];
  }

  #parse(line: Buffer): T | undefined {
    if (line.length === 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(line.toString('utf8'));
    } catch {
      return undefined;
    }
    return this.#accept(value) ? value : undefined;
  }
}
