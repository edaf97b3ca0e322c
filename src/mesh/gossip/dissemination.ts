/**
 * Dissemination for ONE node (memberlist's gossip layer), over the unchanged Solar Protocol wire: a POST
 * carries only our own entry, the answer is the receiver's whole list. Each round we
 *
 * 1. apply our own entry to our list (the original posts to localhost), with a stamp that only grows;
 * 2. post it to the seeds (every round in small meshes, ~`seedLoad` posts per round to a seed in big
 *    ones), to `fanout` fresh peers round-robin over a shuffled cycle, and to `staleProbes` stale ones;
 * 3. merge every answer by the pull rule (newer stamp per MAC wins, nothing deleted), then follow up to
 *    `followLimit` addresses we first saw in those answers, each once.
 *
 * A round whose own address changed posts to `announceFanout` peers and every seed. Original nodes
 * need nothing from us: they keep posting to everyone, and the HTTP route answers them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { type DeviceEntry, deviceEntry } from '../device-entry.js';
import {
  DEFAULT_DISSEMINATION,
  type DisseminationOptions,
  type DisseminatorDeps,
  type RoundReport,
  shuffle,
  validateDissemination,
} from './dissemination-options.js';
import { errorCode, isTransient } from './errors.js';
import {
  addressKey,
  MemoryPeerLiveness,
  type PeerLiveness,
  type PeerLivenessStore,
  peerStatus,
  stampValue,
} from './peer-table.js';
import { entryForm, type GossipForm } from './transport.js';

export {
  DEFAULT_DISSEMINATION,
  type DisseminationOptions,
  type DisseminatorDeps,
  MemoryPeerLiveness,
  type PeerListStore,
  type PeerLiveness,
  type PeerLivenessStore,
  type RoundReport,
  type SelfInfo,
  shuffle,
} from './dissemination-options.js';

/** Runs `fn` over `items` with at most `limit` in flight; `fn` must not reject. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Forgetting happens on a scale of weeks; looking for what to forget hourly is plenty. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export class Disseminator {
  readonly options: Readonly<DisseminationOptions>;
  readonly #deps: DisseminatorDeps;
  readonly #peers: PeerLivenessStore;
  readonly #rng: () => number;
  readonly #clock: () => number;
  readonly #keys = new Map<string, string>();
  #cycle: string[] = [];
  #cursor = 0;
  #lastIp: string | undefined;
  #lastStamp = Number.NEGATIVE_INFINITY;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: DisseminatorDeps) {
    this.#deps = deps;
    const fanout = deps.options?.fanout ?? DEFAULT_DISSEMINATION.fanout;
    this.options = validateDissemination({ ...DEFAULT_DISSEMINATION, followLimit: fanout, ...deps.options });
    this.#peers = deps.peers ?? new MemoryPeerLiveness();
    this.#rng = deps.rng ?? Math.random;
    this.#clock = deps.clock ?? Date.now;
  }

  /** One gossip round. Rounds never overlap: a call made during a round runs after it. */
  round(options: { announce?: boolean } = {}): Promise<RoundReport> {
    const run = this.#queue.then(() => this.#round(options.announce === true));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Our address (or name, tz) changed: announce at once to `announceFanout` peers and the seeds. */
  selfChanged(): Promise<RoundReport> {
    return this.round({ announce: true });
  }

  /**
   * Exchanges one authenticated POST with `address` now (a node found on the LAN): our entry goes
   * there, its answer is merged by the pull rule. Only what it answers enters the list.
   */
  contact(address: string): Promise<RoundReport> {
    const run = this.#queue.then(async () => {
      const me = await this.#deps.self();
      const entry = deviceEntry({ ...me, 'time stamp': this.#nextStamp(this.#clock()), log: [...me.log] });
      await this.#deps.store.postSelf(entry);
      const report: RoundReport = {
        posted: [],
        answered: [],
        failed: [],
        learned: 0,
        followed: [],
        announce: false,
      };
      await this.#post(address, entryForm(entry, this.#deps.apiKey), me.mac, report, () => undefined);
      return report;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A peer posted to us (the HTTP route calls this): it is alive. */
  heard(address: string): void {
    this.#state(address).lastHeard = this.#clock();
  }

  async #round(forceAnnounce: boolean): Promise<RoundReport> {
    const o = this.options;
    const now = this.#clock();
    const me = await this.#deps.self();
    if (this.#lastIp === undefined) this.#restore(me.mac);
    const selfKey = this.#key(me.ip);
    const announce = forceAnnounce || (this.#lastIp !== undefined && this.#key(this.#lastIp) !== selfKey);
    const entry = deviceEntry({ ...me, 'time stamp': this.#nextStamp(now), log: [...me.log] });
    await this.#deps.store.postSelf(entry);
    this.#lastIp = me.ip;
    const form = entryForm(entry, this.#deps.apiKey);
    const known = new Set<string>();
    const skip = (e: DeviceEntry) =>
      e.mac === me.mac || e.ip === '' || known.has(e.ip) || e.ip === me.ip || this.#key(e.ip) === selfKey;

    // Every other node's address and status; its own stamp is a sign of life too (capped at our clock).
    const fresh: string[] = [];
    const stale: string[] = [];
    for (const e of this.#deps.store.list()) {
      if (skip(e)) continue;
      known.add(e.ip);
      const state = this.#state(e.ip, now);
      const heard = Math.min(now, stampValue(e['time stamp']) * 1000);
      if (heard > (state.lastHeard ?? Number.NEGATIVE_INFINITY)) state.lastHeard = heard;
      const status = peerStatus(state, now, o);
      if (status === 'fresh') fresh.push(e.ip);
      else if (status === 'stale') stale.push(e.ip);
    }

    // Seeds (load-limited, see `seedLoad`), then the fanout, then stale probes.
    const seeds = (this.#deps.seeds ?? []).filter((a) => a !== me.ip && this.#key(a) !== selfKey);
    const seedChance = announce || fresh.length < o.fanout ? 1 : o.seedLoad / fresh.length;
    const chosen = new Set(seeds.filter(() => seedChance >= 1 || this.#rng() < seedChance));
    for (const a of seeds) known.add(a);
    for (const a of this.#pick(announce ? o.announceFanout : o.fanout, fresh, chosen)) chosen.add(a);
    const lastPosted = (a: string) => this.#state(a).lastPosted ?? 0;
    const probes = stale.filter((a) => !chosen.has(a)).sort((a, b) => lastPosted(a) - lastPosted(b));
    for (const a of probes.slice(0, o.staleProbes)) chosen.add(a);

    // Post; addresses first seen in the answers are followed, at most `followLimit` per round.
    const report: RoundReport = { posted: [], answered: [], failed: [], learned: 0, followed: [], announce };
    const candidates: string[] = [];
    const onLearned = (changed: readonly DeviceEntry[]) => {
      for (const e of changed) {
        if (skip(e)) continue;
        known.add(e.ip);
        candidates.push(e.ip);
      }
    };
    const post = (address: string) => this.#post(address, form, me.mac, report, onLearned);
    await eachLimited([...chosen], o.concurrency, post);
    while (report.followed.length < o.followLimit && candidates.length > 0) {
      shuffle(candidates, this.#rng);
      const wave = candidates.splice(0, o.followLimit - report.followed.length);
      report.followed.push(...wave);
      await eachLimited(wave, o.concurrency, post);
    }
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      this.#prune(now, known);
    }
    return report;
  }

  /** Posts to one peer and merges its answer; never rejects (failures land in the report). */
  async #post(
    address: string,
    form: GossipForm,
    ownMac: string,
    report: RoundReport,
    onLearned: (changed: readonly DeviceEntry[]) => void,
  ): Promise<void> {
    const state = this.#state(address);
    state.lastPosted = this.#clock();
    report.posted.push(address);
    let answer: readonly DeviceEntry[] | undefined;
    try {
      answer = await this.#send(address, form);
    } catch (error) {
      state.failures++;
      report.failed.push({ address, code: errorCode(error) });
      this.#deps.log?.debug({ peer: address, err: error }, 'gossip post failed');
      return;
    }
    state.lastAnswered = state.lastHeard = this.#clock();
    state.failures = 0;
    report.answered.push(address);
    if (!answer || answer.length === 0) return;
    try {
      const changed = await this.#deps.store.mergeLearned(answer, ownMac);
      report.learned += changed.length;
      onLearned(changed);
    } catch (error) {
      this.#deps.log?.warn({ peer: address, err: error }, 'could not merge a gossip answer');
    }
  }

  /** One POST; a transient failure is retried with backoff (p-retry), anything else rejects at once. */
  async #send(address: string, form: GossipForm): Promise<readonly DeviceEntry[] | undefined> {
    const post = () => this.#deps.transport.post(address, form);
    try {
      return await post();
    } catch (error) {
      if (this.options.retries === 0 || !isTransient(error)) throw error;
      const { retries, retryMinTimeoutMs } = this.options;
      await sleep(retryMinTimeoutMs * (1 + this.#rng()));
      return pRetry(post, {
        retries: retries - 1,
        minTimeout: retryMinTimeoutMs * 2,
        randomize: true,
        shouldRetry: ({ error: e }) => isTransient(e),
      });
    }
  }

  /**
   * Up to `k` of `eligible` not in `exclude`, round-robin over a shuffled cycle that is reshuffled when
   * used up: every eligible peer is picked within ceil(eligible/k) rounds.
   */
  #pick(k: number, eligible: readonly string[], exclude: ReadonlySet<string>): string[] {
    const want = Math.min(k, eligible.length);
    if (want <= 0) return [];
    const ok = new Set(eligible);
    const picked = new Set<string>();
    let rebuilt = false;
    while (picked.size < want) {
      if (this.#cursor >= this.#cycle.length) {
        if (rebuilt) break;
        this.#cycle = shuffle([...eligible], this.#rng);
        this.#cursor = 0;
        rebuilt = true;
      }
      const address = this.#cycle[this.#cursor++];
      if (ok.has(address) && !exclude.has(address)) picked.add(address);
    }
    return [...picked];
  }

  /** After a restart: our last stamp and address as the list has them (the address may have moved since). */
  #restore(mac: string): void {
    const own = this.#deps.store.list().find((e) => e.mac === mac);
    if (!own) return;
    this.#lastStamp = stampValue(own['time stamp']);
    this.#lastIp = own.ip;
  }

  /** A stamp strictly newer than every one we posted before, even when the clock stepped back. */
  #nextStamp(now: number): string {
    const stamp = Math.max(now / 1000, this.#lastStamp + 0.001);
    this.#lastStamp = stamp;
    return String(stamp);
  }

  /** Forgets addresses no longer in the list once they have been silent for `dropAfterMs`. */
  #prune(now: number, known: ReadonlySet<string>): void {
    for (const [address, state] of this.#peers.entries()) {
      const last = Math.max(state.lastHeard ?? state.firstSeen, state.lastPosted ?? 0);
      if (!known.has(address) && now - last >= this.options.dropAfterMs) this.#peers.delete(address);
    }
  }

  #state(address: string, now = this.#clock()): PeerLiveness {
    let state = this.#peers.get(address);
    if (!state) {
      state = { firstSeen: now, failures: 0 };
      this.#peers.set(address, state);
    }
    return state;
  }

  #key(address: string): string {
    let key = this.#keys.get(address);
    if (key === undefined) {
      if (this.#keys.size > 10_000) this.#keys.clear();
      key = addressKey(address);
      this.#keys.set(address, key);
    }
    return key;
  }
}
