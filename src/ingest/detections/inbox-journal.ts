/**
 * The inbox's journal: MQTT's queued batches made durable by an append to a file opened O_DSYNC, off
 * the event loop (libuv's pool), so the thread that reads MQTT never waits on the disk. Appends
 * made while one is being written go out together in the next write: one sync for many batches.
 *
 * Two files next to the database take turns: a merge switches appends to the other file, and once
 * its transaction commits, the file it switched away from (every batch in it merged) is cleared. At
 * open, whatever both hold is read back (a crash before a merge) and merged again: the delivery keys
 * make that idempotent, so a line merged twice is still stored once. A torn or garbled line (a crash
 * in the middle of a write) was never answered; it is skipped and counted.
 */
import {
  closeSync,
  constants,
  fdatasync,
  fdatasyncSync,
  ftruncate,
  ftruncateSync,
  openSync,
  readFileSync,
  write,
} from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { StoreBatch } from './store.js';

const writeAsync = promisify(write);
const syncAsync = promisify(fdatasync);
const truncateAsync = promisify(ftruncate);

/** A batch as one line: [seq, key, device_id, name, location, updateInfo, nowUs, [[hash, rssi, us], ...]]. */
type Line = [number, string, string, string | null, string | null, 0 | 1, number, [string, number, number][]];

interface Append {
  file: number;
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A clear empties the file; a barrier settles once every task before it is done. */
type Task = Append | { file: number; clear: true } | { file: number; barrier: () => void };

export interface JournalContents {
  /** The batches the files held, in the order they were appended. */
  batches: StoreBatch[];
  /** Lines that could not be read back (torn by a crash mid-write: never answered). */
  torn: number;
  /** The highest line number read (0: none). */
  lastSeq: number;
}

/** What journal files hold, in the order the lines were appended (a missing file holds nothing). */
function readJournal(paths: readonly string[]): JournalContents {
  const lines: Line[] = [];
  let torn = 0;
  for (const path of paths) {
    for (const raw of journalLines(path)) {
      const line = parseLine(raw);
      if (line) lines.push(line);
      else torn++;
    }
  }
  lines.sort((a, b) => a[0] - b[0]);
  return { batches: lines.map(toBatch), torn, lastSeq: lines.at(-1)?.[0] ?? 0 };
}

/** A journal file's lines as written, in order (none for a missing file). */
export function journalLines(path: string): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return text.split('\n').filter((raw) => raw !== '');
}

/** A line back into its batch; undefined for one torn or garbled. */
export function lineBatch(raw: string): StoreBatch | undefined {
  const line = parseLine(raw);
  return line ? toBatch(line) : undefined;
}

export class InboxJournal {
  readonly #paths: [string, string];
  readonly #onError: (error: unknown) => void;
  #fds: [number, number] | undefined;
  /** Bytes appended to each file since it was last cleared (asked for, written or not). */
  readonly #bytes: [number, number] = [0, 0];
  #active = 0;
  #seq = 0;
  #tasks: Task[] = [];
  #pumping: Promise<void> | undefined;

  /** `onError`: a file that could not be cleared (its lines are merged again, harmlessly, at the next open). */
  constructor(dbPath: string, onError: (error: unknown) => void) {
    this.#paths = [`${dbPath}-inbox-a`, `${dbPath}-inbox-b`];
    this.#onError = onError;
  }

