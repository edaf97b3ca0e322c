import test from 'ava';
import { LogThrottle } from '../src/log-throttle.js';
import { captureLog, WARN } from './helpers/capture-log.js';

function clock() {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
}

test('the first line of a key is logged; repeats within the interval are counted into one summary', (t) => {
  const { log, lines } = captureLog();
  const c = clock();
  const throttle = new LogThrottle(log, { intervalMs: 60_000, now: c.now });
  for (let i = 0; i < 720; i++) throttle.warn('sample:ERR_DEVICE_UNAVAILABLE', { i }, 'job failed');
  t.is(lines.length, 1);
  t.is(lines[0].i, 0);
  c.t += 60_000;
  throttle.warn('sample:ERR_DEVICE_UNAVAILABLE', { i: 720 }, 'job failed');
  t.is(lines.length, 3);
  t.like(lines[1], { level: WARN, repeated: 719, i: 719, msg: 'job failed (719 more in 60 s)' });
  t.like(lines[2], { i: 720, msg: 'job failed' });
});

test('keys are independent, and flush() writes the pending summaries', (t) => {
  const { log, lines } = captureLog();
  const throttle = new LogThrottle(log, { now: clock().now });
  throttle.warn('a', {}, 'A');
  throttle.warn('b', {}, 'B');
  throttle.warn('a', {}, 'A');
  throttle.warn('a', {}, 'A');
  t.deepEqual(
    lines.map((l) => l.msg),
    ['A', 'B'],
  );
  throttle.flush();
  t.deepEqual(
    lines.map((l) => l.msg),
    ['A', 'B', 'A (2 more in 60 s)'],
  );
});

test('the number of keys is bounded: the oldest is summarised and forgotten', (t) => {
  const { log, lines } = captureLog();
  const throttle = new LogThrottle(log, { maxKeys: 3, now: clock().now });
  throttle.warn('k0', {}, 'zero');
  throttle.warn('k0', {}, 'zero');
  for (let i = 1; i <= 3; i++) throttle.warn(`k${i}`, {}, `key ${i}`);
  t.deepEqual(
    lines.map((l) => l.msg),
    ['zero', 'key 1', 'key 2', 'key 3', 'zero (1 more in 60 s)'],
  );
});
