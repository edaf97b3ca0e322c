import test from 'ava';
import { silentLogger } from '../../../src/log.js';
import { type DnsProvider, DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { DnsUpdater } from '../../../src/mesh/dns/updater.js';

/** A provider scripted per call: the updater's decisions are under test, the real providers elsewhere. */
function scripted(answers: (string | DnsUpdateError)[], record?: { ip?: string }) {
  const calls: string[] = [];
  const provider: DnsProvider = {
    name: 'scripted',
    target: 'poe.example.test',
    ...(record ? { current: async () => record.ip } : {}),
    update: async (ip) => {
      calls.push(ip);
      const next = answers.shift() ?? 'ok';
      if (next instanceof DnsUpdateError) throw next;
      if (record) record.ip = ip;
      return next;
    },
  };
  return { provider, calls };
}

const options = (clock: { now: number }) => ({
  log: silentLogger(),
  minIntervalSeconds: 300,
  retries: 2,
  retryMinMs: 10,
  now: () => clock.now,
});

test('an update is sent only when the remembered record would change', async (t) => {
  const clock = { now: 0 };
  const { provider, calls } = scripted([]);
  const updater = new DnsUpdater(provider, options(clock));
  t.is(await updater.ensure('192.0.2.1'), 'updated');
  clock.now += 1000_000;
  t.is(await updater.ensure('192.0.2.1'), 'unchanged');
  t.deepEqual(calls, ['192.0.2.1']);
  t.is(updater.status().updates, 1);
});

test('a provider lookup is trusted over memory: a record changed by another node is put back', async (t) => {
  const clock = { now: 0 };
  const record = { ip: '192.0.2.9' };
  const { provider, calls } = scripted([], record);
  const updater = new DnsUpdater(provider, options(clock));
  t.is(await updater.ensure('192.0.2.9'), 'unchanged');
  record.ip = '192.0.2.7';
  clock.now += 1000_000;
  t.is(await updater.ensure('192.0.2.9'), 'updated');
  t.deepEqual(calls, ['192.0.2.9']);
});

test('after release() the next win updates again even without a lookup', async (t) => {
  const clock = { now: 0 };
  const { provider, calls } = scripted([]);
  const updater = new DnsUpdater(provider, options(clock));
  await updater.ensure('192.0.2.1');
  updater.release();
  clock.now += 1000_000;
  t.is(await updater.ensure('192.0.2.1'), 'updated');
  t.is(calls.length, 2);
});

test('at most one update per interval: a second change inside it is deferred', async (t) => {
  const clock = { now: 0 };
  const { provider, calls } = scripted([]);
  const updater = new DnsUpdater(provider, options(clock));
  await updater.ensure('192.0.2.1');
  clock.now += 299_000;
  t.is(await updater.ensure('192.0.2.2'), 'deferred');
  clock.now += 1000;
  t.is(await updater.ensure('192.0.2.2'), 'updated');
  t.deepEqual(calls, ['192.0.2.1', '192.0.2.2']);
});

test('transient failures are retried with backoff, then succeed', async (t) => {
  const clock = { now: 0 };
  const down = () => new DnsUpdateError('scripted', 'ERR_DNS_UNREACHABLE', 'connection refused');
  const { provider, calls } = scripted([down(), down(), 'good']);
  const updater = new DnsUpdater(provider, options(clock));
  t.is(await updater.ensure('192.0.2.1'), 'updated');
  t.is(calls.length, 3);
  t.is(updater.status().lastAnswer, 'good');
  t.is(updater.status().consecutiveFailures, 0);
});

test('an auth failure is not retried and is reported in the status', async (t) => {
  const clock = { now: 0 };
  const { provider, calls } = scripted([new DnsUpdateError('scripted', 'ERR_DNS_AUTH', 'bad password')]);
  const updater = new DnsUpdater(provider, options(clock));
  t.is(await updater.ensure('192.0.2.1'), 'failed');
  t.is(calls.length, 1);
  const status = updater.status();
  t.is(status.lastError?.code, 'ERR_DNS_AUTH');
  t.is(status.lastError?.message, 'scripted: bad password');
  t.is(status.consecutiveFailures, 1);
  t.is(status.lastOutcome, 'failed');
});

test('retries are bounded: a provider that stays down fails after retries+1 attempts', async (t) => {
  const clock = { now: 0 };
  const down = () => new DnsUpdateError('scripted', 'ERR_DNS_UNREACHABLE', 'timeout');
  const { provider, calls } = scripted([down(), down(), down(), down()]);
  const updater = new DnsUpdater(provider, options(clock));
  t.is(await updater.ensure('192.0.2.1'), 'failed');
  t.is(calls.length, 3);
});

test('concurrent calls share one update', async (t) => {
  const clock = { now: 0 };
  const { provider, calls } = scripted([]);
  const updater = new DnsUpdater(provider, options(clock));
  await Promise.all([updater.ensure('192.0.2.1'), updater.ensure('192.0.2.1')]);
  t.is(calls.length, 1);
});
