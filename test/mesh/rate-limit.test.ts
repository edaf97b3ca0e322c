import test from 'ava';
import { FailureLimiter } from '../../src/mesh/rate-limit.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('an address is blocked after max failures until its window ends', (t) => {
  const c = clock();
  const limiter = new FailureLimiter({ max: 3, windowMs: 60_000, now: c.now });
  for (let i = 0; i < 3; i++) {
    t.is(limiter.blocked('a'), undefined);
    limiter.fail('a');
  }
  t.deepEqual(limiter.blocked('a'), { retryAfterSeconds: 60 });
  c.t += 59_001;
  t.deepEqual(limiter.blocked('a'), { retryAfterSeconds: 1 });
  t.is(limiter.blocked('b'), undefined, 'other addresses are not affected');
  c.t += 999;
  t.is(limiter.blocked('a'), undefined);
  limiter.fail('a');
  t.is(limiter.blocked('a'), undefined, 'a new window starts counting from one');
});

test('the defaults are 10 failures per minute', (t) => {
  const limiter = new FailureLimiter();
  for (let i = 0; i < 9; i++) limiter.fail('a');
  t.is(limiter.blocked('a'), undefined);
  limiter.fail('a');
  t.truthy(limiter.blocked('a'));
});

test('memory stays bounded: expired windows go first, then the oldest', (t) => {
  const c = clock();
  const limiter = new FailureLimiter({ max: 1, windowMs: 1000, maxEntries: 100, now: c.now });
  for (let i = 0; i < 100; i++) limiter.fail(`old${i}`);
  c.t += 2000;
  for (let i = 0; i < 50; i++) limiter.fail(`new${i}`);
  t.is(limiter.size, 50);
  for (let i = 0; i < 10_000; i++) limiter.fail(`flood${i}`);
  t.is(limiter.size, 100);
  t.truthy(limiter.blocked('flood9999'));
  t.is(limiter.blocked('new0'), undefined);
});
