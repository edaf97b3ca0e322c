import test from 'ava';
import request from 'supertest';
import { DeviceUnavailableError, InputError } from '../../src/errors.js';
import { captureLog, ERROR, WARN } from '../helpers/capture-log.js';
import { solarApp } from '../helpers/solar-app.js';

function app() {
  const { log, lines } = captureLog();
  const { handler } = solarApp({
    log,
    mount: (router) => {
      router.get('/t/not-implemented', () => {
        throw new InputError('server= is not served by this node', 501);
      });
      router.get('/t/no-device', () => {
        throw new DeviceUnavailableError('/dev/ttyUSB0', 'no such file');
      });
      router.get('/t/thrown-503', (ctx) => ctx.throw(503, 'the modem is busy'));
      router.get('/t/bug', () => {
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
      });
    },
  });
  return { handler, lines };
}

test('an intended 501 or 503 carries its reason to the client', async (t) => {
  const { handler } = app();
  const cases: [string, number, string][] = [
    ['/t/not-implemented', 501, 'server= is not served by this node'],
    ['/t/no-device', 503, '/dev/ttyUSB0 unavailable: no such file'],
    ['/t/thrown-503', 503, 'the modem is busy'],
  ];
  for (const [path, status, message] of cases) {
    const res = await request(handler).get(path);
    t.is(res.status, status, path);
    t.is(res.body.error.message, message, path);
  }
});

test('an intended refusal is logged once as a warning without a stack, then only counted', async (t) => {
  const { handler, lines } = app();
  for (let i = 0; i < 50; i++) await request(handler).get('/t/not-implemented');
  const logged = lines.filter((l) => l.path === '/t/not-implemented');
  t.is(logged.length, 1);
  t.is(logged[0].level, WARN);
  t.is(logged[0].msg, 'request refused');
  t.is(logged[0].reason, 'server= is not served by this node');
  t.is(logged[0].err, undefined);
  t.false(JSON.stringify(logged[0]).includes('internal error'));
});

test('a fault is a 500 saying only "internal error", logged as an error with its stack, once a minute', async (t) => {
  const { handler, lines } = app();
  for (let i = 0; i < 20; i++) {
    const res = await request(handler).get('/t/bug');
    t.is(res.status, 500);
    t.deepEqual(res.body, { error: { code: 'ERR_INTERNAL', message: 'internal error' } });
  }
  const logged = lines.filter((l) => l.path === '/t/bug');
  t.is(logged.length, 1);
  t.is(logged[0].level, ERROR);
  t.regex(logged[0].err?.stack ?? '', /TypeError: Cannot read properties/);
});

test('bad input repeated many times does not grow the log', async (t) => {
  const { handler, lines } = app();
  for (let i = 0; i < 30; i++) await request(handler).get(`/api/v1/opendata.php?day=../x${i}`);
  t.true(lines.length <= 1, `${lines.length} lines`);
});
