/**
 * The in-process schedule with a cadence: the interval is read again after each run and once a minute
 * while waiting, always measured from the last run. A fake clock drives it: no timed assertions.
 */
import test from 'ava';
import { Scheduler } from '../../src/jobs/schedule.js';
import { captureLog } from '../helpers/capture-log.js';
import { fakeTimers, MINUTE } from '../helpers/fake-timers.js';
import { until } from '../helpers/until.js';

function adaptive(initialMinutes: number, options: { runAtStart?: boolean } = {}) {
  const clock = fakeTimers();
  const start = clock.now();
  const { log, lines } = captureLog();
  const scheduler = new Scheduler(log, { now: clock.now, timers: clock.timers });
  const state = { minutes: initialMinutes };
  /** Minutes after the start at which the job ran. */
  const runs: number[] = [];
  scheduler.addAdaptive(
    'post-ip',
    async () => {
      runs.push((clock.now() - start) / MINUTE);
    },
    { intervalMs: () => state.minutes * MINUTE, runAtStart: options.runAtStart },
  );
  return { clock, scheduler, state, runs, lines };
}

test('a job on the cadence runs at the interval the readings give, read again after each run', async (t) => {
  const { clock, scheduler, state, runs } = adaptive(10);
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await clock.advance(25 * MINUTE);
  t.deepEqual(runs, [10, 20]);
  state.minutes = 30; // the battery fell under 50 %
  await clock.advance(60 * MINUTE);
  t.deepEqual(runs, [10, 20, 50, 80], 'every 30 min from the last run');
});

test('a shorter interval takes effect within a minute, not after the longer one runs out', async (t) => {
  const { clock, scheduler, state, runs } = adaptive(60);
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await clock.advance(60 * MINUTE);
  t.deepEqual(runs, [60]);
  await clock.advance(15 * MINUTE);
  state.minutes = 10; // the sun came out and the battery is full
  await clock.advance(MINUTE);
  t.deepEqual(runs, [60, 76], '16 min since the last run is past 10: it runs at the next check');
  await clock.advance(20 * MINUTE);
  t.deepEqual(runs, [60, 76, 86, 96]);
});

test('a longer interval waits from the last run, checking once a minute in between', async (t) => {
  const { clock, scheduler, state, runs } = adaptive(10);
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await clock.advance(10 * MINUTE);
  state.minutes = 120;
  await clock.advance(119 * MINUTE);
  t.deepEqual(runs, [10]);
  t.is(clock.pending(), 1, 'one timer waits, never a pile of them');
  await clock.advance(MINUTE);
  t.deepEqual(runs, [10, 130]);
});

test('a job that runs at start is next due one interval later', async (t) => {
  const { clock, scheduler, runs } = adaptive(15, { runAtStart: true });
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await until('the run at start to be armed again', () => clock.pending() === 1);
  t.deepEqual(runs, [0]);
  await clock.advance(30 * MINUTE);
  t.deepEqual(runs, [0, 15, 30]);
});

test('a manual run (trigger) counts as a run: the next is one interval after it', async (t) => {
  const { clock, scheduler, runs } = adaptive(20);
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await clock.advance(5 * MINUTE);
  await scheduler.trigger('post-ip');
  await clock.advance(24 * MINUTE);
  t.deepEqual(runs, [5, 25]);
});

test('a cadence job whose timers stopped is reported after two of its current periods', async (t) => {
  const { clock, scheduler, state } = adaptive(60);
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await clock.advance(60 * MINUTE);
  clock.jump(45 * MINUTE);
  state.minutes = 10;
  // The interval shrank but the minute check has not come yet: not a problem (the last run used 60).
  t.deepEqual(scheduler.problems(), []);
  clock.jump(77 * MINUTE);
  t.deepEqual(scheduler.problems(), ['job post-ip has not run for 7320 s (due every 3600 s)']);
  await clock.advance(MINUTE);
  t.deepEqual(scheduler.problems(), [], 'the next check runs it, and all is well');
});

test('plan() gives the last run and the next one due at the interval as it reads now', async (t) => {
  const { clock, scheduler, state } = adaptive(10);
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  await clock.advance(10 * MINUTE);
  const last = clock.now();
  state.minutes = 40;
  t.deepEqual(scheduler.plan('post-ip'), {
    lastRunAt: last,
    nextRunAt: last + 40 * MINUTE,
    everySeconds: 2400,
    running: false,
    adaptive: true,
  });
  t.is(scheduler.plan('nope'), undefined);
});

test('stop() leaves no timer behind', async (t) => {
  const { clock, scheduler } = adaptive(10);
  await scheduler.start();
  t.is(clock.pending(), 1);
  await scheduler.stop();
  t.is(clock.pending(), 0);
});

test('an interval that cannot be read keeps the last one and is logged once', async (t) => {
  const clock = fakeTimers();
  const { log, lines } = captureLog();
  const scheduler = new Scheduler(log, { now: clock.now, timers: clock.timers });
  let broken = false;
  let runs = 0;
  scheduler.addAdaptive('elect', async () => void runs++, {
    intervalMs: () => {
      if (broken) throw new RangeError('no reading');
      return 10 * MINUTE;
    },
  });
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  broken = true;
  await clock.advance(30 * MINUTE);
  t.is(runs, 3);
  t.is(lines.length, 1);
  t.like(lines[0], { job: 'elect:interval', msg: 'job failed' });
});
