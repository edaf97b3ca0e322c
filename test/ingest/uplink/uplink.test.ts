/**
 * The uplink against a real mosquitto: order, PUBACK before removal, the broker going away and
 * coming back, the uplink object restarted, the size bound, readings it refuses.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import mqtt from 'mqtt';
import { uplinkConfigSchema } from '../../../src/ingest/uplink/config.js';
import { Uplink, type UplinkOptions } from '../../../src/ingest/uplink/index.js';
import { entryBytes } from '../../../src/ingest/uplink/outbox.js';
import { uplinkFromConfig } from '../../../src/ingest/uplink/setup.js';
import { silentLogger } from '../../../src/log.js';
import { MOSQUITTO, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
import { inOrder, PREFIX, registerSession, upstream } from './upstream.js';

const broker = needs(MOSQUITTO);

function outboxDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-uplink-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function uplink(
  t: ExecutionContext,
  options: Partial<UplinkOptions> & { url: string; outboxDir: string },
) {
  const up = new Uplink({
    clientId: 'pimesh-test-uplink',
    topicPrefix: PREFIX,
    reconnectMinMs: 100,
    reconnectMaxMs: 400,
    log: silentLogger(),
    ...options,
  });
  t.teardown(() => up.stop());
  await up.start();
  return up;
}

const publishAll = (up: Uplink, from: number, to: number) =>
  Promise.all(Array.from({ length: to - from }, (_, k) => up.publish('reading', { i: from + k })));

broker(
  'readings go out under the prefix, in order, at QoS 1, and leave the outbox after their PUBACK',
  async (t) => {
    const mosquitto = await startMosquitto(t);
    const seen = await upstream(t, mosquitto.url);
    const up = await uplink(t, { url: mosquitto.url, outboxDir: outboxDir(t) });
    await until('connected', () => up.counters().connected);
    await publishAll(up, 0, 500);
    await until('500 upstream', () => seen.readings.length >= 500);
    t.is(inOrder(seen.readings, 500), undefined);
    t.deepEqual([...seen.topics], ['pimesh/test/reading']);
    await until('the outbox empty', () => up.counters().queued === 0);
    t.like(up.counters(), { accepted: 500, delivered: 500, dropped: 0, inFlight: 0 });
  },
);

broker(
  'with the broker down readings wait on disk through a restart of the uplink, then arrive in order',
  async (t) => {
    const mosquitto = await startMosquitto(t);
    await registerSession(mosquitto.url);
    await mosquitto.stop();
    const dir = outboxDir(t);
    const first = await uplink(t, { url: mosquitto.url, outboxDir: dir });
    await publishAll(first, 0, 1000);
    await until('a connection refused', () => first.counters().disconnects >= 1);
    t.like(first.counters(), { queued: 1000, connected: false, delivered: 0 });
    await first.stop();
    t.like(first.counters(), { queued: 1000, accepted: 1000 }, 'the figures stay readable after stop()');

    const second = await uplink(t, { url: mosquitto.url, outboxDir: dir });
    t.is(second.counters().queued, 1000);
    await publishAll(second, 1000, 1200);
    await mosquitto.start();
    const seen = await upstream(t, mosquitto.url);
    await until('1200 upstream', () => seen.readings.length >= 1200);
    t.is(inOrder(seen.readings, 1200), undefined);
    t.is(seen.readings.length, 1200);
  },
);

broker('the broker restarts mid-flush: every reading arrives, the first copies in order', async (t) => {
  const mosquitto = await startMosquitto(t);
  const seen = await upstream(t, mosquitto.url);
  const up = await uplink(t, { url: mosquitto.url, outboxDir: outboxDir(t) });
  let restart: Promise<void> | undefined;
  up.on('delivered', () => {
    if (up.counters().delivered === 1000) restart = mosquitto.restart();
  });
  await publishAll(up, 0, 10_000);
  await until('the restart begun', () => restart !== undefined);
  await restart;
  await until('10,000 upstream', () => new Set(seen.readings).size === 10_000, { timeoutMs: 60_000 });
  t.is(inOrder(seen.readings, 10_000), undefined);
  t.true(up.counters().connects >= 2, 'reconnected');
  await until('the outbox empty', () => up.counters().queued === 0);
  t.log(`sent again after the restart: ${seen.readings.length - 10_000}`);
});

broker('past maxBytes the oldest readings are dropped and counted; the newest arrive in order', async (t) => {
  const mosquitto = await startMosquitto(t);
  await registerSession(mosquitto.url);
  await mosquitto.stop();
  const size = entryBytes(`${PREFIX}reading`, JSON.stringify({ i: 1000 }));
  const up = await uplink(t, { url: mosquitto.url, outboxDir: outboxDir(t), maxBytes: 500 * size });
  await publishAll(up, 1000, 2000);
  t.like(up.counters(), { queued: 500, dropped: 500, droppedTotal: 500, queuedBytes: 500 * size });
  await mosquitto.start();
  const seen = await upstream(t, mosquitto.url);
  await until('500 upstream', () => seen.readings.length >= 500);
  t.deepEqual(
    seen.readings,
    Array.from({ length: 500 }, (_, k) => 1500 + k),
  );
});

test('a reading the uplink cannot take is refused with a code and counted; nothing is queued', async (t) => {
  // No broker needed: nothing connects (port 9, discard, refuses).
  const up = await uplink(t, { url: 'mqtt://127.0.0.1:9', outboxDir: outboxDir(t), maxMessageBytes: 1024 });
  const refusals = [
    ['+/temperature', {}, 'ERR_UPLINK_TOPIC'],
    ['sensors/#', {}, 'ERR_UPLINK_TOPIC'],
    ['', {}, 'ERR_UPLINK_TOPIC'],
    ['reading', { big: 1n }, 'ERR_UPLINK_PAYLOAD'],
    ['reading', undefined, 'ERR_UPLINK_PAYLOAD'],
    ['reading', { text: 'x'.repeat(2000) }, 'ERR_UPLINK_TOO_LARGE'],
  ] as const;
  for (const [suffix, payload, code] of refusals) {
    await t.throwsAsync(up.publish(suffix, payload), { code }, `${suffix} ${code}`);
  }
  t.like(up.counters(), { refused: refusals.length, queued: 0, accepted: 0 });
  await up.stop();
  await t.throwsAsync(up.publish('reading', {}), { code: 'ERR_UPLINK_STOPPED' });
});

broker(
  'from the config: off without a URL; with one, readings go to pimesh/<node name>/ as pimesh-<node>-uplink',
  async (t) => {
    const deps = { nodeName: 'hall', dataDir: outboxDir(t), log: silentLogger() };
    t.is(uplinkFromConfig(uplinkConfigSchema.parse({}), deps), undefined);
    const mosquitto = await startMosquitto(t);
    const client = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 4 });
    t.teardown(() => client.endAsync(true));
    const topics: string[] = [];
    client.on('message', (topic) => topics.push(topic));
    await client.subscribeAsync('pimesh/#', { qos: 1 });
    const up = uplinkFromConfig(uplinkConfigSchema.parse({ url: mosquitto.url }), deps) as Uplink;
    t.teardown(() => up.stop());
    await up.start();
    await up.publish('charge-controller', { 'PV-voltage': 18.2 });
    await until('received', () => topics.length === 1);
    t.deepEqual(topics, ['pimesh/hall/charge-controller']);
    t.regex(mosquitto.log(), / as pimesh-hall-uplink /);
    t.true(existsSync(join(deps.dataDir, 'uplink', 'outbox.db')));
  },
);
