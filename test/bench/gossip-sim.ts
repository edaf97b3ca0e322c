/**
 * Gossip simulation: pimesh's dissemination against the original all-to-all client, N nodes wired by a
 * MemoryNetwork in one process (no sockets). `node --import tsx test/bench/gossip-sim.ts` prints the
 * table; `gossipSimulation()` returns its rows and `gossipBench` plugs into test/bench/run.ts.
 *
 * A round = every node runs one gossip round, one node after the other, in a fresh random order each
 * round (seeded, so every run prints the same numbers). The clock advances 15 minutes per round.
 * Converged = every node's list holds every node's CURRENT address under its MAC.
 */
import { pathToFileURL } from 'node:url';
import type { DeviceEntry } from '../../src/mesh/device-entry.js';
import {
  Disseminator,
  type PeerListStore,
  type SelfInfo,
  shuffle,
} from '../../src/mesh/gossip/dissemination.js';
import {
  apiReceiver,
  type GossipHandler,
  MemoryNetwork,
  MemoryPeerList,
  seededRandom,
} from '../helpers/gossip/memory-transport.js';
import { runOriginalClient, unknownIps } from '../helpers/gossip/original-scheme.js';
import type { Benchmark } from './lib/context.js';
import { type BenchCheck, fmt, formatChecks, formatTable } from './lib/report.js';

export type Scheme = 'original' | 'pimesh' | 'pimesh, seeds every round';
export type Scenario = 'cold start' | '10% move';

export interface Row {
  n: number;
  scenario: Scenario;
  scheme: Scheme;
  /** Rounds until converged; `undefined` when it did not within `MAX_ROUNDS`. */
  rounds: number | undefined;
  /** POSTs between nodes (loopback posts to `localhost` not counted), refused ones included. */
  messages: number;
  refused: number;
  /** Entries carried by all answers (each answer is the receiver's whole list). */
  answerEntries: number;
  /** The most POSTs one node received in one round (the seed, for a seed-centred scheme). */
  peakIn: number;
  /** pimesh messages as % of the original's in the same N and scenario. */
  percentOfOriginal?: number;
  wallMs: number;
}

export const SIZES = [10, 100, 1000] as const;
export const MAX_ROUNDS = 20;
const API_KEY = 'sim-key';
const ROUND_MS = 15 * 60 * 1000;
const START = Date.UTC(2026, 0, 1);

interface SimNode {
  mac: string;
  address: string;
  store: PeerListStore;
  run: () => Promise<unknown>;
}

