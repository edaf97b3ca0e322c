/**
 * `opendata.php?server=<index|name|all>`, answered from the network's data on disk (../mesh/peer-data.ts)
 * in the original's shapes, byte for byte:
 *
 * - v2 (`getServerCCData()`): `{"<server>": <the peer file, decoded>}` for an index into the device
 *   list's names or for a name; `{"all": {"<name>": <file> | "err", ...}}`; null for a file that is
 *   not there. v2 answers `value`, `line`, `day`, `systemInfo` and `networkInfo` first: with one of
 *   them, `server=` is ignored (SolarAnswers does that).
 * - v1 (`getServerData()`): `server=` comes before every other key, and the answer is what the
 *   peer's `chargecontroller.php` gives for the rest of the query: for an index the peer's body (or
 *   `err`), for `all` a JSON list of every peer's body (decoded when it decodes to something
 *   non-empty), for anything else nothing. The original asked the peers at that moment; pimesh
 *   answers from the peers' last `day=4` data, so only queries that data answers can be served
 *   (none of the five keys: the peer's empty body; `day=N`), others are a 501. This node's own
 *   entry is answered by its own engine, for every query.
 */
import { InputError } from '../errors.js';
import type { DeviceEntry } from '../mesh/device-entry.js';
import type { NetworkPeer } from '../mesh/peer-data.js';
import { peerFileName, type Row } from '../mesh/peer-data-file.js';
import { Memo } from './memo.js';
import { isPhpNumeric, PhpFloat, type PhpValue, phpIntval, phpJsonEncode } from './php.js';

/** The keys chargecontroller.php and opendata.php answer, in the order they are tried. */
export const ANSWERED_KEYS = ['value', 'line', 'day', 'systemInfo', 'networkInfo'] as const;

export interface ServerDataSource {
  fileText(file: string): string | undefined;
  peer(file: string): NetworkPeer | undefined;
  readonly generation: number;
}

export interface ServerAnswersOptions {
  data: ServerDataSource;
  /** The device list, in order (the original reads deviceList.json on every request). */
  peers: () => readonly Pick<DeviceEntry, 'name' | 'ip' | 'mac'>[];
  /** Whether an entry is this node. */
  isSelf: (entry: Pick<DeviceEntry, 'ip' | 'mac'>) => boolean;
  /** This node's chargecontroller.php answer to a query (v1 asks every node, this one included). */
  local: (query: ReadonlyMap<string, string>) => string | Buffer;
}

/** `$array[$key]`'s key as PHP stores it: a canonical decimal integer string becomes that int. */
function phpIntKey(key: string): number | undefined {
  return /^(0|-?[1-9]\d{0,17})$/.test(key) && Number.isSafeInteger(Number(key)) ? Number(key) : undefined;
}

/** A PHP array of these entries: a list when its keys are 0..n-1 in order, else an object. */
function phpArray(entries: [string, PhpValue][]): PhpValue {
  const map = new Map<string, PhpValue>(entries);
  const keys = [...map.keys()];
  if (keys.length > 0 && keys.every((k, i) => phpIntKey(k) === i)) return [...map.values()];
  return map;
}

/** json_decode($text) (objects as stdClass), or null where PHP gives null. */
export function phpJsonDecode(text: string): PhpValue {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const convert = (v: unknown): PhpValue => {
    if (typeof v === 'number') return Number.isSafeInteger(v) ? v : new PhpFloat(v);
    if (Array.isArray(v)) return v.map(convert);
    if (typeof v === 'object' && v !== null)
      return new Map(Object.entries(v).map(([k, x]) => [k, convert(x)] as [string, PhpValue]));
    return v as PhpValue;
  };
  return convert(data);
}

/** `$value != null` in PHP: null, false, 0, 0.0, "" and an empty array are loosely null. */
function looselyNull(value: PhpValue): boolean {
  if (value === null || value === undefined || value === false || value === '' || value === 0) return true;
  if (value instanceof PhpFloat) return value.value === 0;
  return Array.isArray(value) && value.length === 0;
}

export class ServerAnswers {
  readonly #o: ServerAnswersOptions;
  readonly #memo = new Memo(16);

  constructor(options: ServerAnswersOptions) {
    this.#o = options;
  }

