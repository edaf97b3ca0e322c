import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { FIXTURE_PROFILE, fixtureDir, type SolarAppOptions, solarApp } from '../helpers/solar-app.js';

// /api/v2/opendata.php answers with the JSON types main's PHP gives them (json_encode with default
// flags, serialize_precision -1): a product of PHP arithmetic is a number, a CSV cell a string, a
// count an int, an undefined index null. Every expected body is written out byte for byte.

const HEADER =
  '["datetime","PV voltage","PV current","PV power L","PV power H","battery voltage","battery current","battery power L","battery power H","load voltage","load current","load power","battery percentage"]';
// tracerData2021-02-24.csv, newest row first.
const TODAY_NEWEST_FIRST = [
  '["2021-02-24 07:50:13.445434","13.23","0.09","1.32","0.0","12.0","0.11","1.32","0.0","12.0","0.22","2.64","0.33"]',
  '["2021-02-24 07:48:13.285716","13.23","0.08","1.06","0.0","12.1","0.09","1.06","0.0","12.1","0.2","2.42","0.35"]',
  '["2021-02-24 07:46:13.125131","13.27","0.08","1.09","0.0","12.15","0.09","1.09","0.0","12.15","0.18","2.18","0.38"]',
];
// tracerData2021-02-23.csv, newest row first.
const PREVIOUS_NEWEST_FIRST = [
  '["2021-02-23 16:06:11.721448","13.35","0.03","0.4","0.0","12.83","0.03","0.4","0.0","12.83","0.18","2.3","0.6"]',
  '["2021-02-23 16:04:11.562904","13.38","0.04","0.53","0.0","12.84","0.04","0.53","0.0","12.84","0.19","2.43","0.6"]',
  '["2021-02-23 16:02:11.402311","13.41","0.05","0.67","0.0","12.85","0.05","0.67","0.0","12.85","0.19","2.44","0.61"]',
];
const TZ = '"timezone":"America/New_York"';

const v2 = (query: string) => `/api/v2/opendata.php?${query}`;
const withoutPvWatts = Object.fromEntries(Object.entries(FIXTURE_PROFILE).filter(([k]) => k !== 'pvWatts'));

async function body(query: string, options: SolarAppOptions = {}): Promise<string> {
  const res = await request(solarApp(options).handler).get(v2(query));
  return res.text;
}

const answers = test.macro(async (t, query: string, expected: string, options: SolarAppOptions = {}) => {
  const res = await request(solarApp(options).handler).get(v2(query));
  t.is(res.status, 200);
  t.is(res.headers['content-type'], 'text/html; charset=UTF-8');
  t.is(res.text, expected);
});

// Item 1: `$outputVal = $readData[count($readData)-1][$v] * wattageScaler();` is a float.
test(
  'scaled-wattage is a JSON number: "1.32" * (50.0 / "60") is the float 1.1',
  answers,
  'value=scaled-wattage',
  '{"scaled-wattage":1.1}',
);
test(
  'scaled-wattage without pvWatts is "1.32" * 1, the float 1.32',
  answers,
  'value=scaled-wattage',
  '{"scaled-wattage":1.32}',
  { profile: withoutPvWatts },
);
test(
  'scaled-wattage with an empty pvWatts is "1.32" * null, the float 0.0, which json_encode writes 0',
  answers,
  'value=scaled-wattage',
  '{"scaled-wattage":0}',
  { profile: { ...FIXTURE_PROFILE, pvWatts: '' } },
);
test('other values are the CSV cell, a string', answers, 'value=PV-power-L', '{"PV-power-L":"1.32"}');
test(
  'a whitelisted value without a column is the initial ""',
  answers,
  'value=charge-current',
  '{"charge-current":""}',
);

test('with no file today, value= and scaled-wattage are the initial "" ($outputVal = \'\')', async (t) => {
  const dir = fixtureDir();
  rmSync(join(dir, 'tracerData2021-02-24.csv'));
  t.is(await body('value=PV-voltage', { dir }), '{"PV-voltage":""}');
  t.is(await body('value=scaled-wattage', { dir }), '{"scaled-wattage":""}');
});

test('an integer cell times the int scaler stays an int; times a float scaler it is a float', async (t) => {
  const dir = fixtureDir();
  writeFileSync(
    join(dir, 'tracerData2021-02-24.csv'),
    `${JSON.parse(HEADER).join(',')}\n2021-02-24 07:50:13.445434,13.23,0.09,3,0.0,12.0,0.11,3,0.0,12.0,0.22,2.64,0.33\n`,
  );
  t.is(await body('value=scaled-wattage', { dir, profile: withoutPvWatts }), '{"scaled-wattage":3}');
  t.is(await body('value=scaled-wattage', { dir }), '{"scaled-wattage":2.5}');
});

