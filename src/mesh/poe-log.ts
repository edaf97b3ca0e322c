/**
 * `<data>/poe.log`: one line per round this node is the point of entry, in the original's Python logging
 * format (`INFO:root:2021-01-31 10:00:02.740450`, local naive time). Gossip sends the last 216 entries,
 * newest first and without the prefix, as the `log` array; opendata's `networkInfo=poe` shows them.
 */
import { existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { appendLine } from '../readings/append-line.js';
import { formatLocalDatetime } from '../readings/tracer-csv.js';
import { trimToNewest } from '../storage/trim-file.js';

export const POE_LOG_ENTRIES = 216;
const PREFIX = 'INFO:root:';
/** Enough bytes for 216 lines of ~37 characters, with room for longer ones. */
const TAIL_BYTES = 64 * 1024;

/** About 25,000 wins; gossip only ever sends the newest 216. */
export const POE_LOG_MAX_BYTES = 1024 * 1024;

export class PoeLog {
  readonly path: string;
  /** Newest first, without the prefix. */
  #recent: string[] = [];
  #writing: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** Reads the newest entries of an existing log (a torn last line is ignored). */
  async load(): Promise<void> {
    if (!existsSync(this.path)) return;
    const { size } = await stat(this.path);
    const text =
      size <= TAIL_BYTES
        ? await readFile(this.path, 'utf8')
        : await this.#tail(size - TAIL_BYTES, TAIL_BYTES);
    const lines = text.split('\n');
    lines.pop(); // the part after the last newline: empty, or a line still being written
    this.#recent = lines
      .filter((line) => line.startsWith(PREFIX))
      .map((line) => line.slice(PREFIX.length))
      .slice(-POE_LOG_ENTRIES)
      .reverse();
  }

  async #tail(position: number, length: number): Promise<string> {
    const handle = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      return text.slice(text.indexOf('\n') + 1);
    } finally {
      await handle.close();
    }
  }

  /** Appends one win; resolves once it is on disk. */
  append(at: Date): Promise<string> {
    const entry = formatLocalDatetime(at);
    const run = this.#writing.then(async () => {
      const size = await appendLine(this.path, `${PREFIX}${entry}`);
      // The original lets poe.log grow forever; here its newest lines are kept (gossip sends 216).
      if (size > POE_LOG_MAX_BYTES) await trimToNewest(this.path, POE_LOG_MAX_BYTES);
      this.#recent.unshift(entry);
      if (this.#recent.length > POE_LOG_ENTRIES) this.#recent.length = POE_LOG_ENTRIES;
      return entry;
    });
    this.#writing = run.catch(() => {});
    return run;
  }

  /** The last `n` (at most 216) entries, newest first, as gossip sends them. */
  recent(n = POE_LOG_ENTRIES): string[] {
    return this.#recent.slice(0, n);
  }
}
