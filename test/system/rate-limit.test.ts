import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import test from 'ava';
import request from 'supertest';
import { condition, needs } from '../helpers/needs.js';
import { monitorApp } from './app.js';
import { FakeSource, header, manualClock } from './fake-source.js';

/** Whether this machine has an IPv6 loopback (containers often have none), before any test is declared. */
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createNetServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});

const LIMITED = { error: 'Rate limit exceeded', message: 'Maximum 60 requests per 60 seconds' };

/** One listening server per test (requests come from 127.0.0.1), closed afterwards. */
async function listen(options: Parameters<typeof monitorApp>[1] = {}, host = '127.0.0.1') {
  const clock = manualClock();
  const { handler } = monitorApp(new FakeSource(), { monotonicMs: clock.now, ...options });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, clock, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('with the defaults the 61st request within 60 s is a 429 with piStat body and a Retry-After', async (t) => {
  const { server, clock, close } = await listen();
  for (let i = 0; i < 60; i++) {
    t.is((await request(server).get('/health')).status, 200);
    clock.t += 100;
  }
  const res = await request(server).get('/health').set('Accept-Encoding', 'gzip');
  t.is(res.status, 429);
  t.deepEqual(res.body, LIMITED);
  // The first request was 6 s ago: it is over 60 s old in 54 s and a bit, hence 55 (piStat sent no Retry-After).
  t.is(res.headers['retry-after'], '55');
  t.is(res.headers['x-frame-options'], 'DENY', 'the security headers are on 429s too');
  t.is(header(res, 'content-encoding'), undefined, 'a 429 is never gzipped');
  await close();
});

test('the limit counts every monitor path together: /health, /stats, the docs page and 404s', async (t) => {
  const { server, close } = await listen({ config: { rateLimit: { requests: 4 } } });
  for (const path of ['/health', '/stats', '/api/system', '/network/nope']) {
    t.not((await request(server).get(path)).status, 429, path);
  }
  const res = await request(server).get('/system/nope');
  t.is(res.status, 429);
  t.deepEqual(res.body, { error: 'Rate limit exceeded', message: 'Maximum 4 requests per 60 seconds' });
  await close();
});

test('the window slides: once the oldest request is over a window old the next one passes', async (t) => {
  const { server, clock, close } = await listen({
    config: { rateLimit: { requests: 2, windowSeconds: 10 } },
  });
  await request(server).get('/health');
  clock.t += 5000;
  await request(server).get('/health');
  t.is((await request(server).get('/health')).status, 429);
  clock.t += 5001;
  t.is((await request(server).get('/health')).status, 200, 'the first left the window');
  t.is((await request(server).get('/health')).status, 429, 'the second still counts');
  await close();
});

test('rejected requests do not extend the block', async (t) => {
  const { server, clock, close } = await listen({
    config: { rateLimit: { requests: 1, windowSeconds: 10 } },
  });
  await request(server).get('/health');
  for (let i = 0; i < 5; i++) {
    clock.t += 1000;
    const res = await request(server).get('/health');
    t.is(res.status, 429);
    t.is(res.headers['retry-after'], String(10 - i), 'counted from the first request only');
  }
  clock.t += 5001;
  t.is((await request(server).get('/health')).status, 200);
  await close();
});

test('with the limiter off nothing is ever a 429', async (t) => {
  const { server, close } = await listen({ config: { rateLimit: { enabled: false, requests: 1 } } });
  for (let i = 0; i < 80; i++) t.is((await request(server).get('/metrics/history')).status, 200);
  await close();
});

test('the key is the socket address: X-Forwarded-For does not change it', async (t) => {
  const { server, close } = await listen({ config: { rateLimit: { requests: 2 } } });
  await request(server).get('/health').set('X-Forwarded-For', '10.0.0.1');
  await request(server).get('/health').set('X-Forwarded-For', '10.0.0.2');
  t.is((await request(server).get('/health').set('X-Forwarded-For', '10.0.0.3')).status, 429);
  await close();
});

// A machine without ::1 (a CI container too) is no failure of the limiter: skipped there, saying so.
needs(condition(ipv6Loopback, 'no IPv6 loopback (::1)', false))(
  'different client addresses have their own windows (127.0.0.1 and ::1)',
  async (t) => {
    const { port, close } = await listen({ config: { rateLimit: { requests: 1 } } }, '::');
    const v4 = `http://127.0.0.1:${port}`;
    t.is((await request(v4).get('/health')).status, 200);
    t.is((await request(v4).get('/health')).status, 429, 'IPv4-mapped ::ffff:127.0.0.1 is one client');
    t.is((await request(`http://[::1]:${port}`).get('/health')).status, 200);
    await close();
  },
);
