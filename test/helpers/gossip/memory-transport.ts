/**
 * In-memory gossip for tests, the simulation bench and `--fake-hardware` (memberlist's MockNetwork): N
 * nodes in one process, each an address with a handler that answers a POST like api.php does.
 */

import { prng } from '../../../src/ingest/detections/simulate.js';
import type { DeviceEntry } from '../../../src/mesh/device-entry.js';
import type { PeerListStore } from '../../../src/mesh/gossip/dissemination.js';
import { connectionRefused, PeerError } from '../../../src/mesh/gossip/errors.js';
import { macIndex, mergeLearned } from '../../../src/mesh/gossip/peer-table.js';
import { formEntry, type GossipForm, type GossipTransport } from '../../../src/mesh/gossip/transport.js';

type Answer = readonly DeviceEntry[] | undefined;

/**
 * Answers one POST: the receiver's whole list after the merge, or `undefined` for an empty body. Throwing
 * rejects the sender's `post` with that error (a `PeerError` for a refused key, `{code: 'ECONNRESET'}`...).
 * `from` is the sender's transport address (what `REMOTE_ADDR` would say), `to` the address posted to.
 */
export type GossipHandler = (form: GossipForm, from: string, to: string) => Answer | Promise<Answer>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** ECONNREFUSED without a stack trace: it would only show this file, and simulations refuse a lot. */
function refused(address: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return connectionRefused(address);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Wires nodes by address. Answers are passed by reference, never copied: a handler returns an immutable
 * snapshot (as `MemoryPeerList.list()` does), so a message costs O(1) however long the list is.
 */
export class MemoryNetwork {
  /** POSTs to another address, delivered or refused. */
  messages = 0;
  /** POSTs a node sent to itself (`localhost`, as the original client does first); not in `messages`. */
  loopback = 0;
  /** The part of `messages` nobody listened for (ECONNREFUSED). */
  refused = 0;
  /** Entries in the answers to `messages`: what the wire carries grows with it (each answer is a list). */
  answerEntries = 0;
  /** Called for every POST before delivery (tests record who posted to whom). */
  trace: ((from: string, to: string, form: GossipForm) => void) | undefined;
  readonly #handlers = new Map<string, GossipHandler>();
  readonly #transports = new Set<MemoryTransport>();

  listen(address: string, handler: GossipHandler): void {
    this.#handlers.set(address, handler);
  }

  unlisten(address: string): void {
    this.#handlers.delete(address);
  }

  /** A node moves to another address (its IP changed): its handler and its transports follow it. */
  move(from: string, to: string): void {
    const handler = this.#handlers.get(from);
    this.#handlers.delete(from);
    if (handler) this.#handlers.set(to, handler);
    for (const transport of this.#transports) if (transport.address === from) transport.address = to;
  }

  /** The transport a node at `address` posts with; `localhost` reaches its own handler. */
  transport(address: string): MemoryTransport {
    const transport = new MemoryTransport(this, address);
    this.#transports.add(transport);
    return transport;
  }

  resetCounters(): void {
    this.messages = 0;
    this.loopback = 0;
    this.refused = 0;
    this.answerEntries = 0;
  }

  /** @internal Used by `MemoryTransport.post`. */
  async deliver(from: string, to: string, form: GossipForm): Promise<Answer> {
    const loop = to === from || LOOPBACK.has(to);
    if (loop) this.loopback++;
    else this.messages++;
    this.trace?.(from, to, form);
    const handler = this.#handlers.get(loop ? from : to);
    if (!handler) {
      this.refused++;
      throw refused(to);
    }
    const answer = await handler(form, from, to);
    if (!loop) this.answerEntries += answer?.length ?? 0;
    return answer;
  }
}

export class MemoryTransport implements GossipTransport {
  /** Where this node listens; `MemoryNetwork.move` updates it. */
  address: string;
  readonly #network: MemoryNetwork;

  constructor(network: MemoryNetwork, address: string) {
    this.#network = network;
    this.address = address;
  }

  post(address: string, form: GossipForm): Promise<Answer> {
    return this.#network.deliver(this.address, address, form);
  }
}

/**
 * A device list in memory with the two merge rules of `PeerListStore`. `list()` is an immutable snapshot
 * (a new array after every change, entries shared), kept with a MAC index so merges are O(received).
 */
export class MemoryPeerList implements PeerListStore {
  #list: readonly DeviceEntry[];
  readonly #index: Map<string, number>;

  constructor(initial: readonly DeviceEntry[] = []) {
    this.#list = [...initial];
    this.#index = macIndex(this.#list);
  }

  list(): readonly DeviceEntry[] {
    return this.#list;
  }

  /** The original api.php rule (`mergePosted`): update the first entry of that MAC in place, else append. */
  postSelf(entry: DeviceEntry): void {
    const at = this.#index.get(entry.mac);
    const next = [...this.#list];
    if (at === undefined) {
      this.#index.set(entry.mac, next.length);
      next.push(entry);
    } else {
      next[at] = entry;
    }
    this.#list = next;
  }

  /** Pull: see `mergeLearned` in peer-table.ts. Returns the entries that changed. */
  mergeLearned(entries: readonly DeviceEntry[], selfMac?: string): readonly DeviceEntry[] {
    const result = mergeLearned(this.#list, entries, { index: this.#index, selfMac });
    this.#list = result.list;
    return result.changed;
  }
}

export interface ReceiverOptions {
  /** When set, a form with another key is refused as the original does (`Wrong API Key provided.`). */
  apiKey?: string;
  /** Called after a POST was merged (a pimesh node marks the poster as alive here). */
  onPost?: (form: GossipForm, from: string) => void;
}

/**
 * The api.php receiver over a store: merge the POSTed entry by the original rule, then answer with the
 * whole list, or with an empty body when the list was empty before (as the original does).
 */
export function apiReceiver(store: PeerListStore, options: ReceiverOptions = {}): GossipHandler {
  const { apiKey, onPost } = options;
  return (form, from, to) => {
    if (apiKey !== undefined && form.api_key.trim() !== apiKey) {
      throw new PeerError('ERR_PEER_REJECTED', to, 'Wrong API Key provided.');
    }
    const wasEmpty = store.list().length === 0;
    const done = store.postSelf(formEntry(form));
    if (done instanceof Promise) {
      return done.then(() => {
        onPost?.(form, from);
        return wasEmpty ? undefined : store.list();
      });
    }
    onPost?.(form, from);
    return wasEmpty ? undefined : store.list();
  };
}

/** A small seeded PRNG (mulberry32): the one the detections simulator uses. */
export const seededRandom = prng;
