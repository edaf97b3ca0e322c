/**
 * BLE detections inside a real `pimesh serve`: an agent's bulk POST with the key is stored, the
 * statistics count it, a `/ws` client gets `detection_event`, `/health` counts the WebSocket, and
 * `pimesh config` hides the database password.
 */
import test from 'ava';
import WebSocket from 'ws';
import { runCli, startPimesh } from './helpers/pimesh-process.js';

const KEY = 'agent-key-0123456789';
const HASH = 'edf41a0100c3e451b643afe2ba2266b0b4ccd2a9e64a7f032aa2e8d3e185aeda';

test('an agent posts detections to a node: stored, counted, pushed over /ws, and /health counts the socket', async (t) => {
  const node = await startPimesh({ PIMESH_DETECTIONS_KEY: KEY, PIMESH_SCHEDULE: 'off' });
  t.teardown(() => node.stop());

  const ws = new WebSocket(node.url('/ws').replace('http:', 'ws:'));
  t.teardown(() => ws.terminate());
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const event = new Promise<Record<string, unknown>>((resolve) =>
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if (message.type === 'detection_event') resolve(message);
    }),
  );
  const health = (await (await fetch(node.url('/health'))).json()) as Record<string, unknown>;
  t.is(health.websocket_connections, 1);

  const body = JSON.stringify({
    device_id: 'rpi-hall',
    detections: [
      {
        device_hash: HASH,
        rssi: -55,
        zone: 'near',
        timestamp: new Date(Date.now() - 3_600_000).toISOString(),
      },
      { device_hash: HASH.replace('e', 'f'), rssi: -80, zone: 'far' },
    ],
  });
  const refused = await fetch(node.url('/api/v1/detections/bulk'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  t.is(refused.status, 401, 'no key, nothing stored');
  const res = await fetch(node.url('/api/v1/detections/bulk'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body,
  });
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { message: 'Guardadas 2 detecciones', device_id: 'rpi-hall', count: 2 });
  t.like(await event, { type: 'detection_event', device_id: 'rpi-hall', count: 2 });

  const stats = (await (await fetch(node.url('/api/v1/statistics/realtime?minutes=525600'))).json()) as {
    total: { total_detections: number };
  };
  t.is(stats.total.total_detections, 2);
});

test('detections off: the TFG paths say how to turn them on; pimesh config hides a database password', async (t) => {
  const node = await startPimesh({ PIMESH_SCHEDULE: 'off' });
  t.teardown(() => node.stop());
  const res = await fetch(node.url('/api/v1/statistics/realtime'));
  t.is(res.status, 503);
  t.regex(((await res.json()) as { detail: string }).detail, /PIMESH_DETECTIONS_KEY/);

  const shown = await runCli(['config'], { PIMESH_DATABASE_URL: 'postgres://tfg:s3cret@127.0.0.1:5432/tfg' });
  t.is(shown.code, 0, shown.stderr);
  t.false(shown.stdout.includes('s3cret'));
  t.true(shown.stdout.includes('"databaseUrl": "postgres://tfg:(hidden)@127.0.0.1:5432/tfg"'));
});
