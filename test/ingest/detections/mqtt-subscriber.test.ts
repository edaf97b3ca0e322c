/**
 * The detections MQTT subscriber against a real mosquitto: what is stored, what is refused, how
 * many batches are stored at once, and when PUBACKs go out.
 */
import { once } from 'node:events';
import type { ExecutionContext } from 'ava';
import mqtt, { type MqttClient } from 'mqtt';
import { InputError } from '../../../src/errors.js';
import { detectionsMqttConfigSchema } from '../../../src/ingest/detections/mqtt-config.js';
import { mqttSubscriberFromConfig } from '../../../src/ingest/detections/mqtt-setup.js';
import {
  MqttSubscriber,
  type MqttSubscriberOptions,
} from '../../../src/ingest/detections/mqtt-subscriber.js';
import { SimulatedAgent } from '../../../src/ingest/detections/simulate.js';
import { silentLogger } from '../../../src/log.js';
import { captureLog, WARN } from '../../helpers/capture-log.js';
import { freeTcpPort, MOSQUITTO, type Mosquitto, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
import { gate, type TestStore, testStore } from './mqtt-store.js';

const broker = needs(MOSQUITTO);
const TOPIC = 'tfg/detections/raw';

async function subscribe(
  t: ExecutionContext,
  mosquitto: Mosquitto,
  store: TestStore,
  options: Partial<MqttSubscriberOptions> = {},
): Promise<MqttSubscriber> {
  const subscriber = new MqttSubscriber({
    url: mosquitto.url,
    clientId: 'pimesh-test-detections',
    ingest: store.ingest,
    log: silentLogger(),
    ...options,
  });
  t.teardown(() => subscriber.stop());
  const subscribed = once(subscriber, 'subscribed');
  await subscriber.start();
  await subscribed;
  return subscriber;
}

async function publisher(t: ExecutionContext, mosquitto: Mosquitto): Promise<MqttClient> {
  const client = await mqtt.connectAsync(mosquitto.url, { clientId: 'test-agent', protocolVersion: 4 });
  t.teardown(() => client.endAsync(true));
  return client;
}

const publish = (client: MqttClient, payload: string | object) =>
  client.publishAsync(TOPIC, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });

/** A fresh subscriber on the same session, to see what the broker still held for it. */
async function heldForSession(t: ExecutionContext, mosquitto: Mosquitto, agent: SimulatedAgent) {
  const store = testStore(t);
  const again = await subscribe(t, mosquitto, store);
  const client = await publisher(t, mosquitto);
  await publish(client, agent.batch());
  await until('the sentinel stored', () => again.counters().stored === 1);
  return again.counters().received - 1;
}

broker('batches published at QoS 1 are stored once each and acknowledged after', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const subscriber = await subscribe(t, mosquitto, store);
  const client = await publisher(t, mosquitto);
  const agent = new SimulatedAgent(0);
  for (let i = 0; i < 20; i++) await publish(client, agent.batch());
  await until('20 batches stored', () => subscriber.counters().stored === 20);
  t.is(store.batches().length, 20);
  t.is(store.detections(), 200);
  t.like(subscriber.counters(), { received: 20, detections: 200, acked: 20, duplicates: 0, rejected: 0 });
  await subscriber.stop();
  t.is(
    await heldForSession(t, mosquitto, agent),
    0,
    'the broker held nothing back: every one was acknowledged',
  );
});

broker('a bad payload is counted, logged once, acknowledged, and the stream goes on', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const { log, lines } = captureLog();
  const subscriber = await subscribe(t, mosquitto, store, { log, maxPayloadBytes: 4096 });
  const client = await publisher(t, mosquitto);
  const agent = new SimulatedAgent(0);
  const bad = [
    'not json',
    'not json either',
    '[1, 2]',
    '{"detections": []}',
    '{"device_id": "rpi-1", "detections": {"rssi": -50}}',
    '{"device_id": "rpi-1", "detections": [42]}',
    '{"device_id": "rpi-1", "detections": [], "name": 7}',
    JSON.stringify({ ...agent.batch(), padding: 'x'.repeat(5000) }),
  ];
  for (const payload of bad) {
    await publish(client, payload);
    await publish(client, agent.batch());
  }
  await until('the good ones stored', () => subscriber.counters().stored === bad.length);
  t.like(subscriber.counters(), { rejected: bad.length, acked: 2 * bad.length });
  t.deepEqual(subscriber.counters().rejectedBy, {
    'not-json': 2,
    'not-an-object': 1,
    'no-device-id': 1,
    'detections-not-a-list': 1,
    'detection-not-an-object': 1,
    'bad-field': 1,
    'too-large': 1,
  });
  const refused = lines.filter((l) => l.msg === 'MQTT detections message refused');
  t.is(refused.filter((l) => l.reason === 'not-json').length, 1, 'the second not-json is only counted');
  t.true(refused.every((l) => l.level === WARN));
  await subscriber.stop();
  t.is(await heldForSession(t, mosquitto, agent), 0, 'no bad payload is redelivered');
});