const mac = (i: number) =>
  `b8:27:eb:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const address = (i: number, generation: number) => `10.${generation}.${i >> 8}.${i & 255}`;

/** Small integer ids for the MACs or the ips of one simulation. */
class Ids {
  readonly names: string[] = [];
  /** True once some ip was seen with two MACs (`own`). */
  shared = false;
  readonly #ids = new Map<string, number>();
  readonly #owner: Int32Array;

  constructor(readonly capacity: number) {
    this.#owner = new Int32Array(capacity).fill(-1);
  }

  id(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.names.push(name) - 1;
      if (id >= this.capacity) throw new RangeError('more names than the simulation planned for');
      this.#ids.set(name, id);
    }
    return id;
  }

  /** Records that ip `id` was seen with MAC `macId`. */
  own(id: number, macId: number): void {
    if (this.#owner[id] === -1) this.#owner[id] = macId;
    else if (this.#owner[id] !== macId) this.shared = true;
  }
}

/**
 * An original node's deviceList for large simulations: the POST rule of MemoryPeerList plus integer
 * indexes, so getNewDST's test (`unknownIps`) is word-wide bit arithmetic. While every ip belongs to one
 * MAC (true here, and checked), an entry is skipped exactly when its ip is known or already queued, so
 * the ips to queue are `present(answer) & ~(present(local) | queued)`, put back in answer order. It hands
 * out its LIVE array: safe only because nodes run one at a time and the original client scans each
 * answer before it posts again. A test checks it against MemoryPeerList with the default `unknownIps`.
 */
class IndexedOriginalList implements PeerListStore {
  static readonly owners = new WeakMap<readonly DeviceEntry[], IndexedOriginalList>();
  readonly entries: DeviceEntry[] = [];
  readonly ipIds: number[] = [];
  readonly ipCount: Uint16Array;
  /** Position of each present ip in `entries`. */
  readonly at: Int32Array;
  /** Bits per ip: in this list; queued in the current run of this node's client. */
  readonly present: Uint32Array;
  readonly queued: Uint32Array;
  running: ReadonlySet<string> | undefined;
  readonly #index = new Map<string, number>();

  constructor(
    readonly macs: Ids,
    readonly ips: Ids,
    initial: readonly DeviceEntry[],
  ) {
    this.ipCount = new Uint16Array(ips.capacity);
    this.at = new Int32Array(ips.capacity);
    this.present = new Uint32Array(Math.ceil(ips.capacity / 32));
    this.queued = new Uint32Array(this.present.length);
    IndexedOriginalList.owners.set(this.entries, this);
    for (const entry of initial) this.postSelf(entry);
  }

  list(): readonly DeviceEntry[] {
    return this.entries;
  }

  postSelf(entry: DeviceEntry): void {
    const ip = this.ips.id(entry.ip);
    this.ips.own(ip, this.macs.id(entry.mac));
    let at = this.#index.get(entry.mac);
    if (at === undefined) {
      at = this.entries.push(entry) - 1;
      this.#index.set(entry.mac, at);
      this.ipIds.push(ip);
    } else {
      this.entries[at] = entry;
      const old = this.ipIds[at];
      if (--this.ipCount[old] === 0) this.present[old >> 5] &= ~(1 << (old & 31));
      this.ipIds[at] = ip;
    }
    if (this.ipCount[ip]++ === 0) {
      this.present[ip >> 5] |= 1 << (ip & 31);
      this.at[ip] = at;
    }
  }

  mergeLearned(): readonly DeviceEntry[] {
    throw new Error('an original node never merges the lists it is answered with');
  }

  /** `UnknownIps` over the indexes (the default one for lists it does not own, or shared ips). */
  static unknownIps(
    answer: readonly DeviceEntry[],
    local: readonly DeviceEntry[],
    running: ReadonlySet<string>,
  ) {
    const from = IndexedOriginalList.owners.get(answer);
    const to = IndexedOriginalList.owners.get(local);
    if (!from || !to || to.ips.shared) return unknownIps([...answer], [...local], running);
    if (to.running !== running) {
      if (running.size > 0) throw new Error('IndexedOriginalList: a run started without it');
      to.running = running;
      to.queued.fill(0);
    }
    const found: number[] = [];
    for (let w = 0; w < from.present.length; w++) {
      let bits = from.present[w] & ~(to.present[w] | to.queued[w]);
      to.queued[w] |= bits;
      for (; bits !== 0; bits &= bits - 1) found.push(w * 32 + 31 - Math.clz32(bits & -bits));
    }
    return found.sort((a, b) => from.at[a] - from.at[b]).map((ip) => from.ips.names[ip]);
  }
}

export interface SimulationConfig {
  n: number;
  scheme: Scheme;
  seed: number;
  /** Original nodes keep their lists in IndexedOriginalList (default true; false = MemoryPeerList). */
  indexedOriginal?: boolean;
}

export class Simulation {
  readonly network = new MemoryNetwork();
  readonly nodes: SimNode[] = [];
  readonly rng: () => number;
  now = START;
  /** The most POSTs one node received in one round (the hotspot). */
  peakIn = 0;
  readonly #received: Uint32Array;

  constructor({ n, scheme, seed, indexedOriginal = true }: SimulationConfig) {
    this.rng = seededRandom(seed);
    this.#received = new Uint32Array(n);
    const seedAddress = address(0, 0);
    const macs = new Ids(n);
    const ips = new Ids(2 * n);
    for (let i = 0; i < n; i++) {
      const node = { mac: mac(i), address: address(i, 0) } as SimNode;
      const self = (): SelfInfo => ({
        mac: node.mac,
        ip: node.address,
        name: `node ${i}`,
        tz: 'UTC',
        log: [],
      });
      const transport = this.network.transport(node.address);
      const clock = () => this.now;
      if (scheme === 'original') {
        // An original node is bootstrapped with a deviceList.json that holds the seed.
        const seedEntry = { mac: mac(0), ip: seedAddress, 'time stamp': String(START / 1000) };
        const initial = i === 0 ? [] : [{ ...seedEntry, name: 'node 0', tz: 'UTC', log: [] }];
        const store = indexedOriginal
          ? new IndexedOriginalList(macs, ips, initial)
          : new MemoryPeerList(initial);
        const unknown = indexedOriginal ? IndexedOriginalList.unknownIps : undefined;
        node.store = store;
        node.run = () =>
          runOriginalClient({ self, store, transport, apiKey: API_KEY, clock, unknownIps: unknown });
        this.#listen(i, node.address, apiReceiver(store));
      } else {
        const store = new MemoryPeerList();
        const disseminator = new Disseminator({
          self,
          store,
          transport,
          apiKey: API_KEY,
          seeds: [seedAddress],
          rng: seededRandom(seed * 7919 + i),
          clock,
          options: scheme === 'pimesh' ? {} : { seedLoad: Number.POSITIVE_INFINITY },
        });
        node.store = store;
        node.run = () => disseminator.round();
        const onPost = (form: { ip: string }) => disseminator.heard(form.ip);
        this.#listen(i, node.address, apiReceiver(store, { onPost }));
      }
      this.nodes.push(node);
    }
  }

  /** Counts the POSTs each node receives from others (not its own to `localhost`), for `peakIn`. */
  #listen(i: number, at: string, handler: GossipHandler): void {
    this.network.listen(at, (form, from, to) => {
      if (to !== from && to !== 'localhost') this.#received[i]++;
      return handler(form, from, to);
    });
  }

  async round(): Promise<void> {
    const order = shuffle(
      this.nodes.map((_, i) => i),
      this.rng,
    );
    for (const i of order) await this.nodes[i].run();
    this.now += ROUND_MS;
    for (const count of this.#received) this.peakIn = Math.max(this.peakIn, count);
    this.#received.fill(0);
  }

  converged(): boolean {
    const current = new Map(this.nodes.map((node) => [node.mac, node.address]));
    return this.nodes.every((node) => {
      let correct = 0;
      for (const e of node.store.list()) if (current.get(e.mac) === e.ip) correct++;
      return correct === this.nodes.length;
    });
  }

  /** Rounds until converged (undefined after MAX_ROUNDS), counting from the current state. */
  async untilConverged(): Promise<number | undefined> {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      await this.round();
      if (this.converged()) return round;
    }
    return undefined;
  }

  /** 10% of the nodes (never the seed, whose address is configured) move to a new address at once. */
  moveTenPercent(): void {
    const movers = shuffle(
      this.nodes.slice(1).map((_, i) => i + 1),
      this.rng,
    ).slice(0, Math.max(1, Math.round(this.nodes.length / 10)));
    for (const i of movers) {
      const node = this.nodes[i];
      const to = address(i, 1);
      this.network.move(node.address, to);
      node.address = to;
    }
  }
}

/** Cold start until converged, then 10% of the nodes move, until converged again. */
export async function measure(config: SimulationConfig): Promise<Row[]> {
  const { n, scheme } = config;
  const sim = new Simulation(config);
  const rows: Row[] = [];
  const record = (scenario: Scenario, rounds: number | undefined, started: number) => {
    const { messages, refused, answerEntries } = sim.network;
    const wallMs = performance.now() - started;
    const peakIn = sim.peakIn;
    rows.push({ n, scenario, scheme, rounds, messages, refused, answerEntries, peakIn, wallMs });
  };
  let started = performance.now();
  const cold = await sim.untilConverged();
  record('cold start', cold, started);
  if (cold === undefined) return rows;
  sim.network.resetCounters();
  sim.peakIn = 0;
  started = performance.now();
  sim.moveTenPercent();
  record('10% move', await sim.untilConverged(), started);
  return rows;
}

export const SCHEMES: readonly Scheme[] = ['original', 'pimesh', 'pimesh, seeds every round'];

export interface SimulationOptions {
  sizes?: readonly number[];
  schemes?: readonly Scheme[];
  progress?: (message: string) => void;
}

/** Every N, scenario and scheme; pimesh rows carry their messages as % of the original's. */
export async function gossipSimulation(options: SimulationOptions = {}): Promise<Row[]> {
  const { sizes = SIZES, schemes = SCHEMES, progress = () => {} } = options;
  const rows: Row[] = [];
  for (const n of sizes) {
    for (const scheme of schemes) {
      progress(`gossip-sim: N=${n}, ${scheme}`);
      rows.push(...(await measure({ n, scheme, seed: n })));
    }
  }
  for (const row of rows) {
    const original = rows.find(
      (r) => r.n === row.n && r.scenario === row.scenario && r.scheme === 'original',
    );
    if (row.scheme !== 'original' && original && original.rounds !== undefined) {
      row.percentOfOriginal = (100 * row.messages) / original.messages;
    }
  }
  return rows;
}

/** The targets: 1000 nodes converge within 10 rounds with under 5% of the original's messages. */
export function gossipChecks(rows: readonly Row[]): BenchCheck[] {
  return rows
    .filter((r) => r.n === 1000 && r.scheme === 'pimesh')
    .map((r) => ({
      name: `N=1000 ${r.scenario}, pimesh`,
      target: '<= 10 rounds, < 5% of messages',
      measured: `${r.rounds ?? `>${MAX_ROUNDS}`} rounds, ${r.percentOfOriginal === undefined ? '?' : `${fmt(r.percentOfOriginal)}%`}`,
      pass:
        r.rounds !== undefined &&
        r.rounds <= 10 &&
        r.percentOfOriginal !== undefined &&
        r.percentOfOriginal < 5,
    }));
}

export function gossipTable(rows: readonly Row[]) {
  return {
    title: 'Rounds and POSTs until every node knows every node’s current address',
    columns: [
      'N',
      'scenario',
      'scheme',
      'rounds',
      'messages',
      '% of orig.',
      'refused',
      'answer entries',
      'peak in',
      'wall',
    ],
    rows: rows.map((r) => [
      String(r.n),
      r.scenario,
      r.scheme,
      r.rounds === undefined ? `>${MAX_ROUNDS}` : String(r.rounds),
      fmt(r.messages, 0),
      r.percentOfOriginal === undefined ? '' : `${fmt(r.percentOfOriginal)}%`,
      fmt(r.refused, 0),
      fmt(r.answerEntries, 0),
      fmt(r.peakIn, 0),
      `${fmt(r.wallMs / 1000, 2)} s`,
    ]),
  };
}

const NOTES = [
  'sequential rounds: every node runs one round per round, one at a time, in a fresh seeded random order',
  'cold start: pimesh nodes start empty with the seed configured; original nodes with a deviceList.json holding the seed',
  '10% move: from the converged state, 10% of the nodes (never the seed) change address at once',
  'messages: POSTs between nodes, refused ones (to moved addresses) included; posts to localhost are not counted',
  `original: clientPostIP.py (localhost, then every list ip, then follow unknown ips once per run); cap ${MAX_ROUNDS} rounds`,
  'pimesh: fanout 3, followLimit 3, announceFanout 10, seedLoad 16; "seeds every round": seedLoad Infinity',
  'answer entries: every answer is the whole list, so bytes on the wire grow with this, not with messages',
  'peak in: the most POSTs one node received in one round (with seeds every round, the seed gets all N)',
  'original at N=1000 runs on IndexedOriginalList (same rules, bitset getNewDST); a test checks it against the plain model',
];

export const gossipBench: Benchmark = async (ctx) => {
  const rows = await gossipSimulation({ progress: ctx.progress });
  return {
    name: 'Gossip simulation (in memory)',
    tables: [gossipTable(rows)],
    checks: gossipChecks(rows),
    notes: NOTES,
  };
};

async function main(): Promise<void> {
  const started = performance.now();
  const rows = await gossipSimulation({ progress: (message) => console.error(message) });
  console.log(formatTable(gossipTable(rows)));
  console.log(`\n${formatChecks(gossipChecks(rows))}`);
  console.log(`\nNotes\n${NOTES.map((n) => `  - ${n}`).join('\n')}`);
  console.log(`\nwall time ${fmt((performance.now() - started) / 1000, 1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
