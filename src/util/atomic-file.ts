/**
 * The one atomic file writer (write-file-atomic: temp file beside the target, fsync, chmod, rename),
 * plus the directory fsync that makes the rename itself durable, and the clean-up of temp files a
 * crash left behind. Every file gets an explicit mode whatever the umask: data and lists 0644 (the
 * original's PHP and Python, running as other users, read them), keys and secrets 0600.
 */
import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import type writeFileAtomicType from 'write-file-atomic';

let library: Promise<typeof writeFileAtomicType> | undefined;
/** write-file-atomic (with signal-exit) costs about 3 MB: loaded at the first write, not at start-up. */
const load = () => {
  library ??= import('write-file-atomic').then((m) => m.default);
  return library;
};

export const DATA_MODE = 0o644;
export const SECRET_MODE = 0o600;

export interface AtomicWriteOptions {
  /** The mode of a new file (and of every write when `keepMode` is false). */
  mode: number;
  /** Keep the mode of the file being replaced (a steward may have made a list group-writable). */
  keepMode?: boolean;
}

/** Writes `content` to `path` atomically and durably, creating the directory if needed. */
export async function writeFileAtomic(
  path: string,
  content: string,
  options: AtomicWriteOptions,
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  let mode = options.mode;
  if (options.keepMode)
    mode = await stat(path).then(
      (s) => s.mode & 0o7777,
      () => mode,
    );
  const writeFileAtomicLib = await load();
  await writeFileAtomicLib(path, content, { mode, fsync: true, encoding: 'utf8' });
  const handle = await open(dir, 'r').catch(() => undefined);
  // Directory fsync is not possible everywhere; the rename itself is atomic either way.
  await handle
    ?.sync()
    .catch(() => undefined)
    .finally(() => handle.close());
}

/** Temp names of an atomic write of `name`: write-file-atomic's `name.<uint32>`, and pimesh's older ones. */
function isTempOf(name: string, entry: string): boolean {
  if (entry.startsWith(`${name}.`) && /^\d{1,10}$/.test(entry.slice(name.length + 1))) return true;
  // pimesh before write-file-atomic (`.name.<pid>.<hex>.tmp`) and lowdb's steno (`.name.tmp`).
  return entry.startsWith(`.${name}.`) && entry.endsWith('.tmp');
}

/**
 * Removes the temp files that interrupted atomic writes of `path` left beside it (at start-up). A temp
 * file younger than `minAgeMs` may belong to a write in progress and is kept. Resolves with what was
 * removed.
 */
export async function removeStaleTemps(path: string, minAgeMs = 10_000, now = Date.now()): Promise<string[]> {
  const dir = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!isTempOf(name, entry)) continue;
    const full = join(dir, entry);
    try {
      const info = await stat(full);
      if (!info.isFile() || now - info.mtimeMs < minAgeMs) continue;
      await unlink(full);
      removed.push(full);
    } catch {
      // Gone already, or not ours to remove: nothing to do.
    }
  }
  return removed;
}

/**
 * A lowdb adapter with the device list's durability: JSON read as it is, written through
 * writeFileAtomic (fsync, explicit mode), stale temp files removed on the first read.
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly #mode: number;
  #cleaned = false;

  constructor(path: string, mode = DATA_MODE) {
    this.path = path;
    this.#mode = mode;
  }

  async read(): Promise<T | null> {
    if (!this.#cleaned) {
      this.#cleaned = true;
      await removeStaleTemps(this.path);
    }
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify(data, null, 2), { mode: this.#mode, keepMode: true });
  }
}
