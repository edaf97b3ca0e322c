/**
 * The rule of the original runner (solar-protocol backend/runner.py, `setFreq()` and `solarScaler()`):
 *   battery fraction bP > .9 → 10, > .7 → 15, > .5 → 20, > .3 → 30, else 60; unreadable → 20;
 *   scaled-wattage W >= 6 → x1, W > 0 → x(1 + (1 - W/5)), W == 0 → x2; unreadable → x1.
 * Where the description differs, the original's code wins:
 *   - "70-90 %" is 15 min with 90 % itself included (90 is not "> 90"), and so on down: exactly 30 % is 60 min;
 *   - "PV 0 → doubled" is the runner's ramp: between 0 and 6 W the factor is 2 - W/5, not 1;
 *   - the ramp divides by 5, so 5-6 W gives a factor under 1 (5.5 W: x0.9), kept as the code has it;
 *   - an unknown battery is neither fast nor slow: 20 min (and x2 at night, 40 min).
 * Deliberate differences: a negative PV reading (the runner crashed) is unknown, x1; minutes are rounded
 * to whole minutes (the runner's `elapsed % (freq x factor) == 0` on whole minutes never matched a
 * fractional product, so such runs waited for the daily wrap of timedelta.seconds).
 */
import { writeFileSync } from 'node:fs';
import test from 'ava';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { cadenceMinutes, cadenceReadings, parseReading } from '../../src/jobs/cadence.js';
import { type CadenceConfig, cadenceConfigSchema } from '../../src/jobs/cadence-config.js';
import { tempCwd } from '../helpers/pimesh-process.js';

const ORIGINAL: CadenceConfig = cadenceConfigSchema.parse(undefined);

// [battery %, PV W, minutes, what it shows]
const TABLE: [number | undefined, number | undefined, number, string][] = [
  [100, 10, 10, 'a full battery in the sun: every 10 min'],
  [90.01, 10, 10, 'just above 90 %: 10 min'],
  [90, 10, 15, 'exactly 90 % is not above 90: 15 min (the runner: bP > .9)'],
  [70.01, 10, 15, 'just above 70 %: 15 min'],
  [70, 10, 20, 'exactly 70 %: 20 min'],
  [50.01, 10, 20, 'just above 50 %: 20 min'],
  [50, 10, 30, 'exactly 50 %: 30 min'],
  [30.01, 10, 30, 'just above 30 %: 30 min'],
  [30, 10, 60, 'exactly 30 %: 60 min (<= 30)'],
  [0, 10, 60, 'an empty battery: 60 min'],
  [undefined, 10, 20, 'no battery reading: 20 min, the runner’s except branch'],
  [Number.NaN, 10, 20, 'a battery reading that is not a number: unknown, 20 min'],
  [95, 0, 20, 'PV exactly 0 W doubles: 20 min'],
  [30, 0, 120, 'a low battery at night: 120 min'],
  [undefined, 0, 40, 'unknown battery at night: 20 x 2'],
  [95, 6, 10, 'PV 6 W is full pace: x1'],
  [95, 5.999, 8, 'PV just under 6 W: x(2 - 5.999/5) = x0.8002, rounded'],
  [95, 5.5, 9, 'PV 5.5 W: x0.9, the runner’s /5 quirk kept'],
  [95, 5, 10, 'PV 5 W: x1'],
  [95, 2.5, 15, 'PV 2.5 W: x1.5'],
  [95, 0.001, 20, 'any light at all, but barely: x(2 - 0.0002), 20 min'],
  [95, undefined, 10, 'no PV reading: x1 (the runner’s except branch)'],
  [95, -1, 10, 'a negative PV reading is unknown: x1 (the runner crashed)'],
];

for (const [battery, pv, minutes, what] of TABLE) {
  test(`cadence: ${what}`, (t) => {
    t.is(cadenceMinutes({ batteryPercent: battery, pvWatts: pv }, ORIGINAL).minutes, minutes);
  });
}

test('the reason names the step, its bounds and the PV factor', (t) => {
  t.is(
    cadenceMinutes({ batteryPercent: 62, pvWatts: 0 }, ORIGINAL).reason,
    'battery 62 % (above 50 %, at most 70 %): 20 min; PV 0 W: x2 = 40 min',
  );
  t.is(
    cadenceMinutes({ batteryPercent: 30, pvWatts: 7 }, ORIGINAL).reason,
    'battery 30 % (at most 30 %): 60 min; PV 7 W: x1 = 60 min',
  );
  t.is(cadenceMinutes({}, ORIGINAL).reason, 'battery unknown: 20 min; PV unknown: x1 = 20 min');
});

