import test from 'ava';
import request from 'supertest';
import { solarApp } from '../helpers/solar-app.js';

const peers = [
  {
    mac: 'b8:27:eb:00:00:01',
    ip: '1.2.3.4',
    'time stamp': '1612345678.123',
    name: 'Server One',
    tz: 'America/New_York',
    log: ['2021-01-31 10:00:00.000001'],
  },
  {
    mac: 'b8:27:eb:00:00:02',
    ip: '5.6.7.8',
    'time stamp': '1612345679.5',
    name: 'Two &lt;b&gt;',
    tz: 'Europe/Berlin',
    log: [''],
  },
];
const server = solarApp({ peers }).handler;

const answers = test.macro(async (t, path: string, expected: string) => {
  const res = await request(server).get(path);
  t.is(res.status, 200);
  t.is(res.headers['content-type'], 'text/html; charset=UTF-8');
  t.is(res.text, expected);
});

test(
  'opendata v1 answers value like chargecontroller',
  answers,
  '/api/v1/opendata.php?value=PV-voltage',
  '13.23',
);
test(
  'opendata v1 dump keeps slashes unescaped',
  answers,
  '/api/v1/opendata.php?systemInfo=dump',
  '{"timezone":"America/New_York","color":"#ff9900","name":"Solar Server One","description":"A node on a roof / in Brooklyn, caf\\u00e9","location":"Brooklyn","city":"New York","country":"USA","wattage-scaler":0.8333333333333334,"pvWatts":"60","pvVolts":"12"}',
);
test(
  'networkInfo=deviceList lists peer names only',
  answers,
  '/api/v1/opendata.php?networkInfo=deviceList',
  '["Server One","Two &lt;b&gt;"]',
);
test(
  'chargecontroller networkInfo=deviceList lists names too',
  answers,
  '/api/v1/chargecontroller.php?networkInfo=deviceList',
  '["Server One","Two &lt;b&gt;"]',
);
test(
  'opendata networkInfo=poe is every peer log',
  answers,
  '/api/v1/opendata.php?networkInfo=poe',
  '[["2021-01-31 10:00:00.000001"],[""]]',
);
test(
  'opendata networkInfo=tz escapes slashes as json_encode does',
  answers,
  '/api/v1/opendata.php?networkInfo=tz',
  '["America\\/New_York","Europe\\/Berlin"]',
);
test(
  'opendata networkInfo=timestamp',
  answers,
  '/api/v1/opendata.php?networkInfo=timestamp',
  '["1612345678.123","1612345679.5"]',
);
test(
  'opendata networkInfo=dump',
  answers,
  '/api/v1/opendata.php?networkInfo=dump',
  '{"name":["Server One","Two &lt;b&gt;"],"poe":[["2021-01-31 10:00:00.000001"],[""]],"tz":["America/New_York","Europe/Berlin"],"timestamp":["1612345678.123","1612345679.5"]}',
);

const v2 = (q: string) => `/api/v2/opendata.php?${q}`;
test('v2 value wraps the single value', answers, v2('value=PV-voltage'), '{"PV-voltage":"13.23"}');
test(
  'v2 value keeps the whitelist text',
  answers,
  v2('value=nope'),
  'Value not found. Acceptable values: PV-current, PV-current, PV-power-H,PV-power-L, PV-voltage, battery-percentage, battery-voltage, charge-current, charge-power-H, charge-power-L, load-current, load-power, load-voltage, datetime, scaled-wattage',
);
test(
  'v2 value with duration is newest first without headers',
  answers,
  v2('value=PV-voltage&duration=2'),
  '{"header":{"datetime":"PV-voltage"},"data":{"2021-02-24 07:50:13.445434":"13.23","2021-02-24 07:48:13.285716":"13.23","2021-02-24 07:46:13.125131":"13.27","2021-02-23 16:06:11.721448":"13.35","2021-02-23 16:04:11.562904":"13.38","2021-02-23 16:02:11.402311":"13.41"},"timezone":"America/New_York"}',
);
test(
  'v2 line=0 dashes the keys',
  answers,
  v2('line=0'),
  '{"0":{"datetime":"2021-02-24 07:50:13.445434","PV-voltage":"13.23","PV-current":"0.09","PV-power-L":"1.32","PV-power-H":"0.0","battery-voltage":"12.0","battery-current":"0.11","battery-power-L":"1.32","battery-power-H":"0.0","load-voltage":"12.0","load-current":"0.22","load-power":"2.64","battery-percentage":"0.33"},"timezone":"America/New_York"}',
);
test('v2 line=len', answers, v2('line=len'), '{"len":3}');
test('v2 line out of range is null', answers, v2('line=9'), 'null');
test(
  'v2 day=list',
  answers,
  v2('day=list'),
  '{"list":["tracerData2021-02-23.csv","tracerData2021-02-24.csv"]}',
);
test('v2 day=len', answers, v2('day=len'), '{"len":2}');
test(
  'v2 day=1 splits header and rows, newest first',
  answers,
  v2('day=1'),
  '{"header":["datetime","PV voltage","PV current","PV power L","PV power H","battery voltage","battery current","battery power L","battery power H","load voltage","load current","load power","battery percentage"],"data":[["2021-02-24 07:50:13.445434","13.23","0.09","1.32","0.0","12.0","0.11","1.32","0.0","12.0","0.22","2.64","0.33"],["2021-02-24 07:48:13.285716","13.23","0.08","1.06","0.0","12.1","0.09","1.06","0.0","12.1","0.2","2.42","0.35"],["2021-02-24 07:46:13.125131","13.27","0.08","1.09","0.0","12.15","0.09","1.09","0.0","12.15","0.18","2.18","0.38"]],"timezone":"America/New_York"}',
);
test('v2 systemInfo=tz', answers, v2('systemInfo=tz'), '{"tz":"America/New_York"}');
test(
  'v2 systemInfo=wattage-scaler is a JSON float',
  answers,
  v2('systemInfo=wattage-scaler'),
  '{"wattage-scaler":0.8333333333333334}',
);
test(
  'v2 networkInfo=deviceList',
  answers,
  v2('networkInfo=deviceList'),
  '{"deviceList":["Server One","Two &lt;b&gt;"]}',
);
