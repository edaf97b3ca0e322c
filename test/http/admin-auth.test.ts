import test from 'ava';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { FailureLimiter } from '../../src/auth/failure-limiter.js';
import { AdminKey, requireAdmin } from '../../src/http/admin-auth.js';
import { routeApp } from '../helpers/route-app.js';

const guarded = (adminKey: AdminKey) =>
  routeApp((router) => {
    router.post('/change', requireAdmin(adminKey), (ctx) => {
      ctx.body = { changed: true };
    });
  }).callback();

test('a request without X-API-Key is 401 and names the header', async (t) => {
  const res = await request(guarded(new AdminKey({ key: 'correct horse' }))).post('/change');
  t.is(res.status, 401);
  t.regex(res.body.error.message, /X-API-Key/);
});

test('a wrong key is 403', async (t) => {
  const res = await request(guarded(new AdminKey({ key: 'correct horse' })))
    .post('/change')
    .set('X-API-Key', 'wrong horse');
  t.is(res.status, 403);
});

test('the right key passes', async (t) => {
  const res = await request(guarded(new AdminKey({ key: 'correct horse' })))
    .post('/change')
    .set('X-API-Key', 'correct horse');
  t.is(res.status, 200);
  t.true(res.body.changed);
});

test('a bcrypt hash of the key works in place of the key, $2y$ included', async (t) => {
  const hash = bcrypt.hashSync('correct horse', 4).replace(/^\$2b\$/, '$2y$');
  const app = guarded(new AdminKey({ keyHash: hash }));
  t.is((await request(app).post('/change').set('X-API-Key', 'correct horse')).status, 200);
  t.is((await request(app).post('/change').set('X-API-Key', 'correct horsf')).status, 403);
});

test('without an admin key configured the endpoint is 503 and says how to set one', async (t) => {
  const res = await request(guarded(new AdminKey())).post('/change').set('X-API-Key', 'anything');
  t.is(res.status, 503);
  t.is(res.body.error.code, 'ERR_NO_ADMIN_KEY');
  t.regex(res.body.error.message, /PIMESH_ADMIN_KEY/);
});

test('too many wrong admin keys from one address are a 429 with Retry-After, even for the right key', async (t) => {
  const app = guarded(new AdminKey({ key: 'correct horse', limiter: new FailureLimiter({ max: 3 }) }));
  for (let i = 0; i < 3; i++)
    t.is((await request(app).post('/change').set('X-API-Key', `guess ${i}`)).status, 403);
  const res = await request(app).post('/change').set('X-API-Key', 'correct horse');
  t.is(res.status, 429);
  t.is(res.body.error.code, 'ERR_RATE_LIMITED');
  t.regex(res.headers['retry-after'], /^\d+$/);
  t.regex(res.body.error.message, /too many wrong admin keys/);
});
