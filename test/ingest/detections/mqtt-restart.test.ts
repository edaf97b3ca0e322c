import { once } from 'node:events';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import mqtt from 'mqtt';
import type {
  MqttSubscriber,
  MqttSubscriberOptions,
} from '../../../src/ingest/detections/mqtt-subscriber.js';
import { simulateDetections } from '../../../src/ingest/detections/simulate.js';
import { MOSQUITTO, type Mosquitto, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
import { ROOT, startChildNode, startSubscriber } from './mqtt-node.js';
import { gate, type TestStore, tempDir, testStore } from './mqtt-store.js';

const broker = needs(MOSQUITTO);
const CLIENT_ID = 'pimesh-test-restart';
const TOTAL = 600;

async function subscribe(
  t: ExecutionContext,
  mosquitto: Mosquitto,
  store: TestStore,
  options: Partial<MqttSubscriberOptions> = {},
): Promise<MqttSubscriber> {
  return startSubscriber(t, {
    url: mosquitto.url,
    clientId: CLIENT_ID,
    ingest: store.ingest,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    ...options,
  });
}

/** Counts what is published on the topic from now on. */
async function observer(t: ExecutionContext, mosquitto: Mosquitto): Promise<{ count: number }> {
  const seen = { count: 0 };
  const client = await mqtt.connectAsync(mosquitto.url, { clientId: 'test-observer', protocolVersion: 4 });
  t.teardown(() => client.endAsync(true));
  client.on('message', () => seen.count++);
  await client.subscribeAsync('tfg/detections/raw', { qos: 0 });
  return seen;
}

/** Three agents sending TOTAL batches at 300 a second. */
const agents = (mosquitto: Mosquitto) =>
  simulateDetections({ agents: 3, rate: 300, count: TOTAL, mqtt: { url: mosquitto.url } });

/** Every batch the agents had acknowledged is in the store, once. */
async function everyBatchOnce(t: ExecutionContext, store: TestStore, run: ReturnType<typeof agents>) {
  const result = await run;
  t.like(result, { sent: TOTAL, failed: 0 });
  await until(`${TOTAL} batches stored`, () => store.batches().length >= TOTAL);
  const batches = store.batches();
  t.is(batches.length, TOTAL);
  t.is(new Set(batches.map((b) => `${b.device_id} ${b.timestamp}`)).size, TOTAL, 'no batch twice');
  t.is(store.detections(), TOTAL * 10);
}

broker.serial('the broker restarts mid-stream: every batch is stored, none twice', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const subscriber = await subscribe(t, mosquitto, store);
  const run = agents(mosquitto);
  await until('a third stored', () => subscriber.counters().stored >= TOTAL / 3);
  await mosquitto.restart();
  await everyBatchOnce(t, store, run);
  t.true(subscriber.counters().connects >= 2, 'the subscriber reconnected');
  t.log(`duplicates recognised: ${subscriber.counters().duplicates}`);
});

broker.serial('the node stops mid-stream and starts again: every batch is stored, none twice', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const first = await subscribe(t, mosquitto, store);
  const run = agents(mosquitto);
  await until('a third stored', () => first.counters().stored >= TOTAL / 3);
  await first.stop();
  const seen = await observer(t, mosquitto);
  await until('50 more published while the node is down', () => seen.count >= 50);
  const second = await subscribe(t, mosquitto, store);
  await everyBatchOnce(t, store, run);
  t.true(second.counters().received > 0, 'the broker kept the rest for the session');
});

broker.serial(
  'the node dies between storing a batch and acknowledging it: the redelivery is a duplicate',
  async (t) => {
    const mosquitto = await startMosquitto(t);
    const store = testStore(t);
    const never = gate();
    t.teardown(never.open);
    let stuck = 0;
    // The 100th batch is committed, and its answer never comes: the node "crashes" there.
    store.hooks.after = () => (++stuck === 100 ? never.promise : undefined);
    const first = await subscribe(t, mosquitto, store, { stopTimeoutMs: 0 });
    const run = agents(mosquitto);
    await until('the 100th batch committed', () => stuck >= 100);
    await first.stop();
    store.hooks.after = undefined;
    const second = await subscribe(t, mosquitto, store);
    await everyBatchOnce(t, store, run);
    t.true(
      second.counters().duplicates >= 1,
      'the stored, unacknowledged batch came back and was recognised',
    );
  },
);

/** The subscriber and the store in a process of their own; prints `subscribed`, then `stored` per batch. */
const CHILD = (root: string) => `
const { MqttSubscriber } = await import('${root}src/ingest/detections/mqtt-subscriber.ts');
const { silentLogger } = await import('${root}src/log.ts');
const { openSqlite } = await import('${root}src/storage/sqlite.ts');
const { sqliteIngest } = await import('${root}test/ingest/detections/mqtt-store.ts');
const subscriber = new MqttSubscriber({
  url: process.env.BROKER_URL,
  clientId: '${CLIENT_ID}',
  ingest: sqliteIngest(openSqlite(process.env.STORE_DB)),
  log: silentLogger(),
});
subscriber.on('subscribed', () => process.stdout.write('subscribed\\n'));
subscriber.on('stored', () => process.stdout.write('stored\\n'));
await subscriber.start();
process.stdin.on('end', () => process.exit(0)).resume();
`;

broker.serial('the node is killed with SIGKILL mid-stream: every batch is stored, none twice', async (t) => {
  const mosquitto = await startMosquitto(t);
  const dir = tempDir(t);
  const dbPath = join(dir, 'detections.db');
  // Before the node's first subscription there is no session to queue for: agents start after it.
  const child = await startChildNode(t, dir, CHILD(ROOT), { BROKER_URL: mosquitto.url, STORE_DB: dbPath });
  const run = agents(mosquitto);
  await until('a third stored by the child', () => child.stored() >= TOTAL / 3, { timeoutMs: 90_000 });
  child.process.kill('SIGKILL');
  await once(child.process, 'exit');
  const store = testStore(t, dbPath);
  const after = await subscribe(t, mosquitto, store);
  await everyBatchOnce(t, store, run);
  t.log(`the child stored ${child.stored()}; duplicates after the kill: ${after.counters().duplicates}`);
});
