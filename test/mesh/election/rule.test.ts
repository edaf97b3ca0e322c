import test from 'ava';
import { type Candidate, decide, type ElectionRules, type Holder } from '../../../src/mesh/election.js';

const STABLE: ElectionRules = {
  mode: 'stable',
  maxSampleAgeSeconds: 600,
  maxClockSkewSeconds: 120,
  margin: 0.1,
  holdSeconds: 900,
};
const COMPATIBLE: ElectionRules = { ...STABLE, mode: 'compatible' };
const NOW = Date.UTC(2026, 5, 21, 12, 0, 0);
const MIN = 60_000;

function node(mac: string, metric: number | undefined, extra: Partial<Candidate> = {}): Candidate {
  return {
    mac,
    name: `node ${mac.slice(-2)}`,
    address: `10.0.0.${Number.parseInt(mac.slice(-2), 16)}`,
    self: false,
    metric,
    sampledAt: NOW - MIN,
    status: metric === undefined ? 'unreachable' : 'ok',
    ...extra,
  };
}
const self = (metric: number | undefined, extra: Partial<Candidate> = {}) =>
  node('b8:27:eb:00:00:01', metric, {
    self: true,
    status: metric === undefined ? 'no-data' : 'ok',
    ...extra,
  });
const A = 'b8:27:eb:00:00:0a';
const B = 'b8:27:eb:00:00:0b';

// --- compatible mode: solarProtocol.py, checklist 26 ---

test('compatible: this node is POE when no peer is strictly greater', (t) => {
  const d = decide([self(3.2), node(A, 3.1), node(B, 0)], undefined, COMPATIBLE, NOW);
  t.true(d.selfWins);
  t.is(d.results[0].verdict, 'won');
});

test('compatible: a strictly greater peer takes it from this node', (t) => {
  const d = decide([self(3.2), node(A, 3.3)], undefined, COMPATIBLE, NOW);
  t.false(d.selfWins);
  t.is(d.winner, A);
});

test('compatible: ties make every tied node POE, as the original', (t) => {
  const onSelf = decide([self(2), node(A, 2)], undefined, COMPATIBLE, NOW);
  const onA = decide(
    [
      { ...node(A, 2), self: true },
      { ...self(2), self: false },
    ],
    undefined,
    COMPATIBLE,
    NOW,
  );
  t.true(onSelf.selfWins);
  t.true(onA.selfWins);
});

test('compatible: unreachable or unparsable peers count as -1 and never win', (t) => {
  const d = decide(
    [self(0), node(A, undefined), node(B, undefined, { status: 'unparsable' })],
    undefined,
    COMPATIBLE,
    NOW,
  );
  t.true(d.selfWins);
  t.deepEqual(
    d.results.slice(1).map((r) => r.verdict),
    ['excluded', 'excluded'],
  );
});

test('compatible: stale samples still compete (the original has no staleness check)', (t) => {
  const d = decide([self(1), node(A, 5, { sampledAt: NOW - 24 * 60 * MIN })], undefined, COMPATIBLE, NOW);
  t.false(d.selfWins);
});

test('compatible: without a local sample there is no decision (the original crashes)', (t) => {
  const d = decide([self(undefined), node(A, 5)], undefined, COMPATIBLE, NOW);
  t.false(d.selfWins);
  t.is(d.winner, undefined);
});

// --- stable mode ---

test('stable: ties are broken by the lower MAC, so exactly one node wins everywhere', (t) => {
  const views = [
    decide([self(2), node(A, 2), node(B, 2)], undefined, STABLE, NOW),
    decide([{ ...self(2), self: false }, { ...node(A, 2), self: true }, node(B, 2)], undefined, STABLE, NOW),
    decide([{ ...self(2), self: false }, node(A, 2), { ...node(B, 2), self: true }], undefined, STABLE, NOW),
  ];
  t.deepEqual(
    views.map((d) => d.winner),
    ['b8:27:eb:00:00:01', 'b8:27:eb:00:00:01', 'b8:27:eb:00:00:01'],
  );
  t.deepEqual(
    views.map((d) => d.selfWins),
    [true, false, false],
  );
});

test('stable: MACs compare case-insensitively and trimmed', (t) => {
  const d = decide([self(1), node(' B8:27:EB:00:00:00\n', 1)], undefined, STABLE, NOW);
  t.is(d.winner, 'b8:27:eb:00:00:00');
});

test('stable: a sample older than the limit does not compete', (t) => {
  const d = decide([self(1), node(A, 9, { sampledAt: NOW - 11 * MIN })], undefined, STABLE, NOW);
  t.true(d.selfWins);
  t.is(d.results[1].verdict, 'excluded');
  t.regex(d.results[1].reason, /sample is 660 s old \(limit 600 s\)/);
});

test('stable: this node with a stale own sample does not compete either', (t) => {
  const d = decide([self(9, { sampledAt: NOW - 20 * MIN }), node(A, 1)], undefined, STABLE, NOW);
  t.is(d.winner, A);
});

