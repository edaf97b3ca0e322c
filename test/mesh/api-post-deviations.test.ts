import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { FailureLimiter } from '../../src/auth/failure-limiter.js';
import { NetworkKey } from '../../src/mesh/network-key.js';
import { FIELDS, KEY, postApp, rawBody } from './api-post-app.js';

// Deliberate deviations from the original api.php POST (which answers 200 to everything).
const PATH = '/api/v1/api.php';
const ONE =
  '{"mac":"b8:27:eb:00:00:01","ip":"1.2.3.4","time stamp":"1612345678.123","name":"One","tz":"UTC","log":["a"]}';
const OTHER =
  '{"mac":"b8:27:eb:00:00:07","ip":"7.7.7.7","time stamp":"1","name":"Seven","tz":"UTC","log":["7"]}';

type Server = ReturnType<typeof postApp>['server'];
const post = (server: Server, body: string, from = '10.0.0.1') =>
  request(server).post(PATH).set('X-Forwarded-For', from).type('form').send(body);
const valid = (fields: Record<string, string> = {}, key = KEY) =>
  rawBody({ api_key: key, ...FIELDS, ...fields });

class CountingKey extends NetworkKey {
  calls = 0;
  override verify(candidate: string | undefined): Promise<boolean> {
    this.calls++;
    return super.verify(candidate);
  }
}

test('a wrong key is a 403, not the original 200', async (t) => {
  const node = postApp({ content: '' });
  const res = await post(node.server, valid({}, 'wrong'));
  t.is(res.status, 403);
  t.is(res.text, 'Wrong API Key provided.');
});

test('with no key configured every POST is refused with the original body', async (t) => {
  const node = postApp({ content: '', key: {} });
  const res = await post(node.server, valid());
  t.is(res.status, 403);
  t.is(res.text, 'Wrong API Key provided.');
  t.is(node.read(), '');
});

test('a body that is not a urlencoded form has no fields, so no key', async (t) => {
  const node = postApp({ content: '' });
  const res = await request(node.server)
    .post(PATH)
    .type('json')
    .send({ api_key: KEY, ...FIELDS });
  t.is(res.status, 403);
  t.is(res.text, 'Wrong API Key provided.');
  t.is(node.read(), '');
});

test('repeated wrong keys from one address get 429 with Retry-After, without the key being checked', async (t) => {
  const key = new CountingKey({ key: KEY });
  const node = postApp({
    content: '',
    networkKey: key,
    limiter: new FailureLimiter({ max: 3, windowSeconds: 60 }),
  });
  for (let i = 0; i < 3; i++) t.is((await post(node.server, valid({}, `bad${i}`))).status, 403);
  t.is(key.calls, 3);
  const blocked = await post(node.server, valid());
  t.is(blocked.status, 429);
  t.is(blocked.body.error.code, 'ERR_RATE_LIMITED');
  t.true(Number(blocked.headers['retry-after']) >= 1 && Number(blocked.headers['retry-after']) <= 60);
  t.is(key.calls, 3);
  t.is(node.read(), '');

  const other = await post(node.server, valid(), '10.0.0.2');
  t.is(other.status, 200);
  t.is(node.read(), `[${ONE}]`);
});

test('parallel wrong keys from one address cannot outrun the limit', async (t) => {
  const key = new CountingKey({ keyHash: bcrypt.hashSync(KEY, 4) });
  const node = postApp({ content: '', networkKey: key, limiter: new FailureLimiter({ max: 3 }) });
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => post(node.server, valid({}, `b${i}`))),
  );
  t.is(answers.filter((res) => res.status === 403).length, 3);
  t.is(answers.filter((res) => res.status === 429).length, 7);
  t.is(key.calls, 3);
});

test('a body over 64 KiB is refused with 413 and nothing is written', async (t) => {
  const node = postApp({ content: `[${OTHER}]` });
  const res = await post(node.server, valid({ name: 'x'.repeat(65 * 1024) }));
  t.is(res.status, 413);
  t.is(res.body.error.code, 'ERR_BODY_TOO_LARGE');
  t.is(node.read(), `[${OTHER}]`);
  t.is((await post(node.server, valid())).status, 200);
});

