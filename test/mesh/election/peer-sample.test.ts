import test from 'ava';
import { MAX_VALUE_BYTES, parseMetric, samplePeer } from '../../../src/mesh/peer-sample.js';
import { closedAddress, startPvPeer } from '../../helpers/pv-peer.js';
import { until } from '../../helpers/until.js';

const OPTIONS = { metric: 'scaled-wattage', withTime: true, timeoutMs: 1000, retries: 1 };
const ref = (address: string, tz?: string) => ({ mac: 'b8:27:eb:00:00:0a', name: 'peer', address, tz });

test('metrics parse as Python float() does for numbers', (t) => {
  t.is(parseMetric('1.1'), 1.1);
  t.is(parseMetric(' 13.23\n'), 13.23);
  t.is(parseMetric('1e3'), 1000);
  t.is(parseMetric('-1'), -1);
  t.is(parseMetric(''), undefined);
  t.is(parseMetric('Value not found.'), undefined);
  t.is(parseMetric('{"PV-voltage":"13.23"}'), undefined);
});

test('a peer is asked for the metric and the datetime of its sample', async (t) => {
  const peer = await startPvPeer('1.1', '2026-06-21 08:00:00.000000');
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address, 'UTC'), OPTIONS);
  t.is(c.metric, 1.1);
  t.is(c.status, 'ok');
  t.is(c.sampledAt, Date.UTC(2026, 5, 21, 8, 0, 0));
  t.deepEqual(peer.requests.sort(), [
    '/api/v1/chargecontroller.php?value=datetime',
    '/api/v1/chargecontroller.php?value=scaled-wattage',
  ]);
});

test("a peer's naive datetime is read in the peer's own zone", async (t) => {
  const peer = await startPvPeer('2', '2026-01-15 07:00:00.000000');
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address, 'America/New_York'), OPTIONS);
  t.is(c.sampledAt, Date.UTC(2026, 0, 15, 12, 0, 0));
});

test('without the peer zone the sample age stays unknown', async (t) => {
  const peer = await startPvPeer('2', '2026-01-15 07:00:00.000000');
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address), OPTIONS);
  t.is(c.metric, 2);
  t.is(c.sampledAt, undefined);
});

test('compatible mode asks only for the metric', async (t) => {
  const peer = await startPvPeer('13.23');
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address), { ...OPTIONS, metric: 'PV-voltage', withTime: false });
  t.is(c.metric, 13.23);
  t.deepEqual(peer.requests, ['/api/v1/chargecontroller.php?value=PV-voltage']);
});

test('an empty or non-numeric answer is no candidate', async (t) => {
  const peer = await startPvPeer('');
  t.teardown(() => peer.close());
  t.is((await samplePeer(ref(peer.address), OPTIONS)).status, 'unparsable');
  peer.value = 'Value not found. Acceptable values: ...';
  const c = await samplePeer(ref(peer.address), OPTIONS);
  t.is(c.metric, undefined);
  t.regex(c.error ?? '', /not a number/);
});

test('a refused connection is no candidate, after a bounded retry', async (t) => {
  const c = await samplePeer(ref(await closedAddress()), OPTIONS);
  t.is(c.status, 'unreachable');
  t.is(c.error, 'ECONNREFUSED');
});

test('a hanging peer costs one timeout, not one per request', async (t) => {
  const peer = await startPvPeer('1');
  peer.hang = true;
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address), { ...OPTIONS, timeoutMs: 2000 });
  t.is(c.status, 'unreachable');
  t.is(c.error, 'ETIMEDOUT');
  await until('both requests to be given up', () => peer.events.length === 4);
  // Both requests were out before either was given up (one shared deadline, not one timeout each in
  // turn), and a timeout is not retried.
  t.deepEqual(
    peer.events.map((e) => e.split(' ')[0]),
    ['request', 'request', 'abandoned', 'abandoned'],
  );
});

test('an address that is not host[:port] is refused without a request', async (t) => {
  const c = await samplePeer(ref('evil.example/path?x='), OPTIONS);
  t.is(c.status, 'unreachable');
  t.regex(c.error ?? '', /host\[:port\]/);
});

test('a number too big for a float (1e999) is invalid, with the reason', async (t) => {
  const peer = await startPvPeer('1e999', '2026-06-21 08:00:00.000000');
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address, 'UTC'), OPTIONS);
  t.is(c.metric, undefined);
  t.is(c.status, 'invalid');
  t.is(c.error, 'not a finite number (Infinity)');
});

test('an answer bigger than a value can be is cut off and counted as that peer failing', async (t) => {
  const peer = await startPvPeer('1'.repeat(MAX_VALUE_BYTES + 1));
  t.teardown(() => peer.close());
  const c = await samplePeer(ref(peer.address), { ...OPTIONS, withTime: false });
  t.is(c.metric, undefined);
  t.is(c.status, 'unreachable');
  t.is(c.error, 'ERR_RESPONSE_TOO_LARGE');
});
