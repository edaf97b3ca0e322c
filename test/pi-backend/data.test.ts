import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { DataStore } from '../../src/pi-backend/data-store.js';
import { ADMIN_KEY, piBackendApp } from './app.js';

const postData = (
  app: ReturnType<typeof piBackendApp>['app'],
  body: unknown,
  key: string | null = ADMIN_KEY,
) => {
  const req = request(app.callback()).post('/api/data').set('Content-Type', 'application/json');
  if (key !== null) req.set('X-API-Key', key);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
};

test('POST /api/data stores the string and GET /api/data lists it with its id and timestamp', async (t) => {
  const { app } = piBackendApp();
  const before = Date.now();
  const created = await postData(app, { data: 'hello' });
  t.is(created.status, 201);
  t.is(created.body.success, true);
  t.is(created.body.id, 1);
  t.true(Date.parse(created.body.timestamp) >= before - 1000);
  await postData(app, { data: 'world' });
  const list = await request(app.callback()).get('/api/data');
  t.is(list.status, 200);
  t.deepEqual(
    list.body.map((e: { id: number; data: string }) => [e.id, e.data]),
    [
      [1, 'hello'],
      [2, 'world'],
    ],
  );
  t.is(list.body[0].timestamp, created.body.timestamp);
});

test('GET /api/data?limit=n answers the newest n entries, oldest first', async (t) => {
  const { app } = piBackendApp();
  for (const data of ['a', 'b', 'c', 'd']) await postData(app, { data });
  const res = await request(app.callback()).get('/api/data?limit=2');
  t.deepEqual(
    res.body.map((e: { data: string }) => e.data),
    ['c', 'd'],
  );
  const bad = await request(app.callback()).get('/api/data?limit=0');
  t.is(bad.status, 400);
  t.regex(bad.body.error, /^limit must be/);
});

test('GET /api/data with nothing stored is an empty list', async (t) => {
  const { app } = piBackendApp();
  const res = await request(app.callback()).get('/api/data');
  t.is(res.status, 200);
  t.deepEqual(res.body, []);
});

test('POST /api/data needs the admin key: 401 without, 403 wrong, nothing stored', async (t) => {
  const { app, dir } = piBackendApp();
  t.is((await postData(app, { data: 'x' }, null)).status, 401);
  t.is((await postData(app, { data: 'x' }, 'wrong-key')).status, 403);
  t.false(existsSync(join(dir, 'data-entries.jsonl')));
});

for (const [title, body, message, status] of [
  ['no data field', { other: 1 }, /^data is required/, 400],
  ['a number as data', { data: 5 }, /^data must be a string/, 400],
  ['data over 64 KiB', { data: 'é'.repeat(32 * 1024 + 1) }, /^data is over 64 KiB/, 400],
  ['a body that is not JSON', 'data=hello', /must be JSON/, 400],
  ['a body over the limit', { data: 'x'.repeat(500 * 1024) }, /request body over/, 413],
] as const) {
  test(`POST /api/data with ${title} is a ${status} naming it, nothing stored`, async (t) => {
    const { app, dir } = piBackendApp();
    const res = await postData(app, body);
    t.is(res.status, status);
    t.regex(res.body.error, message);
    t.false(existsSync(join(dir, 'data-entries.jsonl')));
  });
}

test('64 KiB of data exactly is accepted', async (t) => {
  const { app } = piBackendApp();
  t.is((await postData(app, { data: 'x'.repeat(64 * 1024) })).status, 201);
});

test('ids carry on after a restart and a torn last line is skipped and ended', async (t) => {
  const { app, dir } = piBackendApp();
  await postData(app, { data: 'one' });
  await postData(app, { data: 'two' });
  const file = join(dir, 'data-entries.jsonl');
  appendFileSync(file, '{"id":3,"timestamp":"2025-'); // a crash mid-write
  const again = new DataStore(file);
  t.deepEqual(
    (await again.list()).map((e) => e.data),
    ['one', 'two'],
  );
  const entry = await again.add('three');
  t.is(entry.id, 3);
  t.deepEqual(
    (await again.list()).map((e) => [e.id, e.data]),
    [
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ],
  );
  t.true(readFileSync(file, 'utf8').includes('"timestamp":"2025-\n{"id":3'));
});

test('concurrent posts get distinct ids', async (t) => {
  const { backend } = piBackendApp();
  const entries = await Promise.all(Array.from({ length: 20 }, (_, i) => backend.data.add(`n${i}`)));
  t.deepEqual(
    entries.map((e) => e.id).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
});
