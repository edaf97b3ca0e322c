/**
 * The detections subscriber's leaf schema (`detections.mqtt`) and its helpers.
 */
import test from 'ava';
import {
  defaultClientId,
  detectionsMqttConfigSchema,
  mqttPassword,
} from '../../../src/ingest/detections/mqtt-config.js';

const problems = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

test('the subscriber is off by default, with the TFG topic and 16 messages stored at once (grouped into one commit)', (t) => {
  t.deepEqual(detectionsMqttConfigSchema.parse(undefined), {
    topic: 'tfg/detections/raw',
    keepaliveSeconds: 60,
    reconnectMinMs: 1000,
    reconnectMaxMs: 30_000,
    maxInFlight: 16,
    maxPayloadBytes: 262_144,
  });
});

test('a full subscriber configuration is accepted, TLS verification on unless said otherwise', (t) => {
  const config = detectionsMqttConfigSchema.parse({
    url: 'mqtts://broker.example.org:8883',
    topic: 'tfg/+/raw',
    clientId: 'pimesh-hall-detections',
    username: 'node',
    passwordSecret: 'MQTT_PASSWORD',
    tls: { ca: '/etc/pimesh/ca.pem' },
    maxInFlight: 8,
  });
  t.like(config, {
    url: 'mqtts://broker.example.org:8883',
    tls: { ca: '/etc/pimesh/ca.pem', rejectUnauthorized: true },
  });
});

test('a URL with credentials, a bad topic filter and a window of 0 are reported at once', (t) => {
  const result = detectionsMqttConfigSchema.safeParse({
    url: 'mqtt://user:secret@broker:1883',
    topic: 'tfg/#/raw',
    maxInFlight: 0,
  });
  t.deepEqual(problems(result), [
    'url: must not carry credentials: set username and password (or passwordSecret) instead',
    'topic: must be an MQTT topic filter such as tfg/detections/raw or tfg/+/raw ("+" and "#" only as whole levels, "#" last)',
    'maxInFlight: must be at least 1',
  ]);
});

test('a password given twice and a backoff whose maximum is below its minimum are reported', (t) => {
  const result = detectionsMqttConfigSchema.safeParse({
    password: 'a',
    passwordSecret: 'B',
    reconnectMinMs: 5000,
    reconnectMaxMs: 1000,
  });
  t.deepEqual(problems(result), [
    'passwordSecret: set password or passwordSecret, not both',
    'reconnectMaxMs: must be at least reconnectMinMs',
  ]);
});

test('an http:// URL is not a broker', (t) => {
  const result = detectionsMqttConfigSchema.safeParse({ url: 'http://broker:1883' });
  t.deepEqual(problems(result), ['url: must be an mqtt://, mqtts://, ws:// or wss:// URL']);
});

test('the password comes from the config or from the secret it names', (t) => {
  t.is(mqttPassword({ password: 'p' }), 'p');
  t.is(
    mqttPassword(
      { passwordSecret: 'MQTT_PASSWORD' },
      { get: (n) => (n === 'MQTT_PASSWORD' ? 's' : undefined) },
    ),
    's',
  );
  t.is(mqttPassword({}), undefined);
});

test('the default client id is one per node and role', (t) => {
  t.is(defaultClientId('solar hall', 'detections'), 'pimesh-solar-hall-detections');
  t.is(defaultClientId('', 'uplink'), 'pimesh-node-uplink');
});
