import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { type PimeshProcess, startPimesh } from './helpers/pimesh-process.js';

// One real `pimesh serve` with both seed systems' endpoints mounted, as a steward runs it on a box
// that is not a Pi: no Sense HAT, no modem, no GPIO, no gpsd.

const ADMIN = 'steward-admin-key';
let node: PimeshProcess;

test.before(async () => {
  node = await startPimesh({
    PIMESH_ADMIN_KEY: ADMIN,
    PIMESH_SCHEDULE: 'off',
    PIMESH_CHARGE_CONTROLLER: 'sim',
    PIMESH_GPSD_PORT: '1',
    PISTAT_RATE_LIMIT_REQUESTS: '5',
  });
});
test.after.always(() => node?.stop());

const get = (path: string) => fetch(node.url(path));
const post = (path: string, body: unknown, key?: string) =>
  fetch(node.url(path), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { 'X-API-Key': key } : {}) },
    body: JSON.stringify(body),
  });

test('GET /api/version answers pi_backend’s exact body', async (t) => {
  const res = await get('/api/version');
  t.is(res.status, 200);
  t.is(await res.text(), '{"version":"2.2.0"}');
});

test('GET /api/status is a liveness answer with status ok, version and timestamp', async (t) => {
  const body = (await (await get('/api/status')).json()) as Record<string, unknown>;
  t.is(body.status, 'ok');
  t.is(typeof body.version, 'string');
  t.false(Number.isNaN(Date.parse(String(body.timestamp))));
});

test('piStat’s /stats is served with its keys, and its variables are honoured (rate limit 5)', async (t) => {
  const first = await get('/stats');
  t.is(first.status, 200);
  t.is(first.headers.get('x-content-type-options'), 'nosniff');
  const body = (await first.json()) as Record<string, unknown>;
  for (const key of ['cpu_usage', 'memory', 'disk', 'uptime', 'network', 'hardware', 'timestamp'])
    t.true(key in body, key);
  t.deepEqual(body.gpu, {});
  for (let i = 0; i < 4; i++) await get('/health');
  const limited = await get('/health');
  t.is(limited.status, 429);
  t.truthy(limited.headers.get('retry-after'));
  // The public PV API is not limited.
  t.is((await get('/api/v1/chargecontroller.php?value=PV-voltage')).status, 200);
});

test('missing hardware is a 503 that names it, and the node stays up', async (t) => {
  const hat = await get('/api/hardware/sensehat');
  t.is(hat.status, 503);
  t.is(
    ((await hat.json()) as { error: string }).error,
    'Sense HAT hardware is not available or failed to initialize.',
  );
  const lte = await get('/api/hardware/lte/status');
  t.is(lte.status, 503);
  t.regex(((await lte.json()) as { error: string }).error, /\/dev\/ttyUSB2/);
  const gps = await get('/api/hardware/gps');
  t.is(gps.status, 503);
  t.regex(((await gps.json()) as { error: string }).error, /gpsd at 127\.0\.0\.1:1/);
  t.is((await get('/api/status')).status, 200);
});

test('driving the modem needs the admin key; with it, GPIO that is not accessible here is a 503', async (t) => {
  t.is((await post('/api/hardware/lte/power-cycle', {})).status, 401);
  t.is((await post('/api/hardware/lte/power-cycle', {}, 'wrong')).status, 403);
  const res = await post('/api/hardware/lte/power-cycle', {}, ADMIN);
  t.is(res.status, 503);
  t.regex(((await res.json()) as { error: string }).error, /GPIO/);
});

test('POST /api/keys writes one key into an owner-only keys file and never returns it', async (t) => {
  const res = await post('/api/keys', { key_name: 'GEMINI_API_KEY', key_value: 'AIzaSy-secret' }, ADMIN);
  t.is(res.status, 200);
  const text = await res.text();
  t.false(text.includes('AIzaSy-secret'));
  const file = join(node.cwd, 'data', 'API.keys');
  t.regex(readFileSync(file, 'utf8'), /GEMINI_API_KEY\s*=\s*AIzaSy-secret/);
  t.is(statSync(file).mode & 0o777, 0o600);
  const missing = await post('/api/keys', { key_name: 'GEMINI_API_KEY' }, ADMIN);
  t.is(missing.status, 400);
  t.regex(((await missing.json()) as { error: string }).error, /key_value/);
});

test('POST /api/data then GET /api/data lists the entry with an id and a timestamp', async (t) => {
  t.is((await post('/api/data', { data: 'hello' }, ADMIN)).status, 201);
  const list = (await (await get('/api/data')).json()) as { id: number; timestamp: string; data: string }[];
  const entry = list.find((e) => e.data === 'hello');
  t.truthy(entry?.id);
  t.truthy(entry?.timestamp);
  t.is((await post('/api/data', { nodata: 1 }, ADMIN)).status, 400);
});