test('pv "double" only doubles at 0 W, and pv "off" never scales', (t) => {
  const double = { ...ORIGINAL, pv: 'double' as const };
  t.is(cadenceMinutes({ batteryPercent: 95, pvWatts: 2.5 }, double).minutes, 10);
  t.is(cadenceMinutes({ batteryPercent: 95, pvWatts: 0 }, double).minutes, 20);
  const off = { ...ORIGINAL, pv: 'off' as const };
  t.is(cadenceMinutes({ batteryPercent: 95, pvWatts: 0 }, off).minutes, 10);
  t.is(cadenceMinutes({ batteryPercent: 95, pvWatts: 0 }, off).reason, 'battery 95 % (above 90 %): 10 min');
});

test('steps, low and unknown minutes are the configuration’s', (t) => {
  const rule = cadenceConfigSchema.parse({
    steps: [{ abovePercent: 80, minutes: 5 }],
    lowMinutes: 45,
    unknownMinutes: 7,
  });
  t.is(cadenceMinutes({ batteryPercent: 81 }, rule).minutes, 5);
  t.is(cadenceMinutes({ batteryPercent: 80 }, rule).minutes, 45);
  t.is(cadenceMinutes({}, rule).minutes, 7);
});

test('readings are the tracer’s battery fraction and scaled-wattage; 0.9 is exactly 90 %', (t) => {
  const row: Record<string, string> = {
    'battery-percentage': '0.9',
    'scaled-wattage': '0',
    datetime: '2026-11-28 12:00:00.000000',
  };
  const readings = cadenceReadings((value) => row[value] ?? '');
  t.deepEqual(readings, { batteryPercent: 90, pvWatts: 0, at: '2026-11-28 12:00:00.000000' });
  t.is(cadenceMinutes(readings, ORIGINAL).minutes, 30, '90 % is the 15-min step, doubled at night');
  t.deepEqual(
    cadenceReadings(() => ''),
    { batteryPercent: undefined, pvWatts: undefined, at: undefined },
  );
});

test('a reading is a plain number as the runner’s float() takes it, or unknown', (t) => {
  t.is(parseReading(' 0.33 '), 0.33);
  t.is(parseReading('1e1'), 10);
  t.is(parseReading(''), undefined);
  t.is(parseReading(undefined), undefined);
  // What /api/v2/opendata.php answers: the runner's float() failed on it from 2022-08 on.
  t.is(parseReading('{"battery-percentage":"0.9"}'), undefined);
  t.is(parseReading('0x10'), undefined);
});

test('schedule.cadence defaults to the original rule and is switched by PIMESH_CADENCE', (t) => {
  const cwd = tempCwd();
  const { config } = loadConfig({ cwd, env: {} });
  t.true(config.schedule.enabled);
  t.deepEqual(config.schedule.cadence, ORIGINAL);
  t.deepEqual(ORIGINAL.steps, [
    { abovePercent: 90, minutes: 10 },
    { abovePercent: 70, minutes: 15 },
    { abovePercent: 50, minutes: 20 },
    { abovePercent: 30, minutes: 30 },
  ]);
  t.like(ORIGINAL, { enabled: true, lowMinutes: 60, unknownMinutes: 20, pv: 'original' });
  t.false(loadConfig({ cwd, env: { PIMESH_CADENCE: 'off' } }).config.schedule.cadence.enabled);
});

test('"schedule": false in the file stays off when PIMESH_CADENCE is set', (t) => {
  const cwd = tempCwd();
  writeFileSync(`${cwd}/pimesh.config.json`, JSON.stringify({ schedule: false }));
  const { config } = loadConfig({ cwd, env: { PIMESH_CADENCE: 'on' } });
  t.false(config.schedule.enabled);
  t.true(config.schedule.cadence.enabled);
});

test('a bad cadence is reported with every other problem', (t) => {
  const cwd = tempCwd();
  writeFileSync(
    `${cwd}/pimesh.config.json`,
    JSON.stringify({
      http: { port: 'x' },
      schedule: {
        cadence: {
          steps: [
            { abovePercent: 50, minutes: 10 },
            { abovePercent: 70, minutes: 0 },
          ],
          pv: 'sometimes',
        },
      },
    }),
  );
  const error = t.throws(() => loadConfig({ cwd, env: { PIMESH_CADENCE: 'maybe' } }), {
    instanceOf: ConfigError,
  });
  const text = error.problems.join('\n');
  t.regex(text, /http\.port: /);
  t.regex(text, /schedule\.cadence\.steps\.1\.minutes: must be at least 1 minute/);
  t.regex(text, /schedule\.cadence\.steps: abovePercent must fall/);
  t.regex(text, /schedule\.cadence\.pv: must be "original", "double" or "off"/);
  t.regex(text, /schedule\.cadence\.enabled \(PIMESH_CADENCE\): must be on or off/);
});
