import { join } from 'node:path';
import { JsonlFile } from '../pi-backend/jsonl-file.js';

/** One stored poll: pi_backend's `polled_data` row (timestamp, source, JSON answer). */
export interface PolledRecord {
  timestamp: string;
  source: string;
  data: unknown;
}

const isRecord = (value: unknown): value is PolledRecord => {
  const v = value as PolledRecord;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.timestamp === 'string' &&
    Number.isFinite(Date.parse(v.timestamp)) &&
    typeof v.source === 'string' &&
    'data' in v
  );
};

/** A source name that is safe as a file name. */
export const SOURCE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** The readings store for polled data: `<dir>/<source>.jsonl`, append-only, one record a line. */
export class PolledStore {
  readonly dir: string;
  readonly #files = new Map<string, JsonlFile<PolledRecord>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  #file(source: string): JsonlFile<PolledRecord> {
    if (!SOURCE_NAME.test(source)) throw new RangeError(`bad source name ${JSON.stringify(source)}`);
    let file = this.#files.get(source);
    if (!file) {
      file = new JsonlFile(join(this.dir, `${source}.jsonl`), isRecord);
      this.#files.set(source, file);
    }
    return file;
  }

  append(record: PolledRecord): Promise<void> {
    return this.#file(record.source).append(record);
  }

  /**
   * The newest records of a source taken after `sinceMs` (exclusive), at most `limit`, oldest first.
   * Reads the file from its end and stops at the first older record (records are appended in time
   * order).
   */
  read(source: string, options: { sinceMs?: number; limit: number }): Promise<PolledRecord[]> {
    const { sinceMs } = options;
    return this.#file(source).readLast(
      options.limit,
      sinceMs === undefined ? undefined : (r) => Date.parse(r.timestamp) <= sinceMs,
    );
  }

  /** When the source was last stored (ms), if ever. */
  async lastStoredAt(source: string): Promise<number | undefined> {
    const last = await this.#file(source).last();
    return last ? Date.parse(last.timestamp) : undefined;
  }
}
