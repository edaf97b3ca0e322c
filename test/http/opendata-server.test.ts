import test from 'ava';
import request from 'supertest';
import { parsePhpQuery } from '../../src/readings/php.js';
import { DAY4 } from '../helpers/day-data-peer.js';
import { network } from '../helpers/peer-network.js';

const HEAD = '["datetime","PV voltage","PV power L","battery percentage"]';
/** The stored file as PHP's json_decode + json_encode give it back (no spaces, `\/` escaped). */
const FILE = `[${HEAD},["2021-02-24 07:48:13.1","13.3","2.25","0.34"],["2021-02-24 07:46:13.125131","13.27","1.5","0.33"],["2021-02-23 23:58:00.5","12.9","0","0.31"]]`;

/** The expected body; null: a 501 (a query the cached data cannot answer). */
const cases: [string, string | null][] = [
  // v2: getServerCCData(). PHP stores the key "0" as the int 0, and [0 => x] encodes as a list.
  ['/api/v2/opendata.php?server=0', `[${FILE}]`],
  ['/api/v2/opendata.php?server=1', '{"1":null}'],
  ['/api/v2/opendata.php?server=7', '{"7":null}'],
  ['/api/v2/opendata.php?server=1.0', '{"1.0":null}'],
  ['/api/v2/opendata.php?server=Server%20One', `{"Server One":${FILE}}`],
  ['/api/v2/opendata.php?server=SERVERONE', `{"SERVERONE":${FILE}}`],
  ['/api/v2/opendata.php?server=nobody', '{"nobody":null}'],
  ['/api/v2/opendata.php?server=..%2Fpeers%2Fx', '{"..\\/peers\\/x":null}'],
  ['/api/v2/opendata.php?server=', '{"":null}'],
  ['/api/v2/opendata.php?server=all', `{"all":{"serverone":${FILE},"two":"err"}}`],
  // v1: getServerData(): server= first, the rest of the query is what each peer is asked.
  ['/api/v1/opendata.php?server=0', ''],
  ['/api/v1/opendata.php?server=1', 'err'],
  ['/api/v1/opendata.php?server=7', 'err'],
  ['/api/v1/opendata.php?server=Server%20One', ''],
  ['/api/v1/opendata.php?server=all', '["","err"]'],
  ['/api/v1/opendata.php?server=0&day=4', DAY4],
  [
    '/api/v1/opendata.php?server=all&day=1',
    `[[[${HEAD},["2021-02-24 07:46:13.125131","13.27","1.5","0.33"],["2021-02-24 07:48:13.1","13.3","2.25","0.34"]]],"err"]`,
  ],
  ['/api/v1/opendata.php?server=all&line=0&day=2', null],
];

for (const [path, expected] of cases) {
  test(`${path.replace('/api/', '')} answers as the original`, async (t) => {
    const { handler } = await network(t);
    const res = await request(handler).get(path);
    if (expected === null) {
      t.is(res.status, 501);
      return;
    }
    t.is(res.status, 200);
    t.is(res.headers['content-type'], 'text/html; charset=UTF-8');
    t.is(res.text, expected);
  });
}

test('v2 answers value, line, day, systemInfo and networkInfo before server=, as the original', async (t) => {
  const { answers, handler } = await network(t);
  for (const q of ['day=list', 'value=PV-voltage', 'line=len', 'systemInfo=tz', 'networkInfo=deviceList']) {
    const res = await request(handler).get(`/api/v2/opendata.php?server=all&${q}`);
    t.is(res.text, answers.answer('opendata', 2, parsePhpQuery(q)).toString(), q);
  }
});

test('v1 server= with a query the cached day=4 data cannot answer is a 501 that says so', async (t) => {
  const { handler } = await network(t);
  const res = await request(handler).get('/api/v1/opendata.php?server=0&value=PV-voltage');
  t.is(res.status, 501);
  t.regex(res.body.error.message, /value/);
});

test('this node is answered by its own engine in v1, and by its own file in v2', async (t) => {
  const { answers, handler } = await network(t, true);
  const v1 = await request(handler).get('/api/v1/opendata.php?server=2&value=PV-voltage');
  t.is(v1.text, '13.23');
  const mine = answers.answer('chargecontroller', 1, new Map([['day', '2']])).toString();
  const all = await request(handler).get('/api/v1/opendata.php?server=all&day=2');
  t.true(all.text.endsWith(`,"err",${mine}]`));
  const v2 = await request(handler).get('/api/v2/opendata.php?server=Me');
  t.true(v2.text.startsWith('{"Me":[["datetime","PV voltage"'));
});