  /** Opens both files (created if missing) and reads back what they hold. */
  open(): JournalContents {
    const contents = readJournal(this.#paths);
    this.#seq = contents.lastSeq;
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;
    this.#fds = [openSync(this.#paths[0], flags, 0o600), openSync(this.#paths[1], flags, 0o600)];
    syncDirectory(dirname(this.#paths[0]));
    return contents;
  }

  /** Empties both files now (what they held is merged). */
  clearAll(): void {
    for (const fd of this.#open()) {
      ftruncateSync(fd, 0);
      fdatasyncSync(fd);
    }
    this.#bytes.fill(0);
  }

  /** A batch as a line, numbered after every line before it. It needs its delivery key (what makes a replay idempotent). */
  line(batch: StoreBatch & { deliveryKey: string }): string {
    const line: Line = [
      ++this.#seq,
      batch.deliveryKey,
      batch.deviceId,
      batch.name ?? null,
      batch.location ?? null,
      batch.updateInfo ? 1 : 0,
      batch.nowUs,
      batch.detections.map((d) => [d.device_hash, d.rssi, d.us]),
    ];
    return `${JSON.stringify(line)}\n`;
  }

  /** The file appends go to now (0 or 1). */
  get active(): number {
    return this.#active;
  }

  /** Text (characters: bytes for the ASCII lines agents send) in the active file, what the next merge reads. */
  get activeBytes(): number {
    return this.#bytes[this.#active];
  }

  path(file: number): string {
    return this.#paths[file];
  }

  /** Appends a line (from `line`) to the active file; settles once it is on disk. */
  append(text: string): Promise<void> {
    this.#open();
    this.#bytes[this.#active] += text.length;
    return new Promise<void>((resolve, reject) => {
      this.#tasks.push({ file: this.#active, text, resolve, reject });
      this.#pump();
    });
  }

  /** Later appends go to the other file; the file appended to so far, for `clear` after the merge. */
  switch(): number {
    const before = this.#active;
    this.#active = 1 - before;
    return before;
  }

  /** Settles once every append asked for so far is written (or failed). */
  settled(file: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#tasks.push({ file, barrier: resolve });
      this.#pump();
    });
  }

  /** Empties `file` once every append to it is written (its batches are merged). */
  clear(file: number): void {
    this.#bytes[file] = 0;
    this.#tasks.push({ file, clear: true });
    this.#pump();
  }

  /** Waits for every write, then closes the files. */
  async close(): Promise<void> {
    while (this.#pumping) await this.#pumping;
    if (this.#fds) for (const fd of this.#fds) closeSync(fd);
    this.#fds = undefined;
  }

  #open(): [number, number] {
    if (!this.#fds) throw new Error('the detections inbox journal is not open');
    return this.#fds;
  }

  #pump(): void {
    this.#pumping ??= this.#run().finally(() => {
      this.#pumping = undefined;
    });
  }

  /** Runs the tasks in order: a run of appends to one file as one write and one sync, a clear as a truncate. */
  async #run(): Promise<void> {
    while (this.#tasks.length > 0) {
      const first = this.#tasks[0];
      const fd = this.#open()[first.file];
      if ('barrier' in first) {
        this.#tasks.shift();
        first.barrier();
        continue;
      }
      if ('clear' in first) {
        this.#tasks.shift();
        await truncateAsync(fd, 0)
          .then(() => syncAsync(fd))
          .catch(this.#onError);
        continue;
      }
      let n = 0;
      while (n < this.#tasks.length && 'text' in this.#tasks[n] && this.#tasks[n].file === first.file) n++;
      const group = this.#tasks.splice(0, n) as Append[];
      try {
        // O_DSYNC: the write returns once the data is on disk (one trip to libuv's pool, not two).
        await writeAll(fd, Buffer.from(group.map((a) => a.text).join('')));
        for (const a of group) a.resolve();
      } catch (error) {
        for (const a of group) a.reject(error);
      }
    }
  }
}

async function writeAll(fd: number, buffer: Buffer): Promise<void> {
  for (let offset = 0; offset < buffer.length; ) {
    const { bytesWritten } = await writeAsync(fd, buffer, offset, buffer.length - offset, null);
    offset += bytesWritten;
  }
}

/** Makes the files' directory entries durable (a new file's data synced is not enough for that). */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseLine(raw: string): Line | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== 8) return undefined;
  const [seq, key, deviceId, name, location, update, nowUs, rows] = v;
  const text = (x: unknown) => typeof x === 'string' || x === null;
  const ok =
    Number.isSafeInteger(seq) &&
    typeof key === 'string' &&
    typeof deviceId === 'string' &&
    text(name) &&
    text(location) &&
    (update === 0 || update === 1) &&
    Number.isSafeInteger(nowUs) &&
    Array.isArray(rows) &&
    rows.every(
      (r) =>
        Array.isArray(r) &&
        typeof r[0] === 'string' &&
        Number.isSafeInteger(r[1]) &&
        Number.isSafeInteger(r[2]),
    );
  return ok ? (v as Line) : undefined;
}

function toBatch([, key, deviceId, name, location, update, nowUs, rows]: Line): StoreBatch {
  return {
    deliveryKey: key,
    deviceId,
    name: name ?? undefined,
    location: location ?? undefined,
    updateInfo: update === 1,
    nowUs,
    detections: rows.map(([device_hash, rssi, us]) => ({ device_hash, rssi, us })),
  };
}
