import type { BigIntStats } from 'node:fs';
import { access, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { type PhpValue, phpJsonEncode } from '../readings/php.js';
import { DATA_MODE, removeStaleTemps, writeFileAtomic } from '../util/atomic-file.js';
import { type DeviceEntry, deviceEntry } from './device-entry.js';

export const DEVICE_LIST_FILE = 'deviceList.json';

/**
 * deviceList.json as the original api.php writes it: `json_encode($data, JSON_UNESCAPED_SLASHES)`.
 * An entry without tz is written without the key, as json_encode writes an array that has none.
 */
export function encodeDeviceList(list: readonly DeviceEntry[]): string {
  const data: PhpValue[] = list.map((e) => {
    const fields: [string, PhpValue][] = [
      ['mac', e.mac],
      ['ip', e.ip],
      ['time stamp', e['time stamp']],
      ['name', e.name],
    ];
    if (e.tz !== undefined) fields.push(['tz', e.tz]);
    fields.push(['log', [...e.log]]);
    return new Map(fields);
  });
  return phpJsonEncode(data, { unescapedSlashes: true });
}

/** A JSON value as one of the original's strings; lone surrogates (not UTF-8) become U+FFFD. */
function text(value: unknown): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('utf8');
  if (typeof value === 'number') return String(value);
  return value === true ? '1' : '';
}

/**
 * The entries of a parsed deviceList.json in the original format (a missing log [""], a missing or
 * null tz left out so answers give null for it as the original does, extra keys dropped, values as
 * strings), or undefined when it is not an array of objects.
 */
export function normaliseDeviceList(parsed: unknown): DeviceEntry[] | undefined {
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))) return undefined;
  return parsed.map((raw: Record<string, unknown>) => {
    const log = raw.log;
    return deviceEntry({
      mac: text(raw.mac),
      ip: text(raw.ip),
      'time stamp': text(raw['time stamp']),
      name: text(raw.name),
      tz: raw.tz === undefined || raw.tz === null ? undefined : text(raw.tz),
      log: Array.isArray(log) ? log.map(text) : log === undefined || log === null ? [''] : [text(log)],
    });
  });
}

export interface DeviceListOptions {
  /** The peers directory; the file is `<dir>/deviceList.json`. */
  dir: string;
  log?: Logger;
  now?: () => Date;
}

export interface DeviceListUpdate {
  before: readonly DeviceEntry[];
  after: readonly DeviceEntry[];
  /**
   * The file held no list the original would read (missing, blank or corrupt: its json_decode gave
   * null). The original api.php answers an empty body then.
   */
  wasEmpty: boolean;
}

type Identity = Pick<BigIntStats, 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>;

function sameFile(a: Identity | undefined, b: Identity | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

async function statOf(path: string): Promise<BigIntStats | undefined> {
  try {
    return await stat(path, { bigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * `<peersDir>/deviceList.json`, shared with the original scripts: kept in their exact format,
 * read again whenever it changed on disk (an operator or an original script may edit it), and
 * written atomically. Updates run one at a time. A corrupt file is moved aside (never deleted)
 * and the node carries on from the last good list it read or wrote.
 */
export class DeviceListFile {
  readonly path: string;
  readonly #log: Logger | undefined;
  readonly #now: () => Date;
  #list: readonly DeviceEntry[] = [];
  /** What the file was at our last read or write; undefined = not seen yet (or missing). */
  #seen: Identity | undefined;
  #loaded = false;
  #empty = true;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: DeviceListOptions) {
    this.path = join(options.dir, DEVICE_LIST_FILE);
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
  }

  /** The list as last read or written. */
  list(): readonly DeviceEntry[] {
    return this.#list;
  }

  /** The file's text as the original's `file_get_contents` gives it ('' when there is no list). */
  text(): string {
    return this.#empty ? '' : encodeDeviceList(this.#list);
  }

  /** Reads the file (again, if it changed) and returns the list. */
  load(): Promise<readonly DeviceEntry[]> {
    return this.#serial(async () => {
      await this.#refresh();
      return this.#list;
    });
  }

  /** Applies `fn` to the current list and writes the result; one update at a time. */
  update(fn: (list: readonly DeviceEntry[]) => readonly DeviceEntry[]): Promise<DeviceListUpdate> {
    return this.#serial(async () => {
      await this.#refresh();
      const before = this.#list;
      const wasEmpty = this.#empty;
      const after = fn(before);
      await this.#write(after);
      return { before, after, wasEmpty };
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #refresh(): Promise<void> {
    if (!this.#loaded) await removeStaleTemps(this.path);
    const current = await statOf(this.path);
    if (this.#loaded && sameFile(current, this.#seen)) return;
    this.#loaded = true;
    if (!current) {
      this.#seen = undefined;
      this.#list = [];
      this.#empty = true;
      return;
    }
    // The identity from before the read: a change during it is seen (and read) next time.
    const content = await readFile(this.path, 'utf8');
    this.#seen = current;
    if (content.trim() === '') {
      this.#list = [];
      this.#empty = true;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      parsed = undefined;
    }
    const list = normaliseDeviceList(parsed);
    if (list) {
      this.#list = list;
      this.#empty = false;
      return;
    }
    await this.#moveAside();
    this.#empty = true;
  }

  async #moveAside(): Promise<void> {
    const stamp = this.#now().toISOString().replace(/:/g, '-');
    let target = `${this.path}.corrupt-${stamp}`;
    for (let n = 1; await exists(target); n++) target = `${this.path}.corrupt-${stamp}-${n}`;
    await rename(this.path, target);
    this.#seen = undefined;
    this.#log?.error(
      { path: this.path, movedTo: target, kept: this.#list.length },
      'deviceList.json is not a JSON list of entries; moved it aside and kept the last good list',
    );
  }

  async #write(list: readonly DeviceEntry[]): Promise<void> {
    await writeFileAtomic(this.path, encodeDeviceList(list), { mode: DATA_MODE, keepMode: true });
    this.#list = list;
    this.#empty = false;
    this.#seen = await statOf(this.path);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
