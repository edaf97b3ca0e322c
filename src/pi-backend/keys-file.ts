import { chmod, readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { removeStaleTemps, SECRET_MODE, writeFileAtomic } from '../util/atomic-file.js';

/** A key name as pi_backend's clients send it: `GEMINI_API_KEY`, `OPENWEATHER_API_KEY`. */
export const KEY_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_KEY_VALUE = 4096;
/** The value pi_backend's installer writes for a key not filled in yet: read as "no key". */
export const PLACEHOLDER = 'YOUR_KEY_HERE';
export const DEFAULT_SECTION = 'API_KEYS';

/** Checks a `POST /api/keys` pair; throws a 400 naming the field. */
export function validateKey(name: unknown, value: unknown): { name: string; value: string } {
  if (typeof name !== 'string' || name === '') {
    throw new InputError('key_name is required: a name like "GEMINI_API_KEY"');
  }
  if (!KEY_NAME.test(name)) {
    throw new InputError('key_name must be A-Z, 0-9 and _, start with a letter, at most 64 characters');
  }
  if (typeof value !== 'string' || value === '') {
    throw new InputError('key_value is required: a non-empty string');
  }
  if (value.length > MAX_KEY_VALUE) throw new InputError(`key_value is over ${MAX_KEY_VALUE} characters`);
  if (/[\r\n\0]/.test(value)) throw new InputError('key_value must not contain line breaks or NUL');
  return { name, value };
}

type IniTree = Record<string, unknown>;

/**
 * The API keys file: INI, one `[API_KEYS]` section of `NAME=value` lines, owner-only (0600). Writes
 * go to a 0600 temporary file in the same directory, are fsynced and renamed over the old file, so
 * the file is never world-readable, never half-written, and the other keys and sections are kept.
 * Names are matched case-insensitively on read (Python's configparser lower-cases them). Comments are
 * not kept by a write.
 */
export class KeysFile {
  readonly path: string;
  readonly section: string;
  readonly #log: Logger | undefined;
  #writing: Promise<unknown> = Promise.resolve();
  #cleaned = false;

  constructor(path: string, options: { section?: string; log?: Logger } = {}) {
    this.path = path;
    this.section = options.section ?? DEFAULT_SECTION;
    this.#log = options.log;
  }

  /** The key's value, or undefined when it is absent, empty or still the installer's placeholder. */
  async get(name: string): Promise<string | undefined> {
    const entries = this.#entries(await this.#read());
    const found = entries.find(([key]) => key.toUpperCase() === name.toUpperCase());
    if (!found) return undefined;
    const value = String(found[1] ?? '');
    return value === '' || value === PLACEHOLDER ? undefined : value;
  }

  /** The names of the keys in the section (values never leave this class except through get). */
  async names(): Promise<string[]> {
    return this.#entries(await this.#read()).map(([key]) => key);
  }

  /** Writes one key, keeping the others; writes run one after another. */
  set(name: string, value: string): Promise<void> {
    validateKey(name, value);
    const next = this.#writing.then(() => this.#set(name, value));
    this.#writing = next.catch(() => undefined);
    return next;
  }

  async #set(name: string, value: string): Promise<void> {
    const tree = await this.#read();
    const current = tree[this.section];
    const section: IniTree =
      typeof current === 'object' && current !== null ? { ...(current as IniTree) } : {};
    for (const key of Object.keys(section)) {
      if (key.toUpperCase() === name.toUpperCase()) delete section[key];
    }
    section[name] = value;
    tree[this.section] = section;
    const { stringify } = await import('ini');
    await writeFileAtomic(this.path, stringify(tree), { mode: SECRET_MODE });
  }

  #entries(tree: IniTree): [string, unknown][] {
    const section = tree[this.section];
    if (typeof section !== 'object' || section === null) return [];
    return Object.entries(section as IniTree).filter(([, v]) => typeof v !== 'object' || v === null);
  }

  /** The parsed file ({} when missing); a file readable by others is tightened to 0600 first. */
  async #read(): Promise<IniTree> {
    if (!this.#cleaned) {
      this.#cleaned = true;
      await removeStaleTemps(this.path);
    }
    let mode: number;
    try {
      mode = (await stat(this.path)).mode;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    if ((mode & 0o077) !== 0) {
      this.#log?.warn(
        { file: this.path, mode: (mode & 0o777).toString(8) },
        'API keys file was readable by others; tightened to 0600',
      );
      await chmod(this.path, 0o600);
    }
    const { parse } = await import('ini');
    return { ...parse(await readFile(this.path, 'utf8')) };
  }
}
