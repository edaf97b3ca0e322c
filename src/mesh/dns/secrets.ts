/**
 * The secrets file: `KEY=value` lines, as the original `.spenv` holds them (`export DNS_KEY=…`), read
 * once. Values never reach a log or an error message: only key names, the path and the file mode do.
 */
import { readFile, stat } from 'node:fs/promises';
import { DnsUpdateError, type Secrets } from './types.js';

/** What readSecrets needs of a logger (a pino Logger fits). */
export interface SecretsLog {
  warn(details: object, message: string): void;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

class SecretStore implements Secrets {
  readonly #values: Map<string, string>;
  readonly #source: string;

  constructor(values: Map<string, string>, source: string) {
    this.#values = values;
    this.#source = source;
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  require(provider: string, name: string): string {
    const value = this.#values.get(name);
    if (value === undefined) {
      throw new DnsUpdateError(provider, 'ERR_DNS_CONFIG', `secret ${name} is missing from ${this.#source}`);
    }
    if (value === '') {
      throw new DnsUpdateError(provider, 'ERR_DNS_CONFIG', `secret ${name} is empty in ${this.#source}`);
    }
    return value;
  }

  /** Secrets stay out of JSON, util.inspect and pino, whatever logs this object by mistake. */
  toJSON(): string {
    return `[secrets: ${[...this.#values.keys()].join(', ')}]`;
  }
}

/** Secrets from an object, for tests and in-memory use. */
export function secretsFromObject(record: Record<string, string>): Secrets {
  return new SecretStore(new Map(Object.entries(record)), 'the secrets');
}

const DOUBLE_QUOTED = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/;
const SINGLE_QUOTED = /^'([^']*)'\s*(?:#.*)?$/;

/** One line's right-hand side: quotes removed, a trailing ` # comment` dropped; undefined if malformed. */
function unquote(raw: string): string | undefined {
  const value = raw.trim();
  if (value.startsWith('"')) {
    // Inside double quotes the shell drops the backslash before " \ $ and `.
    return DOUBLE_QUOTED.exec(value)?.[1].replace(/\\(["\\$`])/g, '$1');
  }
  if (value.startsWith("'")) return SINGLE_QUOTED.exec(value)?.[1];
  return value.replace(/\s+#.*$/, '');
}

/**
 * Parses `KEY=value` lines: `export ` prefixes, single or double quotes, `#` comments and blank lines are
 * accepted; the last of repeated keys wins (as when the shell sources the file). Lines that are not
 * assignments are reported by number, never by content.
 *
 * The values are the shell's: Solar Protocol reads `.spenv` with bash `source`. dotenv's `parse` is not
 * used because it reads some lines otherwise: it ends an unquoted value at any `#` (`abc#def` gives
 * `abc`), keeps the backslashes of `\"` and `\\` inside double quotes and turns `\n` there into a
 * newline, takes keys the shell refuses (`9BAD`) and an unterminated quote as part of the value, and
 * says nothing about lines it skips.
 */
export function parseSecrets(text: string): { values: Map<string, string>; badLines: number[] } {
  const values = new Map<string, string>();
  const badLines: number[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const assignment = trimmed.replace(/^export\s+/, '');
      const equals = assignment.indexOf('=');
      const key = equals > 0 ? assignment.slice(0, equals).trim() : '';
      const value = KEY.test(key) ? unquote(assignment.slice(equals + 1)) : undefined;
      if (value === undefined) badLines.push(index + 1);
      else values.set(key, value);
    });
  return { values, badLines };
}

/**
 * Reads the secrets file at `path`; no path gives empty secrets (every `require` then fails naming the
 * key). A missing or unreadable file is ERR_DNS_CONFIG naming the path. A file readable by group or others
 * is read, with one warning naming the path and its mode.
 */
export async function readSecrets(path: string | undefined, log: SecretsLog): Promise<Secrets> {
  if (path === undefined) return new SecretStore(new Map(), 'the secrets (no secrets file is configured)');
  let text: string;
  let mode: number;
  try {
    mode = (await stat(path)).mode;
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    throw new DnsUpdateError('secrets', 'ERR_DNS_CONFIG', `secrets file ${path} ${reason}`);
  }
  if ((mode & 0o077) !== 0) {
    const octal = `0${(mode & 0o777).toString(8)}`;
    log.warn(
      { path, mode: octal },
      `secrets file ${path} has mode ${octal}: other users can read it; run chmod 600 ${path}`,
    );
  }
  const { values, badLines } = parseSecrets(text);
  if (badLines.length > 0) {
    log.warn(
      { path, lines: badLines },
      `secrets file ${path}: line(s) ${badLines.join(', ')} are not KEY=value and were ignored`,
    );
  }
  return new SecretStore(values, `secrets file ${path}`);
}
