import Router from '@koa/router';
import test from 'ava';
import Koa from 'koa';
import request from 'supertest';
import { FailureLimiter } from '../../src/auth/failure-limiter.js';
import { errorMiddleware } from '../../src/http/errors.js';
import { fromThisMachine, HostNames, hostOf, requestOrigin } from '../../src/http/request-origin.js';
import { jobRoutes } from '../../src/http/routes/jobs.js';
import { FIELDS, KEY, postApp, rawBody } from '../mesh/api-post-app.js';

const PATH = '/api/v1/api.php';
const body = (key = KEY) => rawBody({ api_key: key, ...FIELDS });

test('Host names: addresses of any kind, localhost and configured names pass; other names do not', (t) => {
  const names = new HostNames(['poe.example.org', undefined, 'Node.Example.'], 'pi4');
  for (const ok of [
    '192.0.2.7',
    '192.0.2.7:8080',
    '[2001:db8::1]:80',
    'localhost:8080',
    'app.localhost',
    'pi4',
    'pi4.local:8080',
    'poe.example.org',
    'NODE.example',
    undefined,
  ]) {
    t.true(names.allows(ok), String(ok));
  }
  for (const bad of ['evil.example', 'poe.example.org.evil.example', 'example.org', '192.0.2.7.nip.io']) {
    t.false(names.allows(bad), bad);
  }
  t.is(hostOf('[::1]:8080'), '::1');
  t.is(hostOf('Poe.Example.Org.:80'), 'poe.example.org');
});

test('a POST under a foreign Host (DNS rebinding) is a 403 naming the setting, and nothing is written', async (t) => {
  const node = postApp({ content: '' });
  const res = await request(node.server)
    .post(PATH)
    .set('Host', 'rebind.evil.example')
    .type('form')
    .send(body());
  t.is(res.status, 403);
  t.is(res.body.error.code, 'ERR_FOREIGN_HOST');
  t.regex(
    res.body.error.message,
    /Host "rebind\.evil\.example" is not a name of this node; add it to http\.hostNames/,
  );
  t.is(node.read(), '');
});

test('a POST under a configured name or any address is taken', async (t) => {
  const node = postApp({ content: '', hostNames: ['poe.example.org'] });
  for (const host of ['poe.example.org', '203.0.113.9:8080']) {
    const res = await request(node.server).post(PATH).set('Host', host).type('form').send(body());
    t.is(res.status, 200, host);
  }
  t.true(node.read().includes('"b8:27:eb:00:00:01"'));
});

test('X-Forwarded-For counts only from a trusted proxy: others cannot spread their wrong keys over made-up addresses', async (t) => {
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware);
  app.use(requestOrigin({ hostNames: new HostNames([]), trustedProxies: [] }));
  const seen: string[] = [];
  app.use((ctx) => {
    seen.push(ctx.ip);
    ctx.body = 'ok';
  });
  await request(app.callback()).get('/').set('X-Forwarded-For', '198.51.100.1');
  await request(app.callback()).get('/').set('Forwarded', 'for=198.51.100.2');
  t.true(
    seen.every((ip) => ip === '127.0.0.1' || ip === '::1'),
    seen.join(),
  );

  const node = postApp({ content: '', limiter: new FailureLimiter({ max: 2 }) });
  const from = (xff: string) =>
    request(node.server).post(PATH).set('X-Forwarded-For', xff).type('form').send(body('wrong'));
  t.is((await from('198.51.100.1')).status, 403);
  t.is((await from('198.51.100.1')).status, 403);
  t.is((await from('198.51.100.1')).status, 429, 'the trusted proxy names the client');
  t.is((await from('198.51.100.2')).status, 403, 'another client behind it is not blocked');
  t.is(
    (await from('10.9.9.9, 198.51.100.1')).status,
    429,
    'the address the proxy appended counts, not the first',
  );
});

function jobsApp() {
  const app = new Koa();
  app.silent = true;
  app.use(errorMiddleware);
  app.use(requestOrigin({ hostNames: new HostNames([]), trustedProxies: ['127.0.0.1', '::1'] }));
  app.use(async (ctx, next) => {
    if (ctx.path === '/local') ctx.body = { local: fromThisMachine(ctx) };
    else await next();
  });
  const router = new Router();
  jobRoutes(router, {
    sample: async () => ({ at: new Date(0), file: 'f', row: 'r', simulated: true }),
  });
  app.use(router.routes());
  return app.callback();
}

test('local-only endpoints refuse requests that came through a proxy or under a foreign name', async (t) => {
  const app = jobsApp();
  t.is((await request(app).post('/api/jobs/log-sample')).status, 200);
  for (const [header, value] of [
    ['X-Forwarded-For', '203.0.113.5'],
    ['Forwarded', 'for=203.0.113.5'],
    ['Via', '1.1 proxy'],
    ['X-Real-IP', '203.0.113.5'],
  ]) {
    const res = await request(app).post('/api/jobs/log-sample').set(header, value);
    t.is(res.status, 403, header);
    t.regex(res.body.error.message, /not through a proxy/);
  }
  t.is((await request(app).post('/api/jobs/log-sample').set('Host', 'evil.example')).status, 403);
  t.deepEqual((await request(app).get('/local').set('Host', 'evil.example')).body, { local: false });
  t.deepEqual((await request(app).get('/local').set('Via', '1.1 nginx')).body, { local: false });
  t.deepEqual((await request(app).get('/local')).body, { local: true });
});
