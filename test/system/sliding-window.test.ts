import test from 'ava';
import { SlidingWindowLimiter } from '../../src/system/sliding-window.js';

function clock(start = 5_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('max requests pass, the next is refused with the seconds until the oldest leaves the window', (t) => {
  const c = clock();
  const limiter = new SlidingWindowLimiter({ max: 3, windowMs: 60_000, now: c.now });
  for (let i = 0; i < 3; i++) {
    t.deepEqual(limiter.hit('a'), { allowed: true });
    c.t += 1000;
  }
  // The oldest was 3 s ago: it leaves the window once more than 60 s old, in 58 s.
  t.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 58 });
  t.deepEqual(limiter.hit('b'), { allowed: true }, 'other addresses are not affected');
});

test('the window slides: once the oldest request is more than a window old, one more passes', (t) => {
  const c = clock();
  const limiter = new SlidingWindowLimiter({ max: 2, windowMs: 10_000, now: c.now });
  limiter.hit('a');
  c.t += 4000;
  limiter.hit('a');
  c.t += 6000; // the first is exactly 10 s old: still counted (piStat drops only now - t > window)
  t.false(limiter.hit('a').allowed);
  c.t += 1;
  t.true(limiter.hit('a').allowed, 'the first left the window');
  t.false(limiter.hit('a').allowed, 'the second (6 s old) and the third still count');
});

test('refused requests are not recorded, so hammering does not extend the block', (t) => {
  const c = clock();
  const limiter = new SlidingWindowLimiter({ max: 1, windowMs: 1000, now: c.now });
  limiter.hit('a');
  for (let i = 0; i < 50; i++) {
    c.t += 10;
    t.false(limiter.hit('a').allowed);
  }
  c.t += 501;
  t.true(limiter.hit('a').allowed);
});

test('Retry-After is never 0 and is exact at second boundaries', (t) => {
  const c = clock();
  const limiter = new SlidingWindowLimiter({ max: 1, windowMs: 5000, now: c.now });
  limiter.hit('a');
  t.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 6 });
  c.t += 4999;
  t.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 1 });
  c.t += 1;
  t.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 1 }, 'exactly 5 s old still counts');
  c.t += 1;
  t.true(limiter.hit('a').allowed);
});

test('memory is bounded: the least recently seen addresses are forgotten first', (t) => {
  const c = clock();
  const limiter = new SlidingWindowLimiter({ max: 1, windowMs: 60_000, maxKeys: 3, now: c.now });
  for (const key of ['a', 'b', 'c']) limiter.hit(key);
  t.false(limiter.hit('a').allowed, 'a is now the most recently seen');
  limiter.hit('d');
  t.is(limiter.size, 3);
  t.true(limiter.hit('b').allowed, 'b was forgotten');
  t.false(limiter.hit('a').allowed, 'a was kept');
});
