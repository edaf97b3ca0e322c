/**
 * Who may write and read detections (a deliberate difference: the original checked no key): the
 * shared key writes anything, an agent's own key only that agent's batches and device, wrong keys
 * count against the address (429 with Retry-After past the limit), reads are public unless
 * `readsPublic` is off, and a node with no key configured refuses every write saying which setting.
 */
import test from 'ava';
import bcrypt from 'bcryptjs';
import { FailureLimiter } from '../../../src/auth/failure-limiter.js';
import { ITEM_1 } from './checklist-suite.js';
import { hash, KEY, sqliteBackend, startDetections } from './harness.js';

const AGENT_KEY = 'only-rpi-001';

test('an agent key writes its own batches and device, not another agent’s, nor the thresholds', async (t) => {
  const s = await startDetections(t, sqliteBackend, { config: { agentKeys: { 'rpi-001': AGENT_KEY } } });
  t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: AGENT_KEY })).status, 200);
  t.is(
    (await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'rpi-002' }, { key: AGENT_KEY })).status,
    403,
  );
  t.is((await s.send('/api/v1/devices/rpi-001/deactivate', {}, { key: AGENT_KEY })).status, 200);
  t.is((await s.send('/api/v1/devices/rpi-002/deactivate', {}, { key: AGENT_KEY })).status, 403);
  const thresholds = { near_threshold: -50, medium_threshold: -80 };
  t.is(
    (await s.send('/api/v1/settings/thresholds', thresholds, { key: AGENT_KEY, method: 'put' })).status,
    403,
  );
  t.is((await s.send('/api/v1/settings/thresholds', thresholds, { key: KEY, method: 'put' })).status, 200);
  t.is(
    (await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'rpi-002' }, { key: KEY })).status,
    200,
  );
});

test('wrong keys count against the address: past the limit even the right key waits (429)', async (t) => {
  const s = await startDetections(t, sqliteBackend);
  for (let i = 0; i < 10; i++) {
    t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: `guess-${i}` })).status, 403);
  }
  const blocked = await s.send('/api/v1/detections/bulk', ITEM_1, { key: KEY });
  t.is(blocked.status, 429);
  t.regex(blocked.headers['retry-after'], /^\d+$/);
  t.regex(blocked.body.detail, /too many wrong detections keys/);
  t.is((await s.get('/api/v1/detections/recent')).body.length, 0);
});

test('the limiter can be the node’s own: failures of its other keys count here too', async (t) => {
  const limiter = new FailureLimiter({ max: 2 });
  await limiter.fail('127.0.0.1');
  await limiter.fail('127.0.0.1');
  const s = await startDetections(t, sqliteBackend, { limiter });
  t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: KEY })).status, 429);
});

test('with readsPublic off a read needs a key: X-API-Key or the dashboard’s Bearer token', async (t) => {
  const s = await startDetections(t, sqliteBackend, {
    config: { readsPublic: false, agentKeys: { 'rpi-001': AGENT_KEY } },
  });
  t.is((await s.get('/api/v1/statistics/realtime')).status, 401);
  t.is((await s.get('/api/v1/statistics/realtime').set('X-API-Key', 'nope')).status, 403);
  t.is((await s.get('/api/v1/statistics/realtime').set('X-API-Key', KEY)).status, 200);
  t.is((await s.get('/api/v1/devices/').set('Authorization', `Bearer ${KEY}`)).status, 200);
  t.is((await s.get('/api/v1/settings/thresholds').set('X-API-Key', AGENT_KEY)).status, 200);
});

test('reads are public by default; writes without any key configured are 401s naming the setting', async (t) => {
  const s = await startDetections(t, sqliteBackend, { config: { key: undefined } });
  t.is((await s.get('/api/v1/detections/recent')).status, 200);
  const res = await s.send('/api/v1/detections/bulk', ITEM_1, { key: KEY });
  t.is(res.status, 401);
  t.regex(res.body.detail, /PIMESH_DETECTIONS_KEY/);
  t.is(res.headers['www-authenticate'], 'X-API-Key');
});

test('a bcrypt hash of the key works as the key does ($2y$ as PHP writes it)', async (t) => {
  const keyHash = bcrypt.hashSync(KEY, 4).replace(/^\$2[ab]\$/, '$2y$');
  const s = await startDetections(t, sqliteBackend, { config: { key: undefined, keyHash } });
  t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: KEY })).status, 200);
  t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: 'other' })).status, 403);
  t.is((await s.get('/api/v1/detections/recent')).body[0].device_hash, hash(1));
});
