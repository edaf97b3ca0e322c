import test from 'ava';
import request from 'supertest';
import { KEY, postApp, rawBody } from './api-post-app.js';

// What the original api.php accepts is stored, byte for byte as its json_encode($data) writes it:
// a name of any length or markup (test_input escapes it, nothing limits it), a POST without tz
// (PHP 8 stores ""), and entries without a tz key, which keep having none.
const PATH = '/api/v1/api.php';

const post = (server: ReturnType<typeof postApp>['server'], body: string) =>
  request(server).post(PATH).type('form').send(body);

// Written before tz joined the POST (2022-02-15): no tz key at all.
const OLD =
  '{"mac":"b8:27:eb:00:00:01","ip":"1.2.3.4","time stamp":"1612345678.123","name":"Old","log":["x"]}';
const NEW =
  '{"mac":"b8:27:eb:00:00:02","ip":"5.6.7.8","time stamp":"1700000000.5","name":"New",' +
  '"tz":"America/New_York","log":[""]}';

test('a long name with markup is stored escaped, as the original stores it, and answered whole', async (t) => {
  const node = postApp({ content: `[${NEW}]` });
  const name = `${'Solar Power for Artists '.repeat(8)}<b>"roof" & co</b>`;
  const res = await post(
    node.server,
    rawBody({
      api_key: KEY,
      stamp: '1700000001.25',
      ip: '9.9.9.9',
      mac: 'b8:27:eb:00:00:09',
      name: encodeURIComponent(name),
      tz: 'UTC',
      log: '0',
    }),
  );
  const stored =
    '{"mac":"b8:27:eb:00:00:09","ip":"9.9.9.9","time stamp":"1700000001.25","name":"' +
    'Solar Power for Artists Solar Power for Artists Solar Power for Artists Solar Power for Artists ' +
    'Solar Power for Artists Solar Power for Artists Solar Power for Artists Solar Power for Artists ' +
    '&lt;b&gt;&quot;roof&quot; &amp; co&lt;/b&gt;","tz":"UTC","log":["0"]}';
  t.is(res.status, 200);
  t.is(res.text, `[${NEW},${stored}]`);
  t.is(node.read(), `[${NEW},${stored}]`);
});

test('a POST without tz stores "" while an entry that never had tz keeps having none', async (t) => {
  const node = postApp({ content: `[${OLD},${NEW}]` });
  const res = await post(
    node.server,
    rawBody({
      api_key: KEY,
      stamp: '1600000000.1',
      ip: '9.9.9.9',
      mac: 'b8:27:eb:00:00:03',
      name: 'Three',
      log: '',
    }),
  );
  const three =
    '{"mac":"b8:27:eb:00:00:03","ip":"9.9.9.9","time stamp":"1600000000.1","name":"Three","tz":"","log":[""]}';
  t.is(res.status, 200);
  t.is(res.text, `[${OLD},${NEW},${three}]`);
  t.is(node.read(), `[${OLD},${NEW},${three}]`);
});

test('only the request is bounded: a name that fits in the 64 KiB body is stored', async (t) => {
  const node = postApp({ content: '[]' });
  const name = 'n'.repeat(60_000);
  const res = await post(
    node.server,
    rawBody({ api_key: KEY, stamp: '1', ip: '9.9.9.9', mac: 'b8:27:eb:00:00:09', name, tz: 'UTC', log: 'x' }),
  );
  const stored = `[{"mac":"b8:27:eb:00:00:09","ip":"9.9.9.9","time stamp":"1","name":"${name}","tz":"UTC","log":["x"]}]`;
  t.is(res.status, 200);
  t.is(res.text, stored);
  t.is(node.read(), stored);
});
