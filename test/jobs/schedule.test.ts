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
