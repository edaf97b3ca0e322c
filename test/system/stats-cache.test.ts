import test from 'ava';
import request from 'supertest';
import { monitorApp, UNLIMITED } from './app.js';
import { FakeSource, manualClock } from './fake-source.js';

function setup(cacheSeconds = 2) {
  const source = new FakeSource();
  const clock = manualClock();
  const { handler } = monitorApp(source, { config: { ...UNLIMITED, cacheSeconds }, monotonicMs: clock.now });
  const get = async (query = '') => (await request(handler).get(`/stats${query}`)).body;
  return { source, clock, get };
}

test('an answer is served again while its age is at most the cache time', async (t) => {
  const { source, clock, get } = setup(2);
  t.is((await get()).timestamp, 1_700_000_001);
  clock.t += 2000;
  t.is(
    (await get()).timestamp,
    1_700_000_001,
    'exactly 2 s old is still fresh (piStat: now - t > TTL expires)',
  );
  clock.t += 1;
  t.is((await get()).timestamp, 1_700_000_002);
  t.is(source.collections, 2);
});

test('cache=false skips the read but still writes the cache', async (t) => {
  const { source, get } = setup();
  await get();
  t.is((await get('?cache=false')).timestamp, 1_700_000_002);
  t.is((await get()).timestamp, 1_700_000_002, 'the next cached answer is the one cache=false collected');
  t.is(source.collections, 2);
});

test('a filtered request caches the full object', async (t) => {
  const { source, get } = setup();
  t.deepEqual(await get('?fields=cpu_usage'), { cpu_usage: 1 });
  const full = await get();
  t.is(full.timestamp, 1_700_000_001);
  t.is(Object.keys(full).length, 16);
  t.is(source.collections, 1);
});

test('concurrent requests needing a collection share the one in flight', async (t) => {
  const { source, get } = setup();
  source.delayMs = 50;
  const answers = await Promise.all([get(), get('?cache=false'), get('?fields=timestamp'), get()]);
  t.is(source.collections, 1);
  t.true(answers.every((a) => a.timestamp === 1_700_000_001));
});

test('block=true asks for a one-second CPU measurement and does not join a non-blocking collection', async (t) => {
  const { source, get } = setup();
  source.delayMs = 20;
  await Promise.all([get('?cache=false'), get('?cache=false&block=TRUE')]);
  t.deepEqual(source.blockMs.sort(), [0, 1000]);
  await get('?block=yes&cache=false');
  t.is(source.blockMs.at(-1), 0, 'only "true" blocks');
});

test('cacheSeconds 0 collects for every request once time moves', async (t) => {
  const { source, clock, get } = setup(0);
  await get();
  clock.t += 1;
  await get();
  t.is(source.collections, 2);
});

test("a failed collection is a 500 in piStat's shape and is not cached", async (t) => {
  const source = new FakeSource();
  const { handler } = monitorApp(source, { config: UNLIMITED, now: () => 1_700_000_123_456 });
  source.fail = new Error('/proc/stat is not readable');
  const res = await request(handler).get('/stats');
  t.is(res.status, 500);
  t.deepEqual(res.body, {
    error: 'Failed to collect system statistics',
    details: '/proc/stat is not readable',
    timestamp: 1_700_000_123.456,
  });
  source.fail = undefined;
  t.is((await request(handler).get('/stats')).status, 200);
});

/** A source whose collections hang until released. */
class HangingSource extends FakeSource {
  finished = 0;
  release = () => {};
  readonly #gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  override async stats(blockMs: number) {
    await this.#gate;
    const stats = await super.stats(blockMs);
    this.finished++;
    return stats;
  }
}

test('a collection slower than collectTimeoutMs is a 500, not a hung request', async (t) => {
  const source = new HangingSource();
  t.teardown(source.release);
  const { handler } = monitorApp(source, { config: { ...UNLIMITED, collectTimeoutMs: 100 } });
  const res = await request(handler).get('/stats');
  t.is(res.status, 500);
  t.regex(res.body.details, /longer than 100 ms/);
  t.is(source.finished, 0, 'the answer came while the collection still hung');
});
