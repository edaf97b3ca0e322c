/**
 * The peer table as pure functions (memberlist's state layer): how a node folds device lists that peers
 * send back into its own. Entries are immutable values; nothing here mutates an argument.
 */
import type { DeviceEntry } from '../device-entry.js';

/** Parsed stamps: `Number()` of a decimal string costs ~75 ns and every answer repeats the same stamps. */
const STAMPS = new Map<string, number>();

/** `time stamp` as seconds; an empty or malformed stamp is older than any real one. */
export function stampValue(stamp: string): number {
  let value = STAMPS.get(stamp);
  if (value === undefined) {
    value = Number(stamp);
    if (stamp.trim() === '' || !Number.isFinite(value)) value = Number.NEGATIVE_INFINITY;
    if (STAMPS.size >= 65_536) STAMPS.clear();
    STAMPS.set(stamp, value);
  }
  return value;
}

/**
 * True when `received` is strictly newer than `current`. Stamps of one MAC all come from that node's own
 * clock, so comparing them numerically is meaningful; equal stamps keep what we have.
 */
export function isNewer(received: DeviceEntry, current: DeviceEntry): boolean {
  const a = received['time stamp'];
  const b = current['time stamp'];
  return a !== b && stampValue(a) > stampValue(b);
}

/** Position of the FIRST entry of each MAC (the original api.php updates the first match). */
export function macIndex(list: readonly DeviceEntry[]): Map<string, number> {
  const index = new Map<string, number>();
  list.forEach((entry, i) => {
    if (!index.has(entry.mac)) index.set(entry.mac, i);
  });
  return index;
}

export interface MergeResult {
  /** The merged list; the same array as the input when nothing changed. */
  list: readonly DeviceEntry[];
  /** The received entries that were appended or replaced an older one, in received order. */
  changed: DeviceEntry[];
}

export interface MergeOptions {
  /**
   * The MAC position index of `list` (`macIndex(list)`), kept by a caller that merges often; it is
   * updated in place for appended MACs, so the caller must keep the returned list.
   */
  index?: Map<string, number>;
  /** Our own MAC: a node is the only authority on its own entry, so entries of it are never learned. */
  selfMac?: string;
}

/**
 * Merges a list a peer answered with (pull), per MAC: an unknown MAC is appended (in received order), a
 * known MAC is replaced in place only by a numerically newer `time stamp`, and nothing is ever removed or
 * reordered. Entries are immutable values, so received ones are stored as they are (not copied).
 */
export function mergeLearned(
  list: readonly DeviceEntry[],
  received: readonly DeviceEntry[],
  options: MergeOptions = {},
): MergeResult {
  const index = options.index ?? macIndex(list);
  let next: DeviceEntry[] | undefined;
  const changed: DeviceEntry[] = [];
  for (const entry of received) {
    if (entry.mac === options.selfMac) continue;
    const at = index.get(entry.mac);
    if (at !== undefined) {
      const current = (next ?? list)[at];
      if (current === entry || !isNewer(entry, current)) continue;
    }
    next ??= [...list];
    if (at === undefined) {
      index.set(entry.mac, next.length);
      next.push(entry);
    } else {
      next[at] = entry;
    }
    changed.push(entry);
  }
  return { list: next ?? list, changed };
}

/**
 * A canonical form of a peer address for comparisons: trimmed, lower case, without the default `:80`
 * and without brackets around a bare IPv6 address. `1.2.3.4`, ` 1.2.3.4:80` and `1.2.3.4:80 ` match.
 */
export function addressKey(address: string): string {
  const key = address.trim().toLowerCase();
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(key);
  if (v6) return v6[2] === undefined || v6[2] === '80' ? v6[1] : `[${v6[1]}]:${v6[2]}`;
  return /^[^:]*:80$/.test(key) ? key.slice(0, -3) : key;
}

/** True when two addresses name the same HTTP endpoint (see `addressKey`). */
export function sameAddress(a: string, b: string): boolean {
  return a === b || addressKey(a) === addressKey(b);
}

/** What a node remembers about one peer address (times are the local clock, ms). */
export interface PeerLiveness {
  firstSeen: number;
  lastPosted?: number;
  lastAnswered?: number;
  /** The last sign of life: it answered us, posted to us, or its entry carried this stamp (capped at now). */
  lastHeard?: number;
  /** Failed posts since the last answer. */
  failures: number;
}

/**
 * Where the Disseminator keeps peer states: `get` returns the live record, which it updates in place
 * (`set` only adds one). In memory by default; a store that also writes them to disk can restore them.
 */
export interface PeerLivenessStore {
  get(address: string): PeerLiveness | undefined;
  set(address: string, state: PeerLiveness): void;
  delete(address: string): void;
  entries(): Iterable<[string, PeerLiveness]>;
}

export class MemoryPeerLiveness extends Map<string, PeerLiveness> implements PeerLivenessStore {}

export type PeerStatus = 'fresh' | 'stale' | 'dropped';

/** Silent under `staleAfterMs`: fresh; under `dropAfterMs`: stale; else dropped (never heard: since firstSeen). */
export function peerStatus(
  state: PeerLiveness,
  now: number,
  limits: { staleAfterMs: number; dropAfterMs: number },
): PeerStatus {
  const silent = now - (state.lastHeard ?? state.firstSeen);
  return silent < limits.staleAfterMs ? 'fresh' : silent < limits.dropAfterMs ? 'stale' : 'dropped';
}
