import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type Adapter, Low } from 'lowdb';
import type { Logger } from '../log.js';
import { AtomicJsonFile } from '../util/atomic-file.js';

export const PEER_STATE_FILE = 'peer-state.json';

/** How a peer became known: a POST to our api.php, mDNS, the configured seeds, or this node itself. */
export type PeerSource = 'gossip' | 'mdns' | 'seed' | 'self';

/** What pimesh keeps about a peer beside deviceList.json (which original nodes read and must not change). */
export interface PeerRecord {
  /** ISO times. */
  firstSeen: string;
  lastSeen: string;
  /** The last time the peer answered one of our requests. */
  lastAnswered?: string;
  source: PeerSource;
  /** Failed requests to the peer since it last answered. */
  failures: number;
}

export interface PeerStateData {
  peers: Record<string, PeerRecord>;
}

export interface PeerStateOptions {
  /** The peers directory: the state is `<dir>/peer-state.json`. */
  dir?: string;
  /** Another lowdb adapter (tests use lowdb's `Memory`); `dir` is then only used to move a bad file aside. */
  adapter?: Adapter<PeerStateData>;
  log?: Logger;
}

const SOURCES: readonly PeerSource[] = ['gossip', 'mdns', 'seed', 'self'];

function isRecord(value: unknown): value is PeerRecord {
  const r = value as PeerRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.firstSeen === 'string' &&
    typeof r.lastSeen === 'string' &&
    SOURCES.includes(r.source) &&
    typeof r.failures === 'number'
  );
}

/**
 * Per-MAC side state (first/last seen, last answer, failures) in `<peersDir>/peer-state.json`,
 * kept with lowdb. MACs are compared lower-cased. It is advisory: a write that fails is logged,
 * and a file that cannot be read is moved aside and started afresh.
 */
export class PeerState {
  readonly path: string | undefined;
  readonly #db: Low<PeerStateData>;
  readonly #log: Logger | undefined;
  #ready: Promise<void> | undefined;

  constructor(options: PeerStateOptions) {
    if (!options.adapter && !options.dir) throw new TypeError('PeerState needs a dir or an adapter');
    this.path = options.dir ? join(options.dir, PEER_STATE_FILE) : undefined;
    const adapter = options.adapter ?? new AtomicJsonFile<PeerStateData>(this.path as string);
    this.#db = new Low<PeerStateData>(adapter, { peers: {} });
    this.#log = options.log;
  }

  /** Reads the stored state once; mutations wait for it, so calling it is optional. */
  load(): Promise<void> {
    this.#ready ??= this.#read();
    return this.#ready;
  }

  /** The peer with this MAC was heard of (`source`) at `at`. A `self` source stays `self`. */
  async seen(mac: string, source: PeerSource, at: Date = new Date()): Promise<void> {
    await this.#change(
      mac,
      at,
      (record) => {
        record.lastSeen = at.toISOString();
        if (record.source !== 'self') record.source = source;
      },
      source,
    );
  }

  /** The peer answered one of our requests: it is alive and its failures are forgotten. */
  async answered(mac: string, at: Date = new Date()): Promise<void> {
    await this.#change(mac, at, (record) => {
      record.lastSeen = at.toISOString();
      record.lastAnswered = at.toISOString();
      record.failures = 0;
    });
  }

  /** A request to the peer failed (timeout, refused, bad answer). */
  async failed(mac: string, at: Date = new Date()): Promise<void> {
    await this.#change(mac, at, (record) => {
      record.failures++;
    });
  }

  get(mac: string): Readonly<PeerRecord> | undefined {
    return this.#db.data.peers[mac.toLowerCase()];
  }

  all(): Array<Readonly<PeerRecord> & { mac: string }> {
    return Object.entries(this.#db.data.peers).map(([mac, record]) => ({ mac, ...record }));
  }

  async #change(mac: string, at: Date, fn: (r: PeerRecord) => void, source: PeerSource = 'gossip') {
    await this.load();
    const key = mac.toLowerCase();
    const peers = this.#db.data.peers;
    const time = at.toISOString();
    peers[key] ??= { firstSeen: time, lastSeen: time, source, failures: 0 };
    fn(peers[key]);
    try {
      await this.#db.write();
    } catch (error) {
      this.#log?.warn({ err: error, path: this.path }, 'could not write the peer state');
    }
  }

  async #read(): Promise<void> {
    try {
      await this.#db.read();
    } catch (error) {
      this.#db.data = { peers: {} };
      await this.#moveAside(error);
      return;
    }
    const peers = (this.#db.data as Partial<PeerStateData> | null)?.peers;
    const kept: Record<string, PeerRecord> = {};
    if (typeof peers === 'object' && peers !== null) {
      for (const [mac, record] of Object.entries(peers))
        if (isRecord(record)) kept[mac.toLowerCase()] = record;
    }
    this.#db.data = { peers: kept };
  }

  async #moveAside(error: unknown): Promise<void> {
    if (!this.path) return;
    const target = `${this.path}.corrupt-${new Date().toISOString().replace(/:/g, '-')}`;
    try {
      await rename(this.path, target);
      this.#log?.warn({ err: error, path: this.path, movedTo: target }, 'unreadable peer state moved aside');
    } catch (renameError) {
      this.#log?.warn({ err: renameError, path: this.path }, 'unreadable peer state; starting afresh');
    }
  }
}
