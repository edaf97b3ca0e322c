/**
 * `pimesh detections simulate`: the payloads (spec D.1), over MQTT to a real mosquitto and over HTTP
 * to a local server standing in for the node's bulk endpoint.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import mqtt from 'mqtt';
import {
  deviceHash,
  isoInZone,
  SimulatedAgent,
  simulateDetections,
} from '../../../src/ingest/detections/simulate.js';
import { freeTcpPort, MOSQUITTO, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';

const broker = needs(MOSQUITTO);
const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/;

test('device_hash is SHA-256 of the upper-case MAC without separators (the spec example)', (t) => {
  const hash = 'edf41a0100c3e451b643afe2ba2266b0b4ccd2a9e64a7f032aa2e8d3e185aeda';
  t.is(deviceHash('A1:B2:C3:D4:E5:F1'), hash);
  t.is(deviceHash('a1-b2-c3-d4-e5-f1'), hash);
});

test('timestamps are ISO 8601 in the agents zone with its offset, as Python isoformat writes them', (t) => {
  t.is(isoInZone(new Date('2026-01-15T12:00:00.123Z'), 'Europe/Madrid'), '2026-01-15T13:00:00.123000+01:00');
  t.is(isoInZone(new Date('2026-07-15T23:30:05Z'), 'Europe/Madrid'), '2026-07-16T01:30:05.000000+02:00');
  t.is(isoInZone(new Date('2026-07-15T02:00:00Z'), 'America/New_York'), '2026-07-14T22:00:00.000000-04:00');
});

test('a simulated batch is an agent batch: ten distinct phones, -40..-95 dBm, zones by the thresholds', (t) => {
  const batch = new SimulatedAgent(2).batch();
  t.deepEqual(Object.keys(batch), ['device_id', 'timestamp', 'detections', 'name', 'location']);
  t.like(batch, { device_id: 'sim-agent-003', name: 'Simulated agent 3', location: 'Cafeteria' });
  t.regex(batch.timestamp, ISO_WITH_OFFSET);
  t.is(batch.detections.length, 10);
  t.is(new Set(batch.detections.map((d) => d.device_hash)).size, 10);
  for (const d of batch.detections) {
    t.deepEqual(Object.keys(d), ['device_hash', 'rssi', 'zone', 'timestamp']);
    t.regex(String(d.device_hash), /^[0-9a-f]{64}$/);
    const rssi = d.rssi as number;
    t.true(Number.isInteger(rssi) && rssi <= -40 && rssi >= -95);
    t.is(d.zone, rssi >= -60 ? 'near' : rssi >= -75 ? 'medium' : 'far');
    t.regex(String(d.timestamp), ISO_WITH_OFFSET);
  }
});

test('the same seed sees the same phones; batch times never repeat for an agent', (t) => {
  const hashes = (agent: SimulatedAgent) => agent.batch(40, 0).detections.map((d) => d.device_hash);
  t.deepEqual(new Set(hashes(new SimulatedAgent(0, 7))), new Set(hashes(new SimulatedAgent(0, 7))));
  const agent = new SimulatedAgent(0);
  t.not(agent.batch(10, 1000).timestamp, agent.batch(10, 1000).timestamp);
});

broker('N agents publish over MQTT at QoS 1, each under its own rpi-agent client id', async (t) => {
  const mosquitto = await startMosquitto(t);
  const listener = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 4 });
  t.teardown(() => listener.endAsync(true));
  const byAgent = new Map<string, number>();
  listener.on('message', (_topic, payload) => {
    const id = JSON.parse(payload.toString()).device_id as string;
    byAgent.set(id, (byAgent.get(id) ?? 0) + 1);
  });
  await listener.subscribeAsync('tfg/detections/raw', { qos: 1 });
  const result = await simulateDetections({ agents: 3, rate: 300, count: 60, mqtt: { url: mosquitto.url } });
  t.like(result, { agents: 3, sent: 60, detections: 600, failed: 0 });
  await until('60 received', () => [...byAgent.values()].reduce((a, b) => a + b, 0) === 60);
  t.deepEqual(Object.fromEntries(byAgent), { 'sim-agent-001': 20, 'sim-agent-002': 20, 'sim-agent-003': 20 });
  for (const id of ['001', '002', '003'])
    t.regex(mosquitto.log(), new RegExp(`as rpi-agent-sim-agent-${id} `));
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

async function bulkEndpoint(t: ExecutionContext, status: number) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"message":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { received, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('over HTTP each batch is a POST to /api/v1/detections/bulk with X-API-Key and no batch time', async (t) => {
  const { received, baseUrl } = await bulkEndpoint(t, 201);
  const result = await simulateDetections({ agents: 2, rate: 0, count: 6, http: { baseUrl, apiKey: 'k3y' } });
  t.like(result, { sent: 6, failed: 0, detections: 60 });
  t.is(received.length, 6);
  for (const r of received) {
    t.is(r.url, '/api/v1/detections/bulk');
    t.is(r.headers['x-api-key'], 'k3y');
    t.is(r.headers['content-type'], 'application/json');
    t.deepEqual(Object.keys(r.body), ['device_id', 'detections', 'name', 'location']);
  }
});

test('a node that refuses the batches makes every message a failure, with the answer', async (t) => {
  const { baseUrl } = await bulkEndpoint(t, 401);
  const result = await simulateDetections({ agents: 1, rate: 0, count: 3, http: { baseUrl } });
  t.like(result, { sent: 0, failed: 3 });
  t.regex(result.failures[0], /^HTTP 401/);
});

test('without a count the agents go on until the signal', async (t) => {
  const { received, baseUrl } = await bulkEndpoint(t, 200);
  const stop = new AbortController();
  const run = simulateDetections({ agents: 2, rate: 200, http: { baseUrl }, signal: stop.signal });
  await until('ten batches', () => received.length >= 10);
  stop.abort();
  const result = await run;
  t.true(result.sent >= 10);
  t.like(
    result,
    { sent: received.length, failed: 0 },
    'what was under way when the signal came was let finish',
  );
});

test('a broker that cannot be reached is said at once, as the broker unavailable', async (t) => {
  const port = await freeTcpPort();
  await t.throwsAsync(
    simulateDetections({ agents: 2, rate: 10, count: 5, mqtt: { url: `mqtt://127.0.0.1:${port}` } }),
    { code: 'ERR_DEVICE_UNAVAILABLE', message: /MQTT broker unavailable: .*ECONNREFUSED/ },
  );
});

test('progress is reported at most once a second while the agents run', async (t) => {
  const { baseUrl } = await bulkEndpoint(t, 200);
  const seen: number[] = [];
  const stop = new AbortController();
  const run = simulateDetections({
    agents: 1,
    rate: 100,
    http: { baseUrl },
    signal: stop.signal,
    onProgress: (so) => seen.push(so.sent),
  });
  await until('two progress reports', () => seen.length >= 2);
  stop.abort();
  await run;
  t.true(seen[1] > seen[0]);
});