broker('at most maxInFlight batches are stored at once; PUBACKs wait for the store', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const held = gate();
  store.hooks.before = () => held.promise;
  const subscriber = await subscribe(t, mosquitto, store, { maxInFlight: 3 });
  const client = await publisher(t, mosquitto);
  const agent = new SimulatedAgent(0);
  for (let i = 0; i < 10; i++) await publish(client, agent.batch());
  await until('three stores running', () => store.running === 3);
  t.like(subscriber.counters(), { received: 3, inFlight: 3, stored: 0, acked: 0 });
  held.open();
  await until('10 batches stored', () => subscriber.counters().stored === 10);
  t.is(store.maxRunning, 3);
  t.like(subscriber.counters(), { received: 10, acked: 10, inFlight: 0 });
});

broker('PUBACKs go out in the order the messages came, whichever batch is stored first', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const first = gate();
  const agent = new SimulatedAgent(0);
  const one = agent.batch();
  store.hooks.before = (batch) => (batch.timestamp === one.timestamp ? first.promise : undefined);
  const subscriber = await subscribe(t, mosquitto, store, { maxInFlight: 3 });
  const client = await publisher(t, mosquitto);
  const two = agent.batch();
  await publish(client, one);
  await publish(client, two);
  await until('the second stored', () => subscriber.counters().stored === 1);
  t.is(subscriber.counters().acked, 0, 'the second waits for the first');
  first.open();
  await until('both acknowledged', () => subscriber.counters().acked === 2);
  t.deepEqual(
    store.batches().map((b) => b.timestamp),
    [two.timestamp, one.timestamp],
    'stored out of order',
  );
});

broker('a store that fails is retried with backoff; the message is acknowledged once stored', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  let failures = 2;
  store.hooks.before = () => {
    if (failures-- > 0) throw new Error('database is locked');
  };
  const subscriber = await subscribe(t, mosquitto, store, { retryMinMs: 10 });
  await publish(await publisher(t, mosquitto), new SimulatedAgent(0).batch());
  await until('stored', () => subscriber.counters().stored === 1);
  t.like(subscriber.counters(), { storeFailures: 2, acked: 1, rejected: 0 });
  t.is(subscriber.counters().lastError, 'database is locked');
});

broker('a batch the store refuses as wrong (a 4xx) is rejected and acknowledged, not retried', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  let refuse = true;
  store.hooks.before = () => {
    if (refuse) {
      refuse = false;
      throw new InputError('device_id too long');
    }
  };
  const subscriber = await subscribe(t, mosquitto, store);
  const client = await publisher(t, mosquitto);
  const agent = new SimulatedAgent(0);
  await publish(client, agent.batch());
  await publish(client, agent.batch());
  await until('the second stored', () => subscriber.counters().stored === 1);
  t.like(subscriber.counters(), { rejected: 1, storeFailures: 0, acked: 2 });
  t.deepEqual(subscriber.counters().rejectedBy, { 'refused-by-store': 1 });
});

broker('the same bytes delivered twice are stored once: the delivery key is a content hash', async (t) => {
  const mosquitto = await startMosquitto(t);
  const store = testStore(t);
  const subscriber = await subscribe(t, mosquitto, store);
  const client = await publisher(t, mosquitto);
  const payload = JSON.stringify(new SimulatedAgent(0).batch());
  await publish(client, payload);
  await publish(client, payload);
  await until('both settled', () => subscriber.counters().acked === 2);
  t.like(subscriber.counters(), { stored: 1, duplicates: 1, detections: 10 });
  t.is(store.batches().length, 1);
});

