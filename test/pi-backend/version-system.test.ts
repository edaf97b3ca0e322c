import test from 'ava';
import request from 'supertest';
import { VERSION } from '../../src/version.js';
import { piBackendApp } from './app.js';

test('GET /api/version answers exactly {"version":"2.2.0"}, with pimesh own version in a header', async (t) => {
  const { app } = piBackendApp();
  const res = await request(app.callback()).get('/api/version');
  t.is(res.status, 200);
  t.is(res.text, '{"version":"2.2.0"}');
  t.is(res.headers['x-pimesh-version'], VERSION);
});

test('GET /api/hardware/cpu answers a percentage from 0 to 100 under cpu_usage_percent', async (t) => {
  const { app } = piBackendApp();
  const res = await request(app.callback()).get('/api/hardware/cpu');
  t.is(res.status, 200);
  t.is(typeof res.body.cpu_usage_percent, 'number');
  t.true(res.body.cpu_usage_percent >= 0 && res.body.cpu_usage_percent <= 100);
  t.true(res.body.cores >= 1);
});

test('GET /api/hardware/memory answers (total - available) / total under memory_usage_percent', async (t) => {
  const { app } = piBackendApp();
  const res = await request(app.callback()).get('/api/hardware/memory');
  t.is(res.status, 200);
  const { memory_usage_percent, total_bytes, available_bytes, used_bytes } = res.body;
  t.true(memory_usage_percent > 0 && memory_usage_percent <= 100);
  t.is(used_bytes, total_bytes - available_bytes);
  t.is(memory_usage_percent, Math.round((used_bytes / total_bytes) * 1000) / 10);
});

test('concurrent CPU requests share one measurement', async (t) => {
  const { backend } = piBackendApp();
  const [a, b] = [backend.system.cpu(), backend.system.cpu()];
  t.is(a, b);
  await Promise.all([a, b]);
});
