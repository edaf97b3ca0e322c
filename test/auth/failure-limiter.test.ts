import test from 'ava';
import { FailureLimiter, limiterKey } from '../../src/auth/failure-limiter.js';

/** Runs `fn` with Date.now() reading `clock.t` (the limiter's library reads the wall clock). */
async function withClock(fn: (clock: { t: number }) => Promise<void>): Promise<void> {
  const real = Date.now;
  const clock = { t: real() };
  Date.now = () => clock.t;
  try {
    await fn(clock);
  } finally {
    Date.now = real;
  }
}

test.serial('an address is blocked after max failures until its window ends', async (t) => {
  await withClock(async (clock) => {
    const limiter = new FailureLimiter({ max: 3, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) {
      t.is(await limiter.blocked('10.0.0.1'), undefined);
      await limiter.fail('10.0.0.1');
    }
    t.deepEqual(await limiter.blocked('10.0.0.1'), { retryAfterSeconds: 60 });
    clock.t += 59_001;
    t.deepEqual(await limiter.blocked('10.0.0.1'), { retryAfterSeconds: 1 });
    t.is(await limiter.blocked('10.0.0.2'), undefined, 'other addresses are not affected');
    clock.t += 1000;
    t.is(await limiter.blocked('10.0.0.1'), undefined);
    await limiter.fail('10.0.0.1');
    t.is(await limiter.blocked('10.0.0.1'), undefined, 'a new window starts counting from one');
  });
});

test('the defaults are 10 failures per minute', async (t) => {
  const limiter = new FailureLimiter();
  for (let i = 0; i < 9; i++) await limiter.fail('192.0.2.7');
  t.is(await limiter.blocked('192.0.2.7'), undefined);
  await limiter.fail('192.0.2.7');
  t.truthy(await limiter.blocked('192.0.2.7'));
});

test('IPv6 addresses count by their /64, so one host cannot rotate through its prefix', async (t) => {
  t.is(limiterKey('2001:db8:1:2::5'), '2001:db8:1:2::/64');
  t.is(limiterKey('2001:0db8:0001:0002:ffff:0:0:9'), '2001:db8:1:2::/64');
  t.is(limiterKey('::1'), '0:0:0:0::/64');
  t.is(limiterKey('::ffff:192.0.2.1'), '192.0.2.1');
  t.is(limiterKey('192.0.2.1'), '192.0.2.1');
  const limiter = new FailureLimiter({ max: 2 });
  await limiter.fail('2001:db8:1:2::1');
  await limiter.fail('2001:db8:1:2::2');
  t.truthy(await limiter.blocked('2001:db8:1:2::3'));
  t.is(await limiter.blocked('2001:db8:1:3::1'), undefined);
});
