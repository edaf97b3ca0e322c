import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError } from '../../src/errors.js';
import {
  DEFAULT_FREQUENCIES,
  parsePollerConfig,
  pollIntervals,
  readPollerConfig,
} from '../../src/poller/poller-config.js';

const README_EXAMPLE = `[Frequencies]

# Polling intervals. Do not use quotes.
weather_minutes = 10
climate_days = 7
gps_seconds = 10
`;

test('the README example reads as weather every 10 min, climate every 7 days, gps every 10 s', (t) => {
  const f = parsePollerConfig(README_EXAMPLE);
  t.deepEqual(f, { ...DEFAULT_FREQUENCIES });
  t.deepEqual(
    [...pollIntervals(f)],
    [
      ['weather', 600],
      ['climate', 604_800],
      ['gps', 10],
    ],
  );
});

test('keys absent from an existing file are off, as is 0; pimesh keys turn their sources on', (t) => {
  const f = parsePollerConfig(
    '[Frequencies]\nGPS_Seconds = 5\nweather_minutes = 0\nsystem_seconds=30\nlte_minutes = 15\n',
  );
  t.deepEqual(
    [...pollIntervals(f)],
    [
      ['gps', 5],
      ['system', 30],
      ['lte', 900],
    ],
  );
});

test('other sections and comment lines are ignored', (t) => {
  const f = parsePollerConfig('; top\n[Other]\nfoo = "bar"\n[Frequencies]\n# x\ngps_seconds = 2\n');
  t.is(f.gps_seconds, 2);
});

test('every problem is reported at once, each naming its key', (t) => {
  const error = t.throws(
    () =>
      parsePollerConfig(
        '[Frequencies]\nclimate_days = -1\nrain_minutes = 5\nsensehat_seconds = 99999999\nGPS_Seconds: 5\n',
      ),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems, [
    'poller_config.ini: climate_days must be a whole number of days (0 = off), not "-1"',
    'poller_config.ini: unknown key rain_minutes (known: weather_minutes, climate_days, gps_seconds, system_seconds, sensehat_seconds, lte_minutes)',
    'poller_config.ini: sensehat_seconds must be at most 31622400 seconds',
    'poller_config.ini: "GPS_Seconds: 5" is not "key = value" (write = instead of :)',
  ]);
});

test('quotes and trailing comments are read as the ini reader reads them; a repeated key keeps the last', (t) => {
  const f = parsePollerConfig(
    '[Frequencies]\nweather_minutes = "10"\ngps_seconds = 10 # every 10 s\ngps_seconds = 3\n',
  );
  t.is(f.weather_minutes, 10);
  t.is(f.gps_seconds, 3);
});

test('a file without [Frequencies] or with a key before any section is an error', (t) => {
  const error = t.throws(() => parsePollerConfig('gps_seconds = 10\n'), { instanceOf: ConfigError });
  t.deepEqual(error.problems, [
    'poller_config.ini: no [Frequencies] section',
    'poller_config.ini: "gps_seconds" comes before any [section]',
  ]);
});

test('a missing file gives the defaults; an existing one is read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-pcfg-'));
  const path = join(dir, 'poller_config.ini');
  t.deepEqual(await readPollerConfig(path), { frequencies: DEFAULT_FREQUENCIES, found: false });
  writeFileSync(path, '[Frequencies]\ngps_seconds = 1\n');
  const read = await readPollerConfig(path);
  t.true(read.found);
  t.is(read.frequencies.gps_seconds, 1);
  t.is(read.frequencies.weather_minutes, 0);
  writeFileSync(path, '[Frequencies]\ngps_seconds = ten\n');
  const error = await t.throwsAsync(readPollerConfig(path), { instanceOf: ConfigError });
  t.regex(error.message, /poller_config\.ini: gps_seconds must be a whole number/);
});
