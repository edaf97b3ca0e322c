import { readFileSync } from 'node:fs';
import test from 'ava';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { KEY, postApp, rawBody } from './api-post-app.js';

// Checklist items 19-23 (spec §10), byte for byte: the response body and deviceList.json.
const PATH = '/api/v1/api.php';
const PHP_TYPE = 'text/html; charset=UTF-8';

const ONE_FIELDS = {
  stamp: '1612345678.123',
  ip: '1.2.3.4:8080',
  mac: 'b8:27:eb:00:00:01',
  name: 'Server One',
  tz: 'America/New_York',
  log: '2021-01-31 10:00:00.000001',
};
const ONE =
  '{"mac":"b8:27:eb:00:00:01","ip":"1.2.3.4:8080","time stamp":"1612345678.123","name":"Server One",' +
  '"tz":"America/New_York","log":["2021-01-31 10:00:00.000001"]}';
const TWO =
  '{"mac":"b8:27:eb:00:00:02","ip":"5.6.7.8","time stamp":"1612345600.5","name":"Two","tz":"Europe/Paris",' +
  '"log":["0"]}';
const THREE =
  '{"mac":"b8:27:eb:00:00:03","ip":"9.9.9.9","time stamp":"1600000000.1","name":"Three","tz":"",' +
  '"log":[""]}';

function post(server: ReturnType<typeof postApp>['server'], body: string) {
  return request(server).post(PATH).type('form').send(body);
}

const withKey = (fields: Record<string, string>, key = KEY) => rawBody({ api_key: key, ...fields });

test('19: a wrong api_key is refused with the original body, 403 and nothing written', async (t) => {
  const node = postApp({ content: `[${ONE}]` });
  const res = await post(node.server, withKey({ ...ONE_FIELDS, mac: 'b8:27:eb:00:00:09' }, 'nope'));
  t.is(res.status, 403);
  t.is(res.headers['content-type'], PHP_TYPE);
  t.is(res.text, 'Wrong API Key provided.');
  t.is(node.read(), `[${ONE}]`);
  t.deepEqual(node.files(), ['deviceList.json']);
});

test('19: a missing api_key is refused the same way', async (t) => {
  const node = postApp({ content: '' });
  const res = await post(node.server, rawBody(ONE_FIELDS));
  t.is(res.status, 403);
  t.is(res.text, 'Wrong API Key provided.');
  t.is(node.read(), '');
});

test('19: the key is trimmed before it is compared, as PHP trims it', async (t) => {
  const node = postApp({ content: `[${ONE}]` });
  const res = await post(node.server, rawBody({ api_key: `+${KEY}%20`, ...ONE_FIELDS }));
  t.is(res.status, 200);
  t.is(res.text, `[${ONE}]`);
});

test('19: a $2y$ bcrypt hash of the key verifies the key, after test_input', async (t) => {
  const keyHash = bcrypt.hashSync(KEY, 4).replace(/^\$2b\$/, '$2y$');
  const node = postApp({ content: '[]', key: { keyHash } });
  t.is((await post(node.server, withKey(ONE_FIELDS, 'testkeyX'))).text, 'Wrong API Key provided.');
  const res = await post(node.server, withKey(ONE_FIELDS, ` ${KEY}\n`));
  t.is(res.status, 200);
  t.is(res.text, `[${ONE}]`);
});

test('20: a valid POST against an empty deviceList.json answers an empty body and writes one entry', async (t) => {
  const node = postApp({ content: '' });
  const res = await post(node.server, withKey(ONE_FIELDS));
  t.is(res.status, 200);
  t.is(res.headers['content-type'], PHP_TYPE);
  t.is(res.text, '');
  t.is(node.read(), `[${ONE}]`);
});

test('20: a blank file or a missing one counts as empty too', async (t) => {
  for (const content of [' \n', undefined]) {
    const node = postApp({ content });
    const res = await post(node.server, withKey(ONE_FIELDS));
    t.is(res.status, 200);
    t.is(res.text, '');
    t.is(node.read(), `[${ONE}]`);
  }
});

