import { uptime } from 'node:os';
import test from 'ava';
import request from 'supertest';
import { systemMonitorRoutes } from '../../src/http/routes/system-monitor.js';
import { SystemCollector } from '../../src/system/collector.js';
import { systemMonitorConfigSchema } from '../../src/system/config.js';
import { VERSION } from '../../src/version.js';
import { routeApp } from '../helpers/route-app.js';
import { monitorApp, UNLIMITED } from './app.js';
import { FakeSource, header } from './fake-source.js';

const source = new FakeSource();
const { handler } = monitorApp(source, { config: UNLIMITED });

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'cache-control': 'public, max-age=2',
};

test('GET /health answers exactly piStat’s keys: status, uptime, memory_usage, timestamp, and pimesh’s version', async (t) => {
  const real = monitorApp(new SystemCollector(), { config: UNLIMITED }).handler;
  const res = await request(real).get('/health');
  t.is(res.status, 200);
  t.deepEqual(Object.keys(res.body).sort(), ['memory_usage', 'status', 'timestamp', 'uptime', 'version']);
  t.is(res.body.status, 'healthy');
  t.is(res.body.version, VERSION);
  t.true(Math.abs(res.body.uptime - uptime()) < 5);
  t.true(res.body.memory_usage > 0 && res.body.memory_usage <= 100);
  t.true(Math.abs(res.body.timestamp - Date.now() / 1000) < 5);
});

test('an unhealthy host is a 500 with status unhealthy', async (t) => {
  const sick = new FakeSource();
  sick.healthFails = true;
  const res = await request(monitorApp(sick, { config: UNLIMITED }).handler).get('/health');
  t.is(res.status, 500);
  t.deepEqual(Object.keys(res.body), ['status', 'error', 'timestamp']);
  t.like(res.body, { status: 'unhealthy', error: 'meminfo unreadable' });
});

