import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { silentLogger } from '../../src/log.js';
import { PolledStore } from '../../src/poller/polled-store.js';
import { isDue, Poller, type PollSource, schedulePlan } from '../../src/poller/poller.js';
import { buildPollSources, isGpsFix } from '../../src/poller/sources.js';
import { until } from '../helpers/until.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'pimesh-poll-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

test('an interval cron can express is its own timetable, aligned to the clock', (t) => {
  t.deepEqual(schedulePlan(10), { cronTime: '*/10 * * * * *', tickSeconds: 10, exact: true });
  t.deepEqual(schedulePlan(600), { cronTime: '0 */10 * * * *', tickSeconds: 600, exact: true });
  t.deepEqual(schedulePlan(86_400), { cronTime: '0 0 0 * * *', tickSeconds: 86_400, exact: true });
});

test('an interval cron cannot express ticks at the coarsest unit dividing it', (t) => {
  t.deepEqual(schedulePlan(7 * 86_400), { cronTime: '0 0 0 * * *', tickSeconds: 86_400, exact: false });
  t.deepEqual(schedulePlan(90 * 60), { cronTime: '0 */1 * * * *', tickSeconds: 60, exact: false });
  t.deepEqual(schedulePlan(45), { cronTime: '*/1 * * * * *', tickSeconds: 1, exact: false });
});

test('a tick polls once the interval has passed, with half a tick of slack', (t) => {
  const day = 86_400_000;
  t.true(isDue(0, undefined, 7 * 86_400, 86_400));
  t.false(isDue(6 * day, 0, 7 * 86_400, 86_400));
  t.false(isDue(6.4 * day, 0, 7 * 86_400, 86_400));
  t.true(isDue(6.5 * day, 0, 7 * 86_400, 86_400));
  t.true(isDue(9_600, 0, 10, 10), 'a clock-aligned tick a little early still counts');
  t.true(isDue(0, day, 3600, 3600), 'a last poll in the future: the clock was set back');
});

test('the GPS poll is stored only with a latitude and no error', (t) => {
  t.true(isGpsFix({ latitude: 1.5, longitude: 2 }));
  t.true(isGpsFix({ latitude: 0, longitude: 0 }));
  t.false(isGpsFix({ error: 'Stale GPS data. No update for 12 s' }));
  t.false(isGpsFix({ latitude: 1, error: 'partial' }));
  t.false(isGpsFix({ fix_type: 'No Fix', latitude: null }));
  t.false(isGpsFix('nope'));
});

test('sources are built for the intervals that are on; one without a function is left out', (t) => {
  const gps = async () => ({ latitude: 1 });
  const sources = buildPollSources(
    new Map([
      ['gps', 10],
      ['sensehat', 5],
    ]),
    { gps },
    silentLogger(),
  );
  t.deepEqual(
    sources.map((s) => [s.name, s.everySeconds, s.poll === gps, s.accept === isGpsFix]),
    [['gps', 10, true, true]],
  );
});

test('each poll is appended with its timestamp and source; rejected and failed polls are not', async (t) => {
  const dir = tempDir();
  const answers: unknown[] = [{ latitude: 52.5, longitude: 13.4 }, { error: 'Stale GPS data.' }];
  const sources: PollSource[] = [
    { name: 'gps', everySeconds: 10, poll: async () => answers.shift(), accept: isGpsFix },
    { name: 'weather', everySeconds: 600, poll: async () => Promise.reject(new Error('upstream down')) },
    { name: 'climate', everySeconds: 86_400, poll: () => new Promise(() => {}) },
  ];
  const poller = new Poller({
    sources,
    store: new PolledStore(dir),
    log: silentLogger(),
    pollTimeoutMs: 200,
    clock: () => Date.UTC(2025, 5, 27, 12),
  });
  t.is(await poller.pollNow('gps'), 'stored');
  t.is(await poller.pollNow('gps'), 'rejected');
  t.is(await poller.pollNow('gps'), 'failed', 'no answer at all');
  t.is(await poller.pollNow('weather'), 'failed');
  t.is(await poller.pollNow('climate'), 'failed');
  t.deepEqual(lines(join(dir, 'gps.jsonl')), [
    { timestamp: '2025-06-27T12:00:00.000Z', source: 'gps', data: { latitude: 52.5, longitude: 13.4 } },
  ]);
  const stats = poller.stats();
  t.like(stats[0], { source: 'gps', stored: 1, rejected: 1, failed: 1, cronTime: '*/10 * * * * *' });
  t.like(stats[1], { source: 'weather', stored: 0, failed: 1, lastError: { message: 'upstream down' } });
  t.like(stats[2], { failed: 1, lastError: { message: 'no answer within 200 ms' } });
});

test('started with 1 s intervals, the cron jobs poll every second until stopped', async (t) => {
  const dir = tempDir();
  let polls = 0;
  const poller = new Poller({
    sources: [{ name: 'system', everySeconds: 1, poll: async () => ({ n: ++polls }) }],
    store: new PolledStore(dir),
    log: silentLogger(),
  });
  await poller.start();
  // Once at start, then by the clock's ticks alone: nothing else asks it to poll.
  await until('three polls', () => polls >= 3);
  await poller.stop();
  const stored = lines(join(dir, 'system.jsonl'));
  t.is(stored.length, polls, 'every poll stored, the one in progress at stop() too');
  t.deepEqual(
    stored.map((r) => r.data.n),
    Array.from({ length: stored.length }, (_, i) => i + 1),
  );
  t.true(stored.every((r) => r.source === 'system' && Number.isFinite(Date.parse(r.timestamp))));
  await sleep(1200);
  t.is(lines(join(dir, 'system.jsonl')).length, stored.length, 'nothing after stop()');
});

test('at start a source polls at once only if its last stored record is older than its interval', async (t) => {
  const dir = tempDir();
  const now = Date.now();
  writeFileSync(
    join(dir, 'weather.jsonl'),
    `${JSON.stringify({ timestamp: new Date(now - 60_000).toISOString(), source: 'weather', data: {} })}\n`,
  );
  writeFileSync(
    join(dir, 'climate.jsonl'),
    `${JSON.stringify({ timestamp: new Date(now - 8 * 86_400_000).toISOString(), source: 'climate', data: {} })}\n`,
  );
  const polled: string[] = [];
  const poll = (name: string) => async () => {
    polled.push(name);
    return { name };
  };
  const poller = new Poller({
    sources: [
      { name: 'weather', everySeconds: 3600, poll: poll('weather') },
      { name: 'climate', everySeconds: 7 * 86_400, poll: poll('climate') },
      { name: 'lte', everySeconds: 7200, poll: poll('lte') },
    ],
    store: new PolledStore(dir),
    log: silentLogger(),
  });
  await poller.start();
  await sleep(100);
  await poller.stop();
  t.deepEqual(polled.sort(), ['climate', 'lte']);
});

test('stop() waits for a poll in progress', async (t) => {
  const dir = tempDir();
  let finished = false;
  const poller = new Poller({
    sources: [
      {
        name: 'lte',
        everySeconds: 3600,
        poll: async () => {
          await sleep(300);
          finished = true;
          return { ok: true };
        },
      },
    ],
    store: new PolledStore(dir),
    log: silentLogger(),
  });
  await poller.start();
  await sleep(20);
  await poller.stop();
  t.true(finished);
  t.is(lines(join(dir, 'lte.jsonl')).length, 1);
});