broker(
  'with the broker unreachable the subscriber retries with backoff, and stop() still returns',
  async (t) => {
    const port = await freeTcpPort();
    const store = testStore(t);
    const subscriber = new MqttSubscriber({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: 'pimesh-test-unreachable',
      ingest: store.ingest,
      log: silentLogger(),
      reconnectMinMs: 100,
      reconnectMaxMs: 400,
    });
    await subscriber.start();
    await until('three attempts', () => subscriber.counters().reconnects >= 3);
    await subscriber.stop();
    t.like(subscriber.counters(), { connected: false, connects: 0 });
    t.regex(subscriber.counters().lastError ?? '', /ECONNREFUSED/);
  },
);

broker(
  'a listener that throws is logged; the batch still counts as stored and is acknowledged',
  async (t) => {
    const mosquitto = await startMosquitto(t);
    const store = testStore(t);
    const { log, lines } = captureLog();
    const subscriber = await subscribe(t, mosquitto, store, { log });
    subscriber.on('stored', () => {
      throw new Error('a broken listener');
    });
    await publish(await publisher(t, mosquitto), new SimulatedAgent(0).batch());
    await until('acknowledged', () => subscriber.counters().acked === 1);
    t.like(subscriber.counters(), { stored: 1, rejected: 0 });
    t.true(lines.some((l) => l.msg === 'an MQTT subscriber listener failed'));
  },
);

broker(
  'from the config: off without a URL; with one it subscribes as pimesh-<node>-detections',
  async (t) => {
    const deps = { nodeName: 'hall', log: silentLogger() };
    t.is(
      mqttSubscriberFromConfig(detectionsMqttConfigSchema.parse({}), {
        ...deps,
        ingest: testStore(t).ingest,
      }),
      undefined,
    );
    const mosquitto = await startMosquitto(t);
    const store = testStore(t);
    const config = detectionsMqttConfigSchema.parse({ url: mosquitto.url });
    const subscriber = mqttSubscriberFromConfig(config, { ...deps, ingest: store.ingest }) as MqttSubscriber;
    t.teardown(() => subscriber.stop());
    const subscribed = once(subscriber, 'subscribed');
    await subscriber.start();
    await subscribed;
    await publish(await publisher(t, mosquitto), new SimulatedAgent(0).batch());
    await until('stored', () => subscriber.counters().stored === 1);
    t.regex(mosquitto.log(), / as pimesh-hall-detections /);
  },
);

broker(
  'credentials: the password from the secrets file logs in; a wrong one is refused and said',
  async (t) => {
    const mosquitto = await startMosquitto(t, { users: { node: 's3cret' } });
    const store = testStore(t);
    const config = detectionsMqttConfigSchema.parse({
      url: mosquitto.url,
      username: 'node',
      passwordSecret: 'MQTT_PASSWORD',
    });
    const secrets = (value: string) => ({
      get: (name: string) => (name === 'MQTT_PASSWORD' ? value : undefined),
    });
    const good = mqttSubscriberFromConfig(config, {
      nodeName: 'a',
      ingest: store.ingest,
      log: silentLogger(),
      secrets: secrets('s3cret'),
    }) as MqttSubscriber;
    t.teardown(() => good.stop());
    const subscribed = once(good, 'subscribed');
    await good.start();
    await subscribed;
    const bad = mqttSubscriberFromConfig(config, {
      nodeName: 'b',
      ingest: store.ingest,
      log: silentLogger(),
      secrets: secrets('wrong'),
    }) as MqttSubscriber;
    t.teardown(() => bad.stop());
    await bad.start();
    await until('a refusal', () => bad.counters().lastError);
    t.regex(bad.counters().lastError ?? '', /Not authorized/i);
    t.is(bad.counters().connects, 0);
    t.throws(
      () => mqttSubscriberFromConfig(config, { nodeName: 'c', ingest: store.ingest, log: silentLogger() }),
      {
        code: 'ERR_MQTT_CONFIG',
        message: /MQTT_PASSWORD is missing/,
      },
    );
  },
);
