import test from 'ava';
import { piStatBool, systemMonitorConfigSchema } from '../../src/system/config.js';

test("the defaults are piStat's", (t) => {
  t.deepEqual(systemMonitorConfigSchema.parse(undefined), {
    enabled: true,
    cacheSeconds: 2,
    rateLimit: { enabled: true, requests: 60, windowSeconds: 60, maxClients: 10_000 },
    compression: { enabled: true, thresholdBytes: 500 },
    vcgencmd: 'vcgencmd',
    commandTimeoutMs: 5000,
    collectTimeoutMs: 10_000,
  });
});

test('out-of-range values are clamped as piStat clamps them (requests 5000 → 1000)', (t) => {
  const config = systemMonitorConfigSchema.parse({
    cacheSeconds: 99_999,
    rateLimit: { requests: 5000, windowSeconds: 0 },
    compression: { thresholdBytes: -1 },
  });
  t.is(config.cacheSeconds, 3600);
  t.is(config.rateLimit.requests, 1000);
  t.is(config.rateLimit.windowSeconds, 1);
  t.is(config.compression.thresholdBytes, 0);
  t.is(systemMonitorConfigSchema.parse({ rateLimit: { requests: 0 } }).rateLimit.requests, 1);
});

test('a value that is not a whole number is an error naming the setting', (t) => {
  const result = systemMonitorConfigSchema.safeParse({ rateLimit: { requests: 'many' }, cacheSeconds: 1.5 });
  t.false(result.success);
  const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
  t.deepEqual(paths, ['cacheSeconds', 'rateLimit.requests']);
  t.regex(result.error?.issues[0].message ?? '', /whole number/);
});

test('unknown keys are refused', (t) => {
  t.false(systemMonitorConfigSchema.safeParse({ cacheSecs: 2 }).success);
});

test("piStat's booleans: true/t/1/yes/y in any case are true, anything else false", (t) => {
  for (const raw of ['true', 'T', '1', 'YES', 'y', ' True ']) t.true(piStatBool(raw), raw);
  for (const raw of ['false', '0', 'no', 'off', 'on', '']) t.false(piStatBool(raw), raw);
});