  answer(version: 1 | 2, q: ReadonlyMap<string, string>): string | Buffer {
    const server = q.get('server') ?? '';
    return version === 2 ? this.#v2(server) : this.#v1(server, q);
  }

  #names(): string[] {
    // strtolower(str_replace(' ', '', name)): ASCII only, as PHP 8 lowers.
    return this.#o.peers().map((e) => e.name.replaceAll(' ', '').replace(/[A-Z]/g, (c) => c.toLowerCase()));
  }

  /** json_decode(file_get_contents(<dir>/<name>.json)): null for a missing or unreadable file. */
  #decoded(name: string | undefined): PhpValue {
    if (name === undefined) return null;
    const text = this.#o.data.fileText(name);
    return text === undefined ? null : phpJsonDecode(text);
  }

  #v2(server: string): string | Buffer {
    const names = this.#names();
    const key = `${this.#o.data.generation}|${server}|${names.join('/')}`;
    return this.#memo.get(key, () => {
      if (isPhpNumeric(server)) {
        const index = phpIntKey(server);
        return phpJsonEncode(
          phpArray([[server, this.#decoded(index === undefined ? undefined : names[index])]]),
        );
      }
      if (server === 'all') {
        const all = names.map((name): [string, PhpValue] => {
          const text = this.#o.data.fileText(name);
          // `$resp != null`: a missing (false) or empty file is 'err'; invalid JSON decodes to null.
          return [name, text === undefined || text === '' ? 'err' : phpJsonDecode(text)];
        });
        return phpJsonEncode(new Map([['all', phpArray(all)]]));
      }
      const name = server.replaceAll(' ', '').replace(/[A-Z]/g, (c) => c.toLowerCase());
      return phpJsonEncode(
        new Map([[server, this.#decoded(peerFileName(name) === name ? name : undefined)]]),
      );
    });
  }

  #v1(server: string, q: ReadonlyMap<string, string>): string | Buffer {
    const rest = new Map([...q].filter(([k]) => k !== 'server'));
    const peers = this.#o.peers();
    if (isPhpNumeric(server)) {
      const index = phpIntKey(server);
      const entry = index === undefined ? undefined : peers[index];
      // $ipList[<not an index>] is null: the request goes to http:///... and fails.
      return entry === undefined ? 'err' : this.#peerAnswer(entry, rest);
    }
    if (server !== 'all') return '';
    const all = peers.map((entry) => {
      const body = this.#peerAnswer(entry, rest).toString();
      const decoded = phpJsonDecode(body);
      return looselyNull(decoded) ? body : decoded;
    });
    return phpJsonEncode(all, { unescapedSlashes: true });
  }

  /** What `GET http://<ip>/api/v1/chargecontroller.php?<rest>` answered, from what the node knows. */
  #peerAnswer(
    entry: Pick<DeviceEntry, 'name' | 'ip' | 'mac'>,
    rest: ReadonlyMap<string, string>,
  ): string | Buffer {
    if (this.#o.isSelf(entry)) return this.#o.local(rest);
    const key = ANSWERED_KEYS.find((k) => rest.has(k));
    if (key !== undefined && key !== 'day') throw notCached(key);
    const file = peerFileName(entry.name);
    const peer = file === undefined ? undefined : this.#o.data.peer(file);
    // A peer whose last request failed is one that would not have answered: file_get_contents failed.
    if (peer === undefined || !peer.ok || file === undefined) return 'err';
    if (key === undefined) return '';
    const day = rest.get('day') ?? '';
    const n = phpIntval(day);
    if (!(n >= 1 && n <= 7)) throw notCached(`day=${day}`);
    const files = peer.files ?? [];
    if (n > files.length && files.length === 4) throw notCached(`day=${day}`);
    const text = this.#o.data.fileText(file);
    const rows = text === undefined ? undefined : (JSON.parse(text) as Row[]);
    if (rows === undefined) return 'err';
    // Undo handleData(): each file's rows were reversed after one another; headers kept aside.
    const out: PhpValue[] = [];
    let at = 1;
    for (const { header, rows: count } of files.slice(0, n)) {
      out.push([header, ...rows.slice(at, at + count).reverse()] as PhpValue);
      at += count;
    }
    return phpJsonEncode(out);
  }
}

function notCached(what: string): InputError {
  return new InputError(
    `opendata.php v1 server= with ${what}: this node keeps only the peers' day=4 data, which does not answer it`,
    501,
  );
}