test('21: a new mac is appended and the whole list is answered', async (t) => {
  const node = postApp({ content: `[${ONE}]` });
  const res = await post(
    node.server,
    withKey({
      stamp: '1612345600.5',
      ip: '5.6.7.8',
      mac: 'b8:27:eb:00:00:02',
      name: 'Two',
      tz: 'Europe/Paris',
      log: '0',
    }),
  );
  t.is(res.status, 200);
  t.is(res.text, `[${ONE},${TWO}]`);
  t.is(node.read(), `[${ONE},${TWO}]`);
});

test('21: a known mac is replaced in place, its position kept and the others untouched', async (t) => {
  const node = postApp({ content: `[${ONE},${TWO},${THREE}]` });
  const res = await post(
    node.server,
    withKey({
      stamp: '1700000000.25',
      ip: '10.0.0.2:81',
      mac: 'b8:27:eb:00:00:02',
      name: 'Two B',
      log: 'x,y',
    }),
  );
  const updated =
    '{"mac":"b8:27:eb:00:00:02","ip":"10.0.0.2:81","time stamp":"1700000000.25","name":"Two B","tz":"",' +
    '"log":["x","y"]}';
  t.is(res.text, `[${ONE},${updated},${THREE}]`);
  t.is(node.read(), `[${ONE},${updated},${THREE}]`);
});

test('21: the first of two entries with the same mac is the one updated', async (t) => {
  const node = postApp({ content: `[${ONE},${ONE}]` });
  await post(node.server, withKey({ ...ONE_FIELDS, name: 'New' }));
  t.is(node.read(), `[${ONE.replace('Server One', 'New')},${ONE}]`);
});

test('22: log is split on commas; empty, missing and 0 logs are kept as the original keeps them', async (t) => {
  const cases: Array<[string | undefined, string]> = [
    ['a,b', '["a","b"]'],
    ['', '[""]'],
    [undefined, '[""]'],
    ['0', '["0"]'],
    ['a,,b,', '["a","","b",""]'],
  ];
  for (const [log, stored] of cases) {
    const node = postApp({ content: '' });
    const { log: _, ...rest } = ONE_FIELDS;
    await post(node.server, withKey(log === undefined ? rest : { ...rest, log }));
    t.is(node.read(), `[${ONE.replace('["2021-01-31 10:00:00.000001"]', stored)}]`, String(log));
  }
});

test('22: values are stored HTML-escaped as test_input leaves them', async (t) => {
  const cases: Array<[string, string]> = [
    ['Two <b>', 'Two &lt;b&gt;'],
    ["Alex's", 'Alex&#039;s'],
    ['say %22hi%22', 'say &quot;hi&quot;'],
    ['A%26amp%3B', 'A&amp;amp;'],
    ['back\\slash', 'backslash'],
    ['Caf%C3%A9', 'Caf\\u00e9'],
  ];
  for (const [sent, stored] of cases) {
    const node = postApp({ content: '' });
    await post(node.server, withKey({ ...ONE_FIELDS, name: sent }));
    t.is(node.read(), `[${ONE.replace('"Server One"', `"${stored}"`)}]`, sent);
  }
});

test("23: the Python client's un-encoded body (spaces, colons, a newline after the mac) is stored", async (t) => {
  const node = postApp({ content: `[${TWO}]` });
  const body =
    'api_key=testkey&stamp=1612345678.123&ip=1.2.3.4:8080&mac=b8:27:eb:00:00:01\n&name=Server One' +
    '&tz=America/New_York&log=2021-01-31 10:00:00.000001,2021-01-30 09:00:00.000001';
  const res = await post(node.server, body);
  const entry = ONE.replace('"]}', '","2021-01-30 09:00:00.000001"]}');
  t.is(res.status, 200);
  t.is(res.text, `[${TWO},${entry}]`);
  t.is(readFileSync(node.file, 'utf8'), `[${TWO},${entry}]`);
});

test('23: a properly form-encoded body is stored the same', async (t) => {
  const node = postApp({ content: '' });
  const res = await post(node.server, new URLSearchParams({ api_key: KEY, ...ONE_FIELDS }).toString());
  t.is(res.text, '');
  t.is(node.read(), `[${ONE}]`);
});
