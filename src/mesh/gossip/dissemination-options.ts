/**
 * The dissemination's types, options and defaults (see dissemination.ts for the algorithm).
 */
import type { Logger } from '../../log.js';
import type { DeviceEntry } from '../device-entry.js';
import { MemoryPeerLiveness, type PeerLiveness, type PeerLivenessStore } from './peer-table.js';
import type { GossipTransport } from './transport.js';

/** The node's device list (deviceList.json in the daemon, `MemoryPeerList` in tests). Entries are immutable. */
export interface PeerListStore {
  list(): readonly DeviceEntry[];
  /**
   * Pull rule (`mergeLearned` in peer-table.ts, entries of `selfMac` skipped); resolves with the entries
   * that changed.
   */
  mergeLearned(
    entries: readonly DeviceEntry[],
    selfMac: string,
  ): Promise<readonly DeviceEntry[]> | readonly DeviceEntry[];
  /** POST rule (`mergePosted`): the node asserts its own entry; update that MAC in place, else append. */
  postSelf(entry: DeviceEntry): Promise<void> | void;
}

export { MemoryPeerLiveness, type PeerLiveness, type PeerLivenessStore };

/** What the node says about itself; the Disseminator adds the `time stamp`. */
export interface SelfInfo {
  mac: string;
  /** Public `ip[:port]` as peers should reach us. */
  ip: string;
  name: string;
  tz: string;
  log: readonly string[];
}

const DAY = 24 * 60 * 60 * 1000;

export interface DisseminationOptions {
  /** Random non-stale peers posted to per round; every peer is reached within ceil(peers/fanout) rounds. */
  fanout: number;
  /** New addresses (learned from answers this round) posted to per round, each at most once. */
  followLimit: number;
  /** Peers posted to in a round where our own address changed (seeds are always included). */
  announceFanout: number;
  /** POSTs in flight at once. */
  concurrency: number;
  /** A peer silent this long is stale: left out of the fanout, only probed (`staleProbes`). */
  staleAfterMs: number;
  /** A peer silent this long is dropped from the gossip targets (never from the device list). */
  dropAfterMs: number;
  /** Stale peers probed per round, least recently posted first, so a healed partition reconnects. */
  staleProbes: number;
  /**
   * About how many POSTs per round a seed gets from the whole mesh: a node that knows K fresh peers posts
   * to each seed with probability seedLoad/K (always while it knows fewer than `fanout`, and when it
   * announces). Meshes of up to seedLoad+1 nodes post to the seeds every round, as the original does.
   * `Infinity` posts to every seed every round.
   */
  seedLoad: number;
  /** Extra attempts for a transient failure (ECONNRESET, ETIMEDOUT, 5xx; see errors.ts). */
  retries: number;
  /** First retry delay, doubled each time and randomised (p-retry). */
  retryMinTimeoutMs: number;
}

export const DEFAULT_DISSEMINATION: Readonly<DisseminationOptions> = Object.freeze({
  fanout: 3,
  followLimit: 3,
  announceFanout: 10,
  concurrency: 4,
  staleAfterMs: 7 * DAY,
  dropAfterMs: 30 * DAY,
  staleProbes: 1,
  seedLoad: 16,
  retries: 1,
  retryMinTimeoutMs: 1000,
});

export interface DisseminatorDeps {
  self: () => SelfInfo | Promise<SelfInfo>;
  store: PeerListStore;
  transport: GossipTransport;
  apiKey: string;
  /** Posted to regardless of staleness (e.g. `solarprotocol.net`, a bootstrap peer). */
  seeds?: readonly string[];
  peers?: PeerLivenessStore;
  /** Floats in [0, 1); seeded in tests and the bench. */
  rng?: () => number;
  /** Epoch ms. */
  clock?: () => number;
  options?: Partial<DisseminationOptions>;
  log?: Logger;
}

export interface RoundReport {
  /** Every address posted to this round, in order (seeds, fanout, probes, then follows). */
  posted: string[];
  answered: string[];
  failed: { address: string; code: string }[];
  /** Entries appended or replaced by answers. */
  learned: number;
  followed: string[];
  announce: boolean;
}

/** Checks every option is an integer at or above its minimum (or Infinity); throws TypeError naming it. */
export function validateDissemination(options: DisseminationOptions): DisseminationOptions {
  for (const [key, value] of Object.entries(options)) {
    const min = key === 'concurrency' || key === 'fanout' || key === 'seedLoad' ? 1 : 0;
    const whole = Number.isInteger(value) || value === Number.POSITIVE_INFINITY;
    if (typeof value !== 'number' || !whole || value < min) {
      throw new TypeError(`Expected \`${key}\` to be an integer >= ${min} (or Infinity), got ${value}.`);
    }
  }
  return options;
}

/** Fisher–Yates with an injected rng. */
export function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
