import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { silentLogger } from '../../../src/log.js';
import type { DeviceEntry } from '../../../src/mesh/device-entry.js';
import type { DnsProvider } from '../../../src/mesh/dns/types.js';
import { DnsUpdater } from '../../../src/mesh/dns/updater.js';
import { Elector, type ElectorOptions } from '../../../src/mesh/elector.js';
import { PoeLog } from '../../../src/mesh/poe-log.js';
import { formatLocalDatetime } from '../../../src/readings/tracer-csv.js';
import { closedAddress, type PvPeer, startPvPeer } from '../../helpers/pv-peer.js';
import { until } from '../../helpers/until.js';

const SELF = { mac: 'b8:27:eb:00:00:01', name: 'Here', address: '127.0.0.1:8080' };

/** A provider that records what it was asked: the updater's logic is under test here, not a provider. */
function recordingProvider(): DnsProvider & { updates: string[] } {
  const updates: string[] = [];
  return {
    name: 'recording',
    target: 'poe.example.test',
    updates,
    update: async (ip) => {
      updates.push(ip);
      return 'ok';
    },
  };
}

interface Rig {
  elector: Elector;
  poeLog: PoeLog;
  provider: ReturnType<typeof recordingProvider>;
  clock: { now: number };
  local: { value: string };
  dir: string;
}

function rig(
  peers: DeviceEntry[],
  overrides: Partial<ElectorOptions> = {},
  dir = mkdtempSync(join(tmpdir(), 'pimesh-elect-')),
): Rig {
  const clock = { now: Date.now() };
  const local = { value: '5' };
  const poeLog = new PoeLog(join(dir, 'poe.log'));
  const provider = recordingProvider();
  const updater = new DnsUpdater(provider, {
    log: silentLogger(),
    minIntervalSeconds: 0,
    retries: 0,
    now: () => clock.now,
  });
  const elector = new Elector({
    rules: {
      mode: 'stable',
      maxSampleAgeSeconds: 600,
      maxClockSkewSeconds: 120,
      margin: 0.1,
      holdSeconds: 900,
    },
    metric: 'scaled-wattage',
    timeoutMs: 1000,
    retries: 0,
    self: () => SELF,
    latest: (v) => (v === 'datetime' ? formatLocalDatetime(new Date(clock.now)) : local.value),
    peers: () => peers,
    poeLog,
    dns: { updater, address: () => '127.0.0.1' },
    statePath: join(dir, 'election.json'),
    log: silentLogger(),
    now: () => clock.now,
    ...overrides,
  });
  return { elector, poeLog, provider, clock, local, dir };
}

const entry = (mac: string, peer: PvPeer | string): DeviceEntry => ({
  mac,
  ip: typeof peer === 'string' ? peer : peer.address,
  'time stamp': '1',
  name: `peer ${mac.slice(-1)}`,
  tz: 'UTC',
  log: [''],
});

test('the winner logs INFO:root:<local datetime> to poe.log and updates DNS once', async (t) => {
  const { elector, poeLog, provider, dir } = rig([]);
  await elector.load();
  const first = await elector.run();
  const second = await elector.run();
  t.true(first.selfWins && second.selfWins);
  t.is(first.dns, 'updated');
  t.is(second.dns, 'unchanged');
  t.deepEqual(provider.updates, ['127.0.0.1']);
  const lines = readFileSync(join(dir, 'poe.log'), 'utf8').trimEnd().split('\n');
  t.is(lines.length, 2);
  for (const line of lines) t.regex(line, /^INFO:root:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  t.deepEqual(poeLog.recent(), [lines[1].slice(10), lines[0].slice(10)]);
});

test('a node that loses writes nothing to poe.log and forgets its DNS record', async (t) => {
  const peer = await startPvPeer('50', new Date().toISOString().slice(0, 19).replace('T', ' '));
  t.teardown(() => peer.close());
  const { elector, provider, dir } = rig([entry('b8:27:eb:00:00:00', peer)]);
  await elector.load();
  const report = await elector.run();
  t.false(report.selfWins);
  t.is(report.winner, 'b8:27:eb:00:00:00');
  t.deepEqual(provider.updates, []);
  t.throws(() => readFileSync(join(dir, 'poe.log')));
});

test('unreachable and hanging peers are reported with the reason they lost', async (t) => {
  const hanging = await startPvPeer('99');
  hanging.hang = true;
  t.teardown(() => hanging.close());
  const { elector } = rig(
    [entry('b8:27:eb:00:00:0a', await closedAddress()), entry('b8:27:eb:00:00:0b', hanging)],
    { timeoutMs: 2000 },
  );
  await elector.load();
  const report = await elector.run();
  t.true(report.selfWins);
  t.deepEqual(
    report.candidates.map((c) => [c.status, c.verdict]),
    [
      ['ok', 'won'],
      ['unreachable', 'excluded'],
      ['unreachable', 'excluded'],
    ],
  );
  t.is(report.candidates[2].error, 'ETIMEDOUT');
  // The round gave up on the hanging peer at its timeout: it hung up on every request it had made.
  const abandoned = () => hanging.events.filter((e) => e.startsWith('abandoned')).length;
  const gaveUp = () => hanging.requests.length > 0 && abandoned() === hanging.requests.length;
  t.true(await until('the hanging peer to be given up on', gaveUp));
});

test('the holder survives a restart through election.json', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-elect-'));
  const a = rig([], {}, dir);
  await a.elector.load();
  await a.elector.run();
  const b = rig([], {}, dir);
  await b.elector.load();
  t.is(b.elector.holder()?.mac, SELF.mac);
  t.is((await b.elector.run()).holderSource, 'memory');
});

test('a node without a holder adopts the one its pimesh peers agree on', async (t) => {
  const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ');
  const p1 = await startPvPeer('5.2', stamp);
  const p2 = await startPvPeer('4', stamp);
  t.teardown(() => Promise.all([p1.close(), p2.close()]).then(() => {}));
  const since = new Date(Date.now() - 60_000).toISOString();
  p1.holder = { mac: 'b8:27:eb:00:00:0a', since };
  p2.holder = { mac: 'b8:27:eb:00:00:0a', since };
  const { elector, local } = rig([entry('b8:27:eb:00:00:0a', p1), entry('b8:27:eb:00:00:0b', p2)]);
  // The best value, but within 10 % of the holder's: a fresh node must not claim the name from it.
  local.value = '5.5';
  await elector.load();
  const report = await elector.run();
  t.is(report.holderSource, 'peers');
  t.is(report.winner, 'b8:27:eb:00:00:0a');
  t.false(report.selfWins);
});

test('a corrupt election.json starts without a holder instead of crashing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-elect-'));
  writeFileSync(join(dir, 'election.json'), '{not json');
  const { elector } = rig([], {}, dir);
  await elector.load();
  t.is(elector.holder(), undefined);
  t.true((await elector.run()).selfWins);
});
