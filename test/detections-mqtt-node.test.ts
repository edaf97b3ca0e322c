/**
 * A whole node with its MQTT subscriber and uplink against a real mosquitto: `pimesh detections
 * simulate` publishes agents' batches, the node stores every one (the HTTP statistics count them),
 * and the node's own sample travels up to the broker under its topic prefix.
 */
import mqtt from 'mqtt';
import { MOSQUITTO, startMosquitto } from './helpers/mosquitto.js';
import { needs } from './helpers/needs.js';
import { runCli, startPimesh } from './helpers/pimesh-process.js';
import { until } from './helpers/until.js';

const broker = needs(MOSQUITTO);

broker(
  'MQTT in, uplink out: simulated agents are stored, and the node publishes its sample upstream',
  async (t) => {
    const mosquitto = await startMosquitto(t);
    const upstream = await mqtt.connectAsync(mosquitto.url, { clientId: 'test-upstream-reader' });
    t.teardown(() => upstream.endAsync());
    const uplinked: { topic: string; payload: Record<string, unknown> }[] = [];
    upstream.on('message', (topic, payload) =>
      uplinked.push({ topic, payload: JSON.parse(String(payload)) }),
    );
    await upstream.subscribeAsync('pimesh/#', { qos: 1 });

    const node = await startPimesh({
      PIMESH_SCHEDULE: 'off',
      PIMESH_NAME: 'roof',
      PIMESH_DETECTIONS_KEY: 'agent-key-0123456789',
      PIMESH_MQTT_URL: mosquitto.url,
      PIMESH_UPLINK_URL: mosquitto.url,
    });
    t.teardown(() => node.stop());

    const sent = await runCli(
      ['detections', 'simulate', '--agents', '2', '--rate', '0', '--count', '40', '--mqtt', mosquitto.url],
      {},
    );
    t.is(sent.code, 0, sent.stderr);
    t.regex(sent.stdout, /^2 agent\(s\) sent 40 messages \(400 detections\) to mqtt:\/\/127\.0\.0\.1:\d+ in/);

    const stored = await until('400 detections stored', async () => {
      const res = await fetch(node.url('/api/v1/statistics/realtime?minutes=525600'));
      const body = (await res.json()) as { total: { total_detections: number } };
      return body.total.total_detections === 400 ? body : undefined;
    });
    t.is(stored.total.total_detections, 400);

    const sample = await fetch(node.url('/api/jobs/log-sample'), { method: 'POST' });
    t.is(sample.status, 200);
    const reading = await until('the sample on the upstream broker', () =>
      uplinked.find((m) => m.topic === 'pimesh/roof/charge-controller'),
    );
    t.like(reading.payload, { simulated: true });
    t.regex(String(reading.payload.row), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6},/);
  },
);
