import test from 'ava';
import request from 'supertest';
import { solarApp } from '../helpers/solar-app.js';
import { KEY, postApp, rawBody } from '../mesh/api-post-app.js';

// networkInfo=tz|dump read `$contents[$d]["tz"]` of every deviceList.json entry: null for an entry
// without the key (written before tz joined the POST), "" for one POSTed without tz under PHP 8.
// Here the list goes the whole way: a file as the original wrote it, a POST without tz through
// api.php, the file read back, the public answers.

const OLD =
  '{"mac":"b8:27:eb:00:00:01","ip":"1.2.3.4","time stamp":"1612345678.123","name":"Old","log":["x"]}';
const NEW =
  '{"mac":"b8:27:eb:00:00:02","ip":"5.6.7.8","time stamp":"1700000000.5","name":"New",' +
  '"tz":"America/New_York","log":[""]}';

async function nodeWithMixedZones() {
  const node = postApp({ content: `[${OLD},${NEW}]` });
  const body = rawBody({
    api_key: KEY,
    stamp: '1600000000.1',
    ip: '9.9.9.9',
    mac: 'b8:27:eb:00:00:03',
    name: 'Three',
    log: '',
  });
  await request(node.server).post('/api/v1/api.php').type('form').send(body);
  const peers = [...(await node.deviceList.load())];
  return solarApp({ peers }).handler;
}

const answers = test.macro(async (t, path: string, expected: string) => {
  const res = await request(await nodeWithMixedZones()).get(path);
  t.is(res.status, 200);
  t.is(res.text, expected);
});

test(
  'v1 opendata networkInfo=tz: null without a tz key, "" for a POST without tz',
  answers,
  '/api/v1/opendata.php?networkInfo=tz',
  '[null,"America\\/New_York",""]',
);
test(
  'v2 opendata networkInfo=tz the same, wrapped',
  answers,
  '/api/v2/opendata.php?networkInfo=tz',
  '{"tz":[null,"America\\/New_York",""]}',
);
test(
  'v1 opendata networkInfo=dump',
  answers,
  '/api/v1/opendata.php?networkInfo=dump',
  '{"name":["Old","New","Three"],"poe":[["x"],[""],[""]],"tz":[null,"America/New_York",""],"timestamp":["1612345678.123","1700000000.5","1600000000.1"]}',
);
test(
  'v2 opendata networkInfo=dump',
  answers,
  '/api/v2/opendata.php?networkInfo=dump',
  '{"dump":{"name":["Old","New","Three"],"poe":[["x"],[""],[""]],"tz":[null,"America/New_York",""],"timestamp":["1612345678.123","1700000000.5","1600000000.1"]}}',
);
test(
  'chargecontroller.php answers networkInfo=deviceList only',
  answers,
  '/api/v1/chargecontroller.php?networkInfo=deviceList',
  '["Old","New","Three"]',
);
test(
  'chargecontroller.php has no networkInfo=tz: an empty body',
  answers,
  '/api/v1/chargecontroller.php?networkInfo=tz',
  '',
);
