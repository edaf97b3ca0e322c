import { InputError } from '../errors.js';
import { JsonlFile } from './jsonl-file.js';

/** The largest `data` string `POST /api/data` keeps (UTF-8 bytes). */
export const MAX_DATA_BYTES = 64 * 1024;

export interface DataEntry {
  id: number;
  timestamp: string;
  data: string;
}

const isEntry = (value: unknown): value is DataEntry => {
  const v = value as DataEntry;
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(v.id) &&
    typeof v.timestamp === 'string' &&
    typeof v.data === 'string'
  );
};

/** Checks the `data` field of `POST /api/data`; throws a 400 naming it. */
export function validateData(data: unknown): string {
  if (data === undefined) throw new InputError('data is required: {"data": "your_string_here"}');
  if (typeof data !== 'string') throw new InputError('data must be a string');
  if (Buffer.byteLength(data, 'utf8') > MAX_DATA_BYTES) {
    throw new InputError(`data is over ${MAX_DATA_BYTES / 1024} KiB`);
  }
  return data;
}

/**
 * pi_backend's generic data entries (`POST /api/data`, `GET /api/data`): one JSON line per entry in an
 * append-only file, ids counting up from the last entry in the file.
 */
export class DataStore {
  readonly #file: JsonlFile<DataEntry>;
  readonly #clock: () => number;
  #nextId: number | undefined;
  #adding: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: { clock?: () => number } = {}) {
    this.#file = new JsonlFile(path, isEntry);
    this.#clock = options.clock ?? Date.now;
  }

  get path(): string {
    return this.#file.path;
  }

  /** Stores one string; entries are added one after another so ids never repeat. */
  add(data: string): Promise<DataEntry> {
    validateData(data);
    const next = this.#adding.then(() => this.#add(data));
    this.#adding = next.catch(() => undefined);
    return next;
  }

  async #add(data: string): Promise<DataEntry> {
    if (this.#nextId === undefined) this.#nextId = ((await this.#file.last())?.id ?? 0) + 1;
    const entry: DataEntry = { id: this.#nextId, timestamp: new Date(this.#clock()).toISOString(), data };
    try {
      await this.#file.append(entry);
    } catch (error) {
      this.#nextId = undefined;
      throw error;
    }
    this.#nextId++;
    return entry;
  }

  /** Every entry, oldest first; with `limit`, only the newest `limit` of them (still oldest first). */
  list(limit?: number): Promise<DataEntry[]> {
    return limit === undefined ? this.#file.readAll() : this.#file.readLast(limit);
  }
}
