import test from 'ava';
import { DeviceUnavailableError } from '../../src/errors.js';
import { Scheduler } from '../../src/jobs/schedule.js';
import { captureLog, ERROR, WARN } from '../helpers/capture-log.js';

test('a device missing at every sample is one warning without a stack, not 720 stacks a day', async (t) => {
  const { log, lines } = captureLog();
  const scheduler = new Scheduler(log);
  scheduler.add('log-sample', '0 */2 * * * *', () =>
    Promise.reject(new DeviceUnavailableError('/dev/ttyUSB0', 'no such file')),
  );
  for (let i = 0; i < 720; i++) await scheduler.trigger('log-sample');
  t.is(lines.length, 1);
  t.like(lines[0], { level: WARN, job: 'log-sample', code: 'ERR_DEVICE_UNAVAILABLE', msg: 'job failed' });
  t.is(lines[0].err, undefined);
  await scheduler.stop();
  t.is(lines.length, 2, 'stopping writes the summary');
  t.like(lines[1], { repeated: 719 });
});

test('an unexpected failure is an error with its stack, also bounded', async (t) => {
  const { log, lines } = captureLog();
  const scheduler = new Scheduler(log);
  scheduler.add('elect', '0 */5 * * * *', () => Promise.reject(new RangeError('bug')));
  for (let i = 0; i < 10; i++) await scheduler.trigger('elect');
  t.is(lines.length, 1);
  t.is(lines[0].level, ERROR);
  t.regex(lines[0].err?.stack ?? '', /RangeError: bug/);
});

test('a job is never run twice at once', async (t) => {
  const { log } = captureLog();
  const scheduler = new Scheduler(log);
  let running = 0;
  let most = 0;
  scheduler.add('post-ip', '0 */15 * * * *', async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
  });
  await Promise.all([
    scheduler.trigger('post-ip'),
    scheduler.trigger('post-ip'),
    scheduler.trigger('post-ip'),
  ]);
  t.is(most, 1);
});

test('a schedule whose timers stopped firing is reported, and a tick clears it', async (t) => {
  const { log } = captureLog();
  const clock = { t: Date.UTC(2026, 10, 28, 12, 0, 0) };
  const scheduler = new Scheduler(log, { now: () => clock.t });
  // A timetable that will not fire during the test: only trigger() and the clock move things.
  scheduler.add('log-sample', '0 0 3 1 1 *', async () => {}, { everySeconds: 120 });
  t.deepEqual(scheduler.problems(), [], 'not started: nothing to report');
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  clock.t += 4 * 60_000;
  t.deepEqual(scheduler.problems(), []);
  clock.t += 2 * 60_000;
  t.deepEqual(scheduler.problems(), ['job log-sample has not run for 360 s (due every 120 s)']);
  await scheduler.trigger('log-sample');
  t.deepEqual(scheduler.problems(), []);
});

test('a run that hangs for three periods is reported while it hangs', async (t) => {
  const { log } = captureLog();
  const clock = { t: 0 };
  const scheduler = new Scheduler(log, { now: () => clock.t });
  let release = () => {};
  scheduler.add('elect', '0 0 3 1 1 *', () => new Promise<void>((resolve) => (release = resolve)), {
    everySeconds: 300,
  });
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  const run = scheduler.trigger('elect');
  // The timetable keeps ticking every 300 s while the run hangs; each tick is skipped.
  for (let i = 0; i < 3; i++) {
    clock.t += 300_000;
    await scheduler.trigger('elect');
  }
  clock.t += 1000;
  t.deepEqual(scheduler.problems(), ['job elect has been running for 901 s (due every 300 s)']);
  release();
  await run;
  t.deepEqual(scheduler.problems(), []);
});
