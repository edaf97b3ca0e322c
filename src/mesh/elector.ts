/**
 * One election round end to end: this node's own latest sample and every peer's (in parallel, one
 * deadline each), the rule of election.ts, the point-of-entry log, and the DNS update when this node
 * holds the name. The holder it believes in is kept in `<data>/election.json`, so a restart does not
 * reopen the question; a node with no belief asks its pimesh peers whom they hold.
 */
import { Low } from 'lowdb';
import type { Logger } from '../log.js';
import { parseNaiveDatetime } from '../readings/local-time.js';
import { AtomicJsonFile } from '../util/atomic-file.js';
import { boundedRequest, KiB } from '../util/bounded-request.js';
import type { DeviceEntry } from './device-entry.js';
import type { DnsOutcome, DnsUpdater } from './dns/updater.js';
import {
  type Candidate,
  type CandidateResult,
  type Decision,
  decide,
  type ElectionRules,
  type Holder,
  normalizeMac,
} from './election.js';
import { peerUrl } from './gossip/http-transport.js';
import { invalidMetric, parseMetric, samplePeer } from './peer-sample.js';
import type { PoeLog } from './poe-log.js';

export interface ElectorSelf {
  mac: string;
  name: string;
  /** As advertised in gossip (`host[:port]`). */
  address: string;
}

export interface ElectorOptions {
  rules: ElectionRules;
  /** `scaled-wattage` (default) or `PV-voltage`. */
  metric: string;
  timeoutMs: number;
  retries: number;
  self: () => ElectorSelf;
  /** The node's latest value of a column as chargecontroller.php echoes it ('' when there is none). */
  latest: (value: string) => string;
  peers: () => readonly DeviceEntry[];
  poeLog: PoeLog;
  /** The updater, and the bare IPv4 address to publish; absent when no DNS provider is configured. */
  dns?: { updater: DnsUpdater; address: () => string };
  /** `<data>/election.json`; in memory when absent. */
  statePath?: string;
  log: Logger;
  now?: () => number;
}

/** A peer's `GET /api/election` answer: its status and last round, a few KiB for a big mesh. */
const MAX_ELECTION_BYTES = 256 * KiB;

export interface ElectionReport {
  at: string;
  durationMs: number;
  rule: ElectionRules['mode'];
  metric: string;
  winner: string | undefined;
  winnerName: string | undefined;
  selfWins: boolean;
  changed: boolean;
  holder: { mac: string; since: string } | undefined;
  /** How the holder was known before the round: remembered, adopted from peers, or none. */
  holderSource: 'memory' | 'peers' | 'none';
  candidates: CandidateResult[];
  poeLogged?: string;
  dns?: DnsOutcome;
  /** Why the DNS update failed, when it did (never a secret). */
  dnsError?: { code: string; message: string };
}

interface ElectionState {
  holder?: Holder;
}

export class Elector {
  readonly #o: ElectorOptions;
  readonly #now: () => number;
  readonly #db: Low<ElectionState> | undefined;
  #holder: Holder | undefined;
  #last: ElectionReport | undefined;
  #running: Promise<ElectionReport> | undefined;
  #rounds = 0;

  constructor(options: ElectorOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#db = options.statePath
      ? new Low(new AtomicJsonFile<ElectionState>(options.statePath), {})
      : undefined;
  }

  async load(): Promise<void> {
    await this.#o.poeLog.load();
    try {
      await this.#db?.read();
      const h = this.#db?.data.holder;
      if (h && typeof h.mac === 'string' && typeof h.since === 'number') this.#holder = h;
    } catch (error) {
      this.#o.log.warn({ err: error }, 'election state unreadable: starting without a holder');
    }
  }

  last(): ElectionReport | undefined {
    return this.#last;
  }

  holder(): Holder | undefined {
    return this.#holder;
  }

  /** Rounds completed since start. */
  rounds(): number {
    return this.#rounds;
  }

  /** One round; concurrent calls share it. */
  run(): Promise<ElectionReport> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #selfCandidate(me: ElectorSelf): Candidate {
    const base = { mac: normalizeMac(me.mac), name: me.name, address: me.address, self: true };
    const text = this.#o.latest(this.#o.metric);
    const metric = parseMetric(text);
    if (metric === undefined) {
      return { ...base, metric: undefined, status: 'no-data', error: "no sample in today's file" };
    }
    const invalid = invalidMetric(metric);
    if (invalid) return { ...base, metric: undefined, status: 'invalid', error: invalid };
    const sampledAt = parseNaiveDatetime(this.#o.latest('datetime'));
    return { ...base, metric, status: 'ok', ...(sampledAt === undefined ? {} : { sampledAt }) };
  }