test('stable: a peer whose sample time is unknown competes', (t) => {
  const d = decide([self(1), node(A, 2, { sampledAt: undefined })], undefined, STABLE, NOW);
  t.is(d.winner, A);
});

test('stable: unreachable peers never win, even as holder', (t) => {
  const holder: Holder = { mac: A, since: NOW - 60 * MIN };
  const d = decide([self(1), node(A, undefined)], holder, STABLE, NOW);
  t.true(d.selfWins);
  t.true(d.changed);
  t.is(d.results[1].verdict, 'excluded');
  t.regex(d.results[0].reason, /previous holder is not competing/);
});

test('stable: nobody with a metric means no winner and the holder is kept', (t) => {
  const holder: Holder = { mac: A, since: NOW - MIN };
  const d = decide([self(undefined), node(A, undefined)], holder, STABLE, NOW);
  t.is(d.winner, undefined);
  t.deepEqual(d.holder, holder);
  t.false(d.changed);
});

test('stable: hysteresis keeps the holder when the challenger is within the margin', (t) => {
  const holder: Holder = { mac: A, since: NOW - 60 * MIN };
  const d = decide([self(10.9), node(A, 10)], holder, STABLE, NOW);
  t.is(d.winner, A);
  t.false(d.selfWins);
  t.regex(d.results[0].reason, /within the 10 % margin/);
});

test('stable: a challenger beyond the margin takes over once the hold time is over', (t) => {
  const holder: Holder = { mac: A, since: NOW - 15 * MIN };
  const d = decide([self(11.1), node(A, 10)], holder, STABLE, NOW);
  t.true(d.selfWins);
  t.true(d.changed);
  t.deepEqual(d.holder, { mac: 'b8:27:eb:00:00:01', since: NOW });
});

test('stable: the minimum hold time keeps the holder even against a clear challenger', (t) => {
  const holder: Holder = { mac: A, since: NOW - 14 * MIN };
  const d = decide([self(50), node(A, 10)], holder, STABLE, NOW);
  t.is(d.winner, A);
  t.false(d.changed);
  t.regex(d.results[0].reason, /minimum hold time not over \(60 s left\)/);
});

test('stable: the hold time does not protect a holder that stopped competing', (t) => {
  const holder: Holder = { mac: A, since: NOW - MIN };
  const d = decide([self(1), node(A, 10, { sampledAt: NOW - 30 * MIN })], holder, STABLE, NOW);
  t.true(d.selfWins);
});

test('stable: a holder at 0 W loses to any positive challenger after the hold time (dawn)', (t) => {
  const holder: Holder = { mac: A, since: NOW - 60 * MIN };
  t.true(decide([self(0.01), node(A, 0)], holder, STABLE, NOW).selfWins);
  t.false(decide([self(0), node(A, 0)], holder, STABLE, NOW).selfWins);
});

test('stable: with no previous holder the best candidate is taken at once', (t) => {
  const d = decide([self(1), node(A, 1.05), node(B, 0.5)], undefined, STABLE, NOW);
  t.is(d.winner, A);
  t.deepEqual(d.holder, { mac: A, since: NOW });
  t.true(d.changed);
});

test('stable: metrics oscillating inside the margin never move the name', (t) => {
  let holder: Holder | undefined;
  let changes = 0;
  for (let round = 0; round < 100; round++) {
    const wobble = round % 2 === 0 ? 1.05 : 0.95;
    const d = decide([self(10 * wobble), node(A, 10 / wobble)], holder, STABLE, NOW + round * 5 * MIN);
    if (d.changed) changes++;
    holder = d.holder;
  }
  t.is(changes, 1); // the first round picks a holder; nothing moves after that
});

test('every candidate gets a verdict and a reason', (t) => {
  const d = decide([self(1), node(A, 2), node(B, undefined)], undefined, STABLE, NOW);
  for (const r of d.results) {
    t.true(['won', 'lost', 'excluded'].includes(r.verdict));
    t.true(r.reason.length > 0);
  }
});

test('stable: a sample dated in the future beyond the skew allowance is invalid, with the reason', (t) => {
  const d = decide([self(1), node(A, 50, { sampledAt: NOW + 10 * MIN })], undefined, STABLE, NOW);
  t.true(d.selfWins);
  const a = d.results.find((r) => r.mac === A);
  t.is(a?.verdict, 'excluded');
  t.is(a?.reason, 'invalid: sample dated 600 s in the future (clock skew limit 120 s)');
});

test('stable: a sample a little ahead (within the skew allowance) still competes', (t) => {
  const d = decide([self(1), node(A, 50, { sampledAt: NOW + MIN })], undefined, STABLE, NOW);
  t.is(d.winner, A);
});

test('stable: a non-finite metric never wins', (t) => {
  const d = decide([self(1), node(A, Number.POSITIVE_INFINITY)], undefined, STABLE, NOW);
  t.true(d.selfWins);
  t.is(d.results.find((r) => r.mac === A)?.verdict, 'excluded');
});
