import { rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { fixtureDir, solarApp } from '../helpers/solar-app.js';

// Checklist §10 of spec/solar-protocol.md, items 1-18 and 24, on the fixture files: bodies byte for byte.

const { handler: server } = solarApp();

const HEADER =
  '["datetime","PV voltage","PV current","PV power L","PV power H","battery voltage","battery current","battery power L","battery power H","load voltage","load current","load power","battery percentage"]';
const TODAY_ROWS = [
  HEADER,
  '["2021-02-24 07:46:13.125131","13.27","0.08","1.09","0.0","12.15","0.09","1.09","0.0","12.15","0.18","2.18","0.38"]',
  '["2021-02-24 07:48:13.285716","13.23","0.08","1.06","0.0","12.1","0.09","1.06","0.0","12.1","0.2","2.42","0.35"]',
  '["2021-02-24 07:50:13.445434","13.23","0.09","1.32","0.0","12.0","0.11","1.32","0.0","12.0","0.22","2.64","0.33"]',
];
const PREVIOUS_ROWS = [
  HEADER,
  '["2021-02-23 16:02:11.402311","13.41","0.05","0.67","0.0","12.85","0.05","0.67","0.0","12.85","0.19","2.44","0.61"]',
  '["2021-02-23 16:04:11.562904","13.38","0.04","0.53","0.0","12.84","0.04","0.53","0.0","12.84","0.19","2.43","0.6"]',
  '["2021-02-23 16:06:11.721448","13.35","0.03","0.4","0.0","12.83","0.03","0.4","0.0","12.83","0.18","2.3","0.6"]',
];
const VALUE_NOT_FOUND =
  'Value not found. Acceptable values: PV-current, PV-current, PV-power-H,PV-power-L, PV-voltage, battery-percentage, battery-voltage, charge-current, charge-power-H, charge-power-L, load-current, load-power, load-voltage, datetime, scaled-wattage';

const answers = test.macro(async (t, path: string, expected: string) => {
  const res = await request(server).get(path);
  t.is(res.status, 200);
  t.is(res.headers['content-type'], 'text/html; charset=UTF-8');
  t.is(res.text, expected);
});

const cc = (query: string) => `/api/v1/chargecontroller.php?${query}`;

test(
  '1: value=PV-voltage echoes the newest row raw, without a newline',
  answers,
  cc('value=PV-voltage'),
  '13.23',
);
test(
  '2: value=datetime echoes the newest datetime',
  answers,
  cc('value=datetime'),
  '2021-02-24 07:50:13.445434',
);
test('2: value=battery-percentage echoes a fraction', answers, cc('value=battery-percentage'), '0.33');
test(
  '3: a real column outside the whitelist is refused',
  answers,
  cc('value=battery-current'),
  VALUE_NOT_FOUND,
);
test('3: the whitelist is case-sensitive', answers, cc('value=pv-voltage'), VALUE_NOT_FOUND);
test('4: a whitelisted value without a column is empty', answers, cc('value=charge-current'), '');

test('5: value= is empty when today has no file', async (t) => {
  const dir = fixtureDir();
  rmSync(join(dir, 'tracerData2021-02-24.csv'));
  const res = await request(solarApp({ dir }).handler).get(cc('value=PV-voltage'));
  t.is(res.status, 200);
  t.is(res.text, '');
});

const series1 =
  '{"datetime":"PV voltage","2021-02-24 07:46:13.125131":"13.27","2021-02-24 07:48:13.285716":"13.23","2021-02-24 07:50:13.445434":"13.23"';
const series2 = `${series1},"2021-02-23 16:02:11.402311":"13.41","2021-02-23 16:04:11.562904":"13.38","2021-02-23 16:06:11.721448":"13.35"`;
test(
  '6: duration=1 maps every row of today, header included, in file order',
  answers,
  cc('value=PV-voltage&duration=1'),
  `${series1}}`,
);
test('7: duration=2 appends the previous file', answers, cc('value=PV-voltage&duration=2'), `${series2}}`);
test(
  '7: duration=30 is capped by the files there are',
  answers,
  cc('value=PV-voltage&duration=30'),
  `${series2}}`,
);
test('8: duration=-1 is an empty array', answers, cc('value=PV-voltage&duration=-1'), '[]');
test('8: duration=abc falls back to the single value', answers, cc('value=PV-voltage&duration=abc'), '13.23');
test('8: duration=0 falls back to the single value', answers, cc('value=PV-voltage&duration=0'), '13.23');
test(
  '6: duration of a column that does not exist maps to null',
  answers,
  cc('value=charge-current&duration=1'),
  '{"datetime":null,"2021-02-24 07:46:13.125131":null,"2021-02-24 07:48:13.285716":null,"2021-02-24 07:50:13.445434":null}',
);
test(
  '16: scaled-wattage with duration is not scaled, as on main',
  answers,
  cc('value=scaled-wattage&duration=1'),
  '{"datetime":"PV power L","2021-02-24 07:46:13.125131":"1.09","2021-02-24 07:48:13.285716":"1.06","2021-02-24 07:50:13.445434":"1.32"}',
);

test('9: line=len counts data rows', answers, cc('line=len'), '3');
test('9: line=head is the header array', answers, cc('line=head'), HEADER);
const newest =
  '{"datetime":"2021-02-24 07:50:13.445434","PV voltage":"13.23","PV current":"0.09","PV power L":"1.32","PV power H":"0.0","battery voltage":"12.0","battery current":"0.11","battery power L":"1.32","battery power H":"0.0","load voltage":"12.0","load current":"0.22","load power":"2.64","battery percentage":"0.33"}';
test('10: line=0 is the newest row keyed by header', answers, cc('line=0'), newest);
test(
  '10: line=2 is the oldest row',
  answers,
  cc('line=2'),
  '{"datetime":"2021-02-24 07:46:13.125131","PV voltage":"13.27","PV current":"0.08","PV power L":"1.09","PV power H":"0.0","battery voltage":"12.15","battery current":"0.09","battery power L":"1.09","battery power H":"0.0","load voltage":"12.15","load current":"0.18","load power":"2.18","battery percentage":"0.38"}',
);
test(
  '10: line=3 maps the header to itself',
  answers,
  cc('line=3'),
  '{"datetime":"datetime","PV voltage":"PV voltage","PV current":"PV current","PV power L":"PV power L","PV power H":"PV power H","battery voltage":"battery voltage","battery current":"battery current","battery power L":"battery power L","battery power H":"battery power H","load voltage":"load voltage","load current":"load current","load power":"load power","battery percentage":"battery percentage"}',
);
test('10: line=4 is out of range', answers, cc('line=4'), '');
test('10: line=-1 is out of range', answers, cc('line=-1'), '');
test('10: line=abc is empty as on PHP 8', answers, cc('line=abc'), '');

test(
  '11: day=list lists the files ascending',
  answers,
  cc('day=list'),
  '["tracerData2021-02-23.csv","tracerData2021-02-24.csv"]',
);
test('11: day=len counts the files', answers, cc('day=len'), '2');
test('12: day=1 is the newest file with its header', answers, cc('day=1'), `[[${TODAY_ROWS.join(',')}]]`);
test(
  '12: day=2 is newest first',
  answers,
  cc('day=2'),
  `[[${TODAY_ROWS.join(',')}],[${PREVIOUS_ROWS.join(',')}]]`,
);
test(
  '12: day=3abc counts as 3',
  answers,
  cc('day=3abc'),
  `[[${TODAY_ROWS.join(',')}],[${PREVIOUS_ROWS.join(',')}]]`,
);
test(
  '13: day=<file name> is that file',
  answers,
  cc('day=tracerData2021-02-23'),
  `[${PREVIOUS_ROWS.join(',')}]`,
);
test('13: day=<missing file name> is false', answers, cc('day=tracerData2020-05-17'), 'false');
test('13: day=0 is empty', answers, cc('day=0'), '');
test('13: day=foo is empty', answers, cc('day=foo'), '');

test('15: systemInfo=tz is the node zone as text', answers, cc('systemInfo=tz'), 'America/New_York');
test('15: systemInfo=color is bgColor', answers, cc('systemInfo=color'), '#ff9900');
test('15: systemInfo=pvVoltage is pvVolts', answers, cc('systemInfo=pvVoltage'), '12');
test('15: systemInfo=name reads local.json', answers, cc('systemInfo=name'), 'Solar Server One');
test(
  '15: systemInfo=dump is the ten keys, slashes and unicode escaped as json_encode does',
  answers,
  cc('systemInfo=dump'),
  '{"timezone":"America\\/New_York","color":"#ff9900","name":"Solar Server One","description":"A node on a roof \\/ in Brooklyn, caf\\u00e9","location":"Brooklyn","city":"New York","country":"USA","wattage-scaler":0.8333333333333334,"pvWatts":"60","pvVolts":"12"}',
);
test('16: scaled-wattage is PV power L x 50 / pvWatts', answers, cc('value=scaled-wattage'), '1.1');
test(
  '16: wattage-scaler echoes 14 significant digits',
  answers,
  cc('systemInfo=wattage-scaler'),
  '0.83333333333333',
);

test('16: without pvWatts the scaler is 1', async (t) => {
  const { pvWatts: _, ...profile } = { pvWatts: '60', name: 'x' };
  const server = solarApp({ profile }).handler;
  t.is((await request(server).get(cc('systemInfo=wattage-scaler'))).text, '1');
  t.is((await request(server).get(cc('value=scaled-wattage'))).text, '1.32');
});

test('16: an empty pvWatts makes scaled-wattage 0', async (t) => {
  const server = solarApp({ profile: { pvWatts: '' } }).handler;
  t.is((await request(server).get(cc('value=scaled-wattage'))).text, '0');
  t.is((await request(server).get(cc('systemInfo=dump'))).text.includes('"wattage-scaler":null'), true);
});

test('17: no query is an empty body', answers, '/api/v1/chargecontroller.php', '');
test('17: an unknown key is an empty body', answers, cc('foo=bar'), '');
test('17: a POST is an empty 200', async (t) => {
  const res = await request(server).post(cc('value=PV-voltage'));
  t.is(res.status, 200);
  t.is(res.text, '');
});
test('18: value wins over line', answers, cc('line=0&value=PV-voltage'), '13.23');
test('24: api.php?value= has no whitelist', answers, '/api/v1/api.php?value=battery-current', '0.11');
test('24: api.php?value=PV-voltage', answers, '/api/v1/api.php?value=PV-voltage', '13.23');
test('24: api.php without value is empty', answers, '/api/v1/api.php?line=0', '');