  #peerRefs(selfMac: string) {
    const seen = new Set<string>([selfMac]);
    const refs = [];
    for (const e of this.#o.peers()) {
      const mac = normalizeMac(e.mac);
      if (seen.has(mac) || !e.ip) continue;
      seen.add(mac);
      refs.push({ mac, name: e.name, address: e.ip, tz: e.tz || undefined });
    }
    return refs;
  }

  async #run(): Promise<ElectionReport> {
    const started = this.#now();
    const me = this.#self();
    const o = this.#o;
    const stable = o.rules.mode === 'stable';
    const refs = this.#peerRefs(me.mac);
    const ask = stable && this.#holder === undefined;
    const [peers, views] = await Promise.all([
      Promise.all(
        refs.map((peer) =>
          samplePeer(peer, {
            metric: o.metric,
            withTime: stable,
            timeoutMs: o.timeoutMs,
            retries: o.retries,
          }),
        ),
      ),
      ask ? Promise.all(refs.map((peer) => this.#peerHolder(peer.address))) : [],
    ]);
    const candidates = [this.#selfCandidate(me), ...peers];
    let holderSource: ElectionReport['holderSource'] = this.#holder ? 'memory' : 'none';
    let previous = this.#holder;
    if (ask) {
      previous = adoptHolder(views, candidates);
      if (previous) holderSource = 'peers';
    }
    const now = this.#now();
    const decision = decide(candidates, previous, o.rules, now);
    const report = await this.#act(decision, started, holderSource);
    this.#last = report;
    this.#rounds++;
    return report;
  }

  #self(): ElectorSelf {
    const me = this.#o.self();
    return { ...me, mac: normalizeMac(me.mac) };
  }

  async #act(decision: Decision, started: number, holderSource: ElectionReport['holderSource']) {
    const o = this.#o;
    if (decision.holder?.mac !== this.#holder?.mac || decision.holder?.since !== this.#holder?.since) {
      this.#holder = decision.holder;
      if (this.#db) {
        this.#db.data = { holder: decision.holder };
        await this.#db.write().catch((error) => o.log.warn({ err: error }, 'could not save election state'));
      }
    }
    const winner = decision.results.find((r) => normalizeMac(r.mac) === decision.winner);
    const report: ElectionReport = {
      at: new Date(started).toISOString(),
      durationMs: this.#now() - started,
      rule: o.rules.mode,
      metric: o.metric,
      winner: decision.winner,
      winnerName: winner?.name,
      selfWins: decision.selfWins,
      changed: decision.changed,
      holder: decision.holder && {
        mac: decision.holder.mac,
        since: new Date(decision.holder.since).toISOString(),
      },
      holderSource,
      candidates: decision.results,
    };
    if (decision.selfWins) {
      report.poeLogged = await o.poeLog.append(new Date(this.#now()));
      if (o.dns) {
        report.dns = await o.dns.updater.ensure(o.dns.address());
        const failure = o.dns.updater.status().lastError;
        if (report.dns === 'failed' && failure)
          report.dnsError = { code: failure.code, message: failure.message };
      }
    } else {
      o.dns?.updater.release();
    }
    const level = decision.changed ? 'info' : 'debug';
    o.log[level](
      {
        winner: report.winnerName ?? report.winner,
        selfWins: report.selfWins,
        candidates: report.candidates.map((c) => `${c.name || c.mac}=${c.metric ?? -1}:${c.verdict}`),
        dns: report.dns,
      },
      decision.changed ? 'point of entry changed' : 'election round',
    );
    return report;
  }

  /** Whom a pimesh peer holds (`GET /api/election`); undefined for original nodes and failures. */
  async #peerHolder(address: string): Promise<Holder | undefined> {
    try {
      const url = peerUrl(address).replace('/v1/api.php', '/election');
      const answer = await boundedRequest(url, {
        timeoutMs: this.#o.timeoutMs,
        maxBytes: MAX_ELECTION_BYTES,
      });
      if (answer.statusCode !== 200) return undefined;
      const body = JSON.parse(answer.body) as { holder?: { mac?: unknown; since?: unknown } };
      const since = Date.parse(String(body.holder?.since));
      if (typeof body.holder?.mac !== 'string' || Number.isNaN(since)) return undefined;
      return { mac: normalizeMac(body.holder.mac), since };
    } catch {
      return undefined;
    }
  }
}

/** The holder most peers name, among those still competing; ties go to the earlier `since`. */
export function adoptHolder(
  views: readonly (Holder | undefined)[],
  candidates: readonly Candidate[],
): Holder | undefined {
  const competing = new Set(candidates.filter((c) => c.metric !== undefined).map((c) => normalizeMac(c.mac)));
  const votes = new Map<string, { count: number; since: number }>();
  for (const v of views) {
    if (!v || !competing.has(v.mac)) continue;
    const entry = votes.get(v.mac) ?? { count: 0, since: v.since };
    entry.count++;
    entry.since = Math.min(entry.since, v.since);
    votes.set(v.mac, entry);
  }
  let best: Holder | undefined;
  let bestCount = 0;
  for (const [mac, { count, since }] of votes) {
    if (count > bestCount || (count === bestCount && best && since < best.since)) {
      best = { mac, since };
      bestCount = count;
    }
  }
  return best;
}