test(
  "scaled-wattage with duration is not scaled (the original compares 'PV-power-L' after the dash replacement): strings",
  answers,
  'value=scaled-wattage&duration=1',
  `{"header":{"datetime":"scaled-wattage"},"data":{"2021-02-24 07:50:13.445434":"1.32","2021-02-24 07:48:13.285716":"1.06","2021-02-24 07:46:13.125131":"1.09"},${TZ}}`,
);
test(
  'a negative duration reads no file: data is the empty PHP array []',
  answers,
  'value=PV-voltage&duration=-1',
  `{"header":{"datetime":"PV-voltage"},"data":[],${TZ}}`,
);

test('line=len and day=len are ints', async (t) => {
  t.is(await body('line=len'), '{"len":3}');
  t.is(await body('day=len'), '{"len":2}');
  const dir = fixtureDir();
  writeFileSync(join(dir, 'tracerData2021-02-24.csv'), `${JSON.parse(HEADER).join(',')}\n`);
  t.is(await body('line=len', { dir }), '{"len":0}');
});

test('systemInfo=wattage-scaler: a float, the int 1 without pvWatts, null when pvWatts is ""', async (t) => {
  t.is(await body('systemInfo=wattage-scaler'), '{"wattage-scaler":0.8333333333333334}');
  t.is(await body('systemInfo=wattage-scaler', { profile: withoutPvWatts }), '{"wattage-scaler":1}');
  t.is(
    await body('systemInfo=wattage-scaler', { profile: { ...FIXTURE_PROFILE, pvWatts: '' } }),
    '{"wattage-scaler":null}',
  );
  t.is(
    await body('systemInfo=wattage-scaler', { profile: { ...FIXTURE_PROFILE, pvWatts: '50' } }),
    '{"wattage-scaler":1}',
    '50.0 / "50" is the float 1.0, which json_encode writes 1',
  );
});

test('systemInfo=<local.json key> is the value as local.json holds it, slashes escaped', async (t) => {
  t.is(await body('systemInfo=pvWatts'), '{"pvWatts":"60"}');
  t.is(await body('systemInfo=pvVoltage'), '{"pvVoltage":"12"}');
  t.is(
    await body('systemInfo=description'),
    '{"description":"A node on a roof \\/ in Brooklyn, caf\\u00e9"}',
  );
  t.is(await body('systemInfo=pvWatts', { profile: { ...FIXTURE_PROFILE, pvWatts: 60 } }), '{"pvWatts":60}');
});

test('systemInfo=<key local.json lacks> is null (an undefined index), not an empty body', async (t) => {
  const profile = { name: 'Only a name' };
  t.is(await body('systemInfo=city', { profile }), '{"city":null}');
  t.is(await body('systemInfo=color', { profile }), '{"color":null}');
  t.is(await body('systemInfo=pvVoltage', { profile }), '{"pvVoltage":null}');
  const v1 = await request(solarApp({ profile }).handler).get('/api/v1/opendata.php?systemInfo=city');
  t.is(v1.text, '', 'v1 echoes null as nothing');
});

test(
  'systemInfo=dump keeps each type: strings, the float scaler, null for missing keys',
  answers,
  'systemInfo=dump',
  '{"dump":{"timezone":"America/New_York","color":null,"name":"Only a name","description":null,"location":null,"city":null,"country":null,"wattage-scaler":1,"pvWatts":null,"pvVolts":null}}',
  { profile: { name: 'Only a name' } },
);

// Item 2: one flat list of rows across the days, newest file first, each file newest row first.
test(
  'day=2 is one flat list: today newest first, then the previous file newest first, no header rows',
  answers,
  'day=2',
  `{"header":${HEADER},"data":[${[...TODAY_NEWEST_FIRST, ...PREVIOUS_NEWEST_FIRST].join(',')}],${TZ}}`,
);
test(
  'day=7 takes the files there are',
  answers,
  'day=7',
  `{"header":${HEADER},"data":[${[...TODAY_NEWEST_FIRST, ...PREVIOUS_NEWEST_FIRST].join(',')}],${TZ}}`,
);
test(
  'day=1 is today newest first',
  answers,
  'day=1',
  `{"header":${HEADER},"data":[${TODAY_NEWEST_FIRST.join(',')}],${TZ}}`,
);

test('an empty newest file adds no rows and leaves the header to the file that has one', async (t) => {
  const dir = fixtureDir();
  writeFileSync(join(dir, 'tracerData2021-02-25.csv'), '');
  t.is(await body('day=1', { dir }), `{"header":[],"data":[],${TZ}}`);
  t.is(await body('day=2', { dir }), `{"header":${HEADER},"data":[${TODAY_NEWEST_FIRST.join(',')}],${TZ}}`);
});
