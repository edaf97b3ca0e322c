/**
 * The point-of-entry rule, pure: candidates in, decision out. No I/O, no clock of its own.
 *
 * `compatible` is solarProtocol.py exactly: this node is POE unless some peer's value is strictly greater
 * (ties make every tied node POE; a peer that did not answer counts as -1, so it never wins).
 *
 * `stable` (the default) makes every node that sees the same values agree on one holder and keeps the
 * name still near a tie: samples older than `maxSampleAgeSeconds` do not compete; ranking is higher
 * metric, then lower MAC; a challenger replaces the holder only when it beats the holder's metric by
 * `margin` (10 % by default) and the holder has held for `holdSeconds`. A holder that stops competing
 * (unreachable, stale) is replaced at once by the best candidate.
 */

export type ElectionMode = 'stable' | 'compatible';

export interface ElectionRules {
  mode: ElectionMode;
  maxSampleAgeSeconds: number;
  /** A sample dated further ahead than this is invalid (a clock that is wrong cannot be trusted). */
  maxClockSkewSeconds: number;
  /** 0.1 = a challenger needs 10 % more than the holder. */
  margin: number;
  holdSeconds: number;
}

export type CandidateStatus = 'ok' | 'unreachable' | 'unparsable' | 'invalid' | 'no-data';

export interface Candidate {
  mac: string;
  name: string;
  /** The address the metric was fetched from (this node: its own advertised address). */
  address: string;
  self: boolean;
  /** The metric, or undefined when there is none (the original's -1). */
  metric: number | undefined;
  /** When the sample was taken (ms since the epoch), if known. */
  sampledAt?: number;
  status: CandidateStatus;
  /** Why there is no metric (an error code or message), for the status endpoint. */
  error?: string;
}

export interface Holder {
  mac: string;
  /** Since when (ms since the epoch) it holds the name. */
  since: number;
}

export type Verdict = 'won' | 'lost' | 'excluded';

export interface CandidateResult extends Candidate {
  verdict: Verdict;
  reason: string;
}

export interface Decision {
  /** The point of entry after this round, if any candidate could be one. */
  winner: string | undefined;
  /** Whether this node is (one of) the point(s) of entry. */
  selfWins: boolean;
  /** The holder to remember for the next round (stable mode). */
  holder: Holder | undefined;
  /** The holder changed in this round (a new name to publish). */
  changed: boolean;
  results: CandidateResult[];
}

export const normalizeMac = (mac: string) => mac.trim().toLowerCase();

const show = (n: number) => String(Math.round(n * 1000) / 1000);

/** Higher metric first, then lower MAC: the one order every node computes the same way. */
export function rank(a: Candidate, b: Candidate): number {
  const diff = (b.metric ?? -1) - (a.metric ?? -1);
  if (diff !== 0) return diff;
  const [ma, mb] = [normalizeMac(a.mac), normalizeMac(b.mac)];
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}

function compatible(candidates: readonly Candidate[]): Decision {
  const self = candidates.find((c) => c.self);
  const value = (c: Candidate) => c.metric ?? -1;
  const results: CandidateResult[] = [];
  if (self?.metric === undefined) {
    // solarProtocol.py crashes without today's row: no decision at all.
    for (const c of candidates)
      results.push({
        ...c,
        verdict: 'excluded',
        reason: c.self ? 'no local sample: no decision' : 'not compared',
      });
    return { winner: undefined, selfWins: false, holder: undefined, changed: false, results };
  }
  const higher = candidates.filter((c) => !c.self && value(c) > value(self));
  const best = [...candidates].sort(rank)[0];
  for (const c of candidates) {
    if (c.self) {
      results.push({
        ...c,
        verdict: higher.length === 0 ? 'won' : 'lost',
        reason:
          higher.length === 0
            ? 'no peer is strictly greater'
            : `${higher.length} peer(s) strictly greater (${show(value(higher[0]))} > ${show(value(self))})`,
      });
    } else if (c.metric === undefined) {
      results.push({ ...c, verdict: 'excluded', reason: `counts as -1 (${c.status})` });
    } else {
      results.push({
        ...c,
        verdict: value(c) > value(self) ? 'won' : 'lost',
        reason: value(c) > value(self) ? 'greater than this node' : 'not greater than this node',
      });
    }
  }
  const selfWins = higher.length === 0;
  return { winner: selfWins ? self.mac : best.mac, selfWins, holder: undefined, changed: false, results };
}