test('a chunked body over 64 KiB (no Content-Length) is refused with 413 as well', async (t) => {
  const node = postApp({ content: `[${OTHER}]` });
  const { createServer } = await import('node:http');
  const server = createServer(node.server).listen(0, '127.0.0.1');
  t.teardown(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: PATH, method: 'POST' }, (res) =>
      resolve(res.resume().statusCode ?? 0),
    );
    req.setHeader('Content-Type', 'application/x-www-form-urlencoded');
    req.on('error', reject);
    req.write(valid());
    for (let i = 0; i < 70; i++) req.write(`&pad${i}=${'y'.repeat(1024)}`);
    req.end();
  });
  t.is(status, 413);
  t.is(node.read(), `[${OTHER}]`);
});

test('each invalid field is a 400 naming it, and the file is left byte for byte', async (t) => {
  const node = postApp({ content: `[${OTHER}]` });
  const cases: Array<[Record<string, string>, string]> = [
    [{ mac: 'not-a-mac' }, 'mac: '],
    [{ mac: '' }, 'mac: '],
    [{ ip: '1.2.3.4:99999' }, 'ip: '],
    [{ ip: 'a host' }, 'ip: '],
    [{ stamp: 'yesterday' }, 'stamp: '],
  ];
  for (const [fields, prefix] of cases) {
    const res = await post(node.server, valid(fields));
    t.is(res.status, 400, prefix);
    t.is(res.body.error.code, 'ERR_INPUT');
    t.true(res.body.error.message.startsWith(prefix), res.body.error.message);
    t.is(node.read(), `[${OTHER}]`);
  }
  const mac = await post(node.server, valid({ mac: 'zz' }));
  t.is(mac.body.error.message, 'mac: must be a MAC address like b8:27:eb:00:00:01');
});

test('a corrupt deviceList.json is moved aside, bytes kept, and the list carries on from the last good one', async (t) => {
  const node = postApp({ content: `[${OTHER}]` });
  t.is((await post(node.server, valid({ mac: 'b8:27:eb:00:00:02' }))).status, 200);
  const good = node.read();
  const corrupt = `${good.slice(0, 40)}\u0000garbage`;
  writeFileSync(node.file, corrupt);

  const res = await post(node.server, valid());
  t.is(res.status, 200);
  t.is(res.text, '', 'the original answers an empty body when json_decode fails');
  const aside = node.files().filter((f) => f.startsWith('deviceList.json.corrupt-'));
  t.is(aside.length, 1);
  t.regex(aside[0], /^deviceList\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
  t.is(readFileSync(join(node.dir, aside[0]), 'utf8'), corrupt);
  t.is(node.read(), `${good.slice(0, -1)},${ONE}]`);

  const next = await post(node.server, valid({ name: 'Again' }));
  t.is(next.text, node.read());
  t.is(JSON.parse(next.text).length, 3);
});

test('a file that is JSON but not a list of entries is treated as corrupt', async (t) => {
  const node = postApp({ content: '{"mac":"b8:27:eb:00:00:01"}' });
  const res = await post(node.server, valid());
  t.is(res.text, '');
  t.is(node.read(), `[${ONE}]`);
  t.is(node.files().filter((f) => f.includes('.corrupt-')).length, 1);
});

test('the node keeps answering after all of these', async (t) => {
  const node = postApp({ content: 'not json', limiter: new FailureLimiter({ max: 1 }) });
  await post(node.server, valid({}, 'bad'), '10.9.9.9');
  await post(node.server, valid({}, 'bad'), '10.9.9.9');
  await post(node.server, valid({ mac: 'x' }));
  await post(node.server, valid({ name: 'x'.repeat(70_000) }));
  t.is((await post(node.server, valid())).status, 200);
  t.is((await post(node.server, valid())).text, `[${ONE}]`);
  t.deepEqual(node.posted, ['b8:27:eb:00:00:01', 'b8:27:eb:00:00:01']);
  t.is(node.peerState.get('B8:27:EB:00:00:01')?.source, 'gossip');
});

test('20 parallel POSTs with different MACs all land in the list', async (t) => {
  const node = postApp({ content: '[]' });
  const macs = Array.from({ length: 20 }, (_, i) => `b8:27:eb:00:01:${i.toString(16).padStart(2, '0')}`);
  const answers = await Promise.all(macs.map((mac) => post(node.server, valid({ mac }))));
  t.true(answers.every((res) => res.status === 200));
  const stored = JSON.parse(node.read()) as Array<{ mac: string }>;
  t.deepEqual(stored.map((e) => e.mac).sort(), macs);
  t.deepEqual(node.files(), ['deviceList.json', 'peer-state.json']);
});
