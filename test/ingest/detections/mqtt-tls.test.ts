/**
 * TLS to the broker: mosquitto with a certificate from a CA made for the test (openssl). The
 * subscriber verifies the broker against the configured CA; without it the broker is refused; only
 * `rejectUnauthorized: false`, said in the config, accepts an unverified broker.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import mqtt from 'mqtt';
import { MqttSubscriber } from '../../../src/ingest/detections/mqtt-subscriber.js';
import { SimulatedAgent } from '../../../src/ingest/detections/simulate.js';
import { silentLogger } from '../../../src/log.js';
import { freeTcpPort, MOSQUITTO, startMosquitto } from '../../helpers/mosquitto.js';
import { findTool, needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
import { startSubscriber } from './mqtt-node.js';
import { tempDir, testStore } from './mqtt-store.js';

const run = promisify(execFile);
const tls = needs(MOSQUITTO, 'openssl');

/** A CA, and a certificate it signed for 127.0.0.1 (EC P-256, valid one day). */
async function certificates(dir: string) {
  const openssl = (...args: string[]) => run(findTool('openssl') ?? 'openssl', args);
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=pimesh test CA',
  );
  await openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1');
  await writeFile(p('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.crt'),
    '-days',
    '1',
    '-extfile',
    p('san.ext'),
  );
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key') };
}

/** mosquitto with its plain listener (for the test's publisher) and a TLS one. */
async function tlsBroker(t: ExecutionContext) {
  const files = await certificates(tempDir(t, 'pimesh-mqtt-tls-'));
  const tlsPort = await freeTcpPort();
  const mosquitto = await startMosquitto(t, {
    extraConfig: [`listener ${tlsPort} 127.0.0.1`, `certfile ${files.cert}`, `keyfile ${files.key}`],
  });
  return { mosquitto, tlsUrl: `mqtts://127.0.0.1:${tlsPort}`, ca: files.ca };
}

tls('over TLS the subscriber verifies the broker against the configured CA, and stores', async (t) => {
  const { mosquitto, tlsUrl, ca } = await tlsBroker(t);
  const store = testStore(t);
  const subscriber = await startSubscriber(t, {
    url: tlsUrl,
    clientId: 'pimesh-test-tls',
    tls: { ca },
    ingest: store.ingest,
  });
  const agent = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 4 });
  t.teardown(() => agent.endAsync(true));
  await agent.publishAsync('tfg/detections/raw', JSON.stringify(new SimulatedAgent(0).batch()), { qos: 1 });
  await until('stored', () => subscriber.counters().stored === 1);
  t.pass();
});

tls(
  'without the CA the broker is refused: certificates are verified unless the config says not to',
  async (t) => {
    const { tlsUrl } = await tlsBroker(t);
    const subscriber = new MqttSubscriber({
      url: tlsUrl,
      clientId: 'pimesh-test-tls-unverified',
      ingest: testStore(t).ingest,
      log: silentLogger(),
      reconnectMinMs: 100,
    });
    t.teardown(() => subscriber.stop());
    await subscriber.start();
    await until('a refusal', () => subscriber.counters().lastError);
    t.regex(subscriber.counters().lastError ?? '', /certificate/i);
    t.is(subscriber.counters().connects, 0);
  },
);

tls('rejectUnauthorized: false, when configured, accepts the unverified broker', async (t) => {
  const { tlsUrl } = await tlsBroker(t);
  const subscriber = new MqttSubscriber({
    url: tlsUrl,
    clientId: 'pimesh-test-tls-insecure',
    tls: { rejectUnauthorized: false },
    ingest: testStore(t).ingest,
    log: silentLogger(),
  });
  t.teardown(() => subscriber.stop());
  const subscribed = once(subscriber, 'subscribed');
  await subscriber.start();
  await subscribed;
  t.true(subscriber.counters().connected);
});