function exclusion(c: Candidate, rules: ElectionRules, now: number): string | undefined {
  if (c.metric === undefined || !Number.isFinite(c.metric)) return `no metric (${c.error ?? c.status})`;
  if (c.sampledAt !== undefined && c.sampledAt - now > rules.maxClockSkewSeconds * 1000) {
    const ahead = Math.round((c.sampledAt - now) / 1000);
    return `invalid: sample dated ${ahead} s in the future (clock skew limit ${rules.maxClockSkewSeconds} s)`;
  }
  if (c.sampledAt !== undefined && now - c.sampledAt > rules.maxSampleAgeSeconds * 1000) {
    return `sample is ${Math.round((now - c.sampledAt) / 1000)} s old (limit ${rules.maxSampleAgeSeconds} s)`;
  }
  return undefined;
}

function stable(
  candidates: readonly Candidate[],
  previous: Holder | undefined,
  rules: ElectionRules,
  now: number,
): Decision {
  const excluded = new Map<Candidate, string>();
  for (const c of candidates) {
    const why = exclusion(c, rules, now);
    if (why) excluded.set(c, why);
  }
  const eligible = candidates.filter((c) => !excluded.has(c)).sort(rank);
  const best = eligible[0];
  const incumbent = previous && eligible.find((c) => normalizeMac(c.mac) === normalizeMac(previous.mac));

  let winner: Candidate | undefined;
  let holder: Holder | undefined = previous;
  let why = '';
  if (!best) {
    why = 'no candidate';
  } else if (!incumbent || !previous) {
    winner = best;
    holder = { mac: normalizeMac(best.mac), since: now };
    why = previous ? 'the previous holder is not competing' : 'no previous holder';
  } else if (best === incumbent) {
    winner = incumbent;
    why = 'holder is the best candidate';
  } else {
    const threshold = (incumbent.metric as number) * (1 + rules.margin);
    const heldFor = now - previous.since;
    if ((best.metric as number) <= threshold) {
      winner = incumbent;
      why = `challenger within the ${show(rules.margin * 100)} % margin`;
    } else if (heldFor < rules.holdSeconds * 1000) {
      winner = incumbent;
      why = `holder's minimum hold time not over (${Math.ceil((rules.holdSeconds * 1000 - heldFor) / 1000)} s left)`;
    } else {
      winner = best;
      holder = { mac: normalizeMac(best.mac), since: now };
      why = `beats the holder by more than ${show(rules.margin * 100)} %`;
    }
  }

  const results: CandidateResult[] = candidates.map((c) => {
    const out = excluded.get(c);
    if (out) return { ...c, verdict: 'excluded', reason: out };
    if (c === winner) return { ...c, verdict: 'won', reason: why };
    if (c === best) return { ...c, verdict: 'lost', reason: why };
    return { ...c, verdict: 'lost', reason: `ranked below ${best?.name || best?.mac}` };
  });
  const changed =
    winner !== undefined && normalizeMac(winner.mac) !== (previous && normalizeMac(previous.mac));
  return {
    winner: winner && normalizeMac(winner.mac),
    selfWins: winner?.self === true,
    holder: winner ? holder : previous,
    changed,
    results,
  };
}

/** One election round. `previous` is the holder remembered from the last round (stable mode). */
export function decide(
  candidates: readonly Candidate[],
  previous: Holder | undefined,
  rules: ElectionRules,
  now: number,
): Decision {
  return rules.mode === 'compatible' ? compatible(candidates) : stable(candidates, previous, rules, now);
}