test('every answer under the monitor paths carries the security headers, errors and 404s included', async (t) => {
  const broken = new FakeSource();
  broken.fail = new Error('boom');
  const failing = monitorApp(broken, { config: UNLIMITED }).handler;
  const labels = [
    'stats',
    'health',
    'limit=abc',
    'network',
    'storage',
    'history',
    'config',
    'docs',
    '404',
    '404',
    '405',
    '500',
  ];
  const answers = [
    await request(handler).get('/stats'),
    await request(handler).get('/health'),
    await request(handler).get('/processes?limit=abc'),
    await request(handler).get('/network/interfaces'),
    await request(handler).get('/storage/devices'),
    await request(handler).get('/metrics/history'),
    await request(handler).get('/system/config'),
    await request(handler).get('/api/system'),
    await request(handler).get('/network/nope'),
    await request(handler).get('/stats/extra'),
    await request(handler).post('/stats'),
    await request(failing).get('/stats'),
  ];
  t.deepEqual(
    answers.map((r) => r.status),
    [200, 200, 400, 200, 200, 200, 200, 200, 404, 404, 405, 500],
  );
  for (const [i, res] of answers.entries()) {
    t.like(res.headers, SECURITY, labels[i]);
    const sent = Date.parse(`${res.headers['x-response-time']}Z`);
    t.regex(res.headers['x-response-time'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/, 'naive UTC ISO time');
    t.true(Math.abs(sent - Date.now()) < 10_000);
  }
});

test('Cache-Control follows the configured cache time', async (t) => {
  const res = await request(monitorApp(source, { config: { ...UNLIMITED, cacheSeconds: 7 } }).handler).get(
    '/health',
  );
  t.is(res.headers['cache-control'], 'public, max-age=7');
});

test('unknown paths under the monitor are JSON 404s; other methods 405 with Allow', async (t) => {
  const missing = await request(handler).get('/storage/nope');
  t.is(missing.status, 404);
  t.like(missing.body, { code: 'ERR_NOT_FOUND' });
  const post = await request(handler).post('/health');
  t.is(post.status, 405);
  t.is(post.headers.allow, 'GET, HEAD');
  const head = await request(handler).head('/health');
  t.is(head.status, 200);
  t.falsy(head.text, 'no body');
});

test('the headers, limit and compression stay off the rest of the node', async (t) => {
  const config = systemMonitorConfigSchema.parse({ rateLimit: { requests: 1 } });
  const app = routeApp((router) => {
    systemMonitorRoutes(router, { config, source, server: { port: 1, host: 'h' }, version: 'v' });
    router.get('/api/status', (ctx) => {
      ctx.body = { status: 'ok', padding: 'x'.repeat(2000) };
    });
  });
  const server = app.callback();
  for (let i = 0; i < 3; i++) {
    const res = await request(server).get('/api/status').set('Accept-Encoding', 'gzip');
    t.is(res.status, 200);
    t.is(header(res, 'x-frame-options'), undefined);
    t.is(header(res, 'content-encoding'), undefined);
  }
  t.is(
    (await request(server).get('/health')).status,
    200,
    "the node's own routes did not use the monitor's quota",
  );
});

test('gzip: /stats over the threshold is compressed for clients that accept it; small /health is not', async (t) => {
  const stats = await request(handler).get('/stats').set('Accept-Encoding', 'gzip, deflate, br');
  t.is(stats.headers['content-encoding'], 'gzip');
  t.is(stats.body.cpu_freq, 1500, 'and decodes to the same JSON');
  const health = await request(handler).get('/health').set('Accept-Encoding', 'gzip');
  t.is(header(health, 'content-encoding'), undefined);
  const plain = await request(handler).get('/stats').set('Accept-Encoding', 'identity');
  t.is(header(plain, 'content-encoding'), undefined);
});

test('gzip never applies to an error answer, and can be turned off', async (t) => {
  const off = monitorApp(source, { config: { ...UNLIMITED, compression: { enabled: false } } }).handler;
  t.is(
    header(await request(off).get('/stats').set('Accept-Encoding', 'gzip'), 'content-encoding'),
    undefined,
  );
  const everything = monitorApp(source, {
    config: { ...UNLIMITED, compression: { thresholdBytes: 0 } },
  }).handler;
  const health = await request(everything).get('/health').set('Accept-Encoding', 'gzip');
  t.is(health.headers['content-encoding'], 'gzip', 'threshold 0 compresses small answers too');
  const notFound = await request(everything).get('/stats/nope').set('Accept-Encoding', 'gzip');
  t.is(notFound.status, 404);
  t.is(header(notFound, 'content-encoding'), undefined);
});

test('a route another module adds under a monitor prefix still answers, with the monitor headers', async (t) => {
  const config = systemMonitorConfigSchema.parse(UNLIMITED);
  const app = routeApp((router) => {
    systemMonitorRoutes(router, { config, source, server: { port: 1, host: 'h' }, version: 'v' });
    router.get('/system/extra', (ctx) => {
      ctx.body = { extra: true };
    });
  });
  const res = await request(app.callback()).get('/system/extra');
  t.is(res.status, 200);
  t.deepEqual(res.body, { extra: true });
  t.like(res.headers, SECURITY);
  t.is((await request(app.callback()).get('/system/missing')).body.code, 'ERR_NOT_FOUND');
});

test('GET /metrics/history says it is not implemented', async (t) => {
  const res = await request(handler).get('/metrics/history');
  t.is(res.status, 200);
  t.is(res.body.message, 'Historical metrics not implemented yet. Consider using a time-series database.');
  t.is(typeof res.body.timestamp, 'number');
});

test('GET /system/config shows the effective port, cache, rate-limit and compression settings', async (t) => {
  const config = {
    cacheSeconds: 5,
    rateLimit: { requests: 5000, windowSeconds: 30 },
    compression: { thresholdBytes: 800 },
  };
  const res = await request(monitorApp(source, { config }).handler).get('/system/config');
  t.is(res.status, 200);
  t.like(res.body, {
    platform: process.platform,
    is_raspberry_pi: false,
    node_version: process.versions.node,
    version: '0.1.0-test',
    server: {
      port: 8080,
      host: '0.0.0.0',
      debug_mode: false,
      cache_seconds: 5,
      rate_limiting: { enabled: true, requests: 1000, window: 30 },
      compression: { enabled: true, min_size: 800 },
    },
  });
  t.is(typeof res.body.hostname, 'string');
  t.false(JSON.stringify(res.body).toLowerCase().includes('key'), 'no secrets');
});

test('GET /api/system is the HTML index generated from the OpenAPI document, linking every endpoint', async (t) => {
  const res = await request(handler).get('/api/system');
  t.is(res.status, 200);
  t.regex(res.headers['content-type'], /^text\/html/);
  for (const path of [
    '/stats',
    '/processes',
    '/network/interfaces',
    '/storage/devices',
    '/health',
    '/metrics/history',
    '/system/config',
    '/docs',
    '/openapi.json',
  ]) {
    t.true(res.text.includes(`href="${path}"`), path);
  }
});

test('with enabled: false no monitor route is mounted', async (t) => {
  const off = monitorApp(source, { config: { enabled: false } }).handler;
  const res = await request(off).get('/stats');
  t.is(res.status, 404);
  t.is(header(res, 'x-frame-options'), undefined);
});
