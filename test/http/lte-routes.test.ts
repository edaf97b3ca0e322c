import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import { type GpioFactory, OnoffGpioFactory } from '../../src/hardware/gpio.js';
import { type LteConfig, lteConfigSchema } from '../../src/hardware/lte/config.js';
import { LteControl } from '../../src/hardware/lte/control.js';
import { LteModems } from '../../src/hardware/lte/modem.js';
import { AdminKey } from '../../src/http/admin-auth.js';
import { lteRoutes } from '../../src/http/routes/lte.js';
import { AtModemSim, mockAtModem, serveAtModem } from '../helpers/at-modem.js';
import { FakeGpio } from '../helpers/fake-gpio.js';
import { condition, needs } from '../helpers/needs.js';
import { routeApp } from '../helpers/route-app.js';
import { openPtyPair } from '../helpers/socat.js';

// Not on a machine with real pins (a Pi CI runner included): skipped there, never driven from a test.
// (Decided before any test is declared: ava wants every declaration in the same tick.)
const { Gpio } = await import('onoff');
const noSysfsGpio = needs(condition(!Gpio.accessible, 'this machine has sysfs GPIO', false));

const KEY = 'correct-horse-battery';
const PULSE_MS = 100;
const ENABLE_MESSAGE = "Request must be JSON with a boolean 'enable' key.";

interface Node {
  server: ReturnType<ReturnType<typeof routeApp>['callback']>;
  sim: AtModemSim;
  gpio: FakeGpio;
  port: string;
  otherPort: string;
}

/** The LTE routes over a simulated modem (MockBinding) and a fake GPIO, with config overrides. */
function node(
  t: ExecutionContext,
  overrides: Partial<LteConfig> = {},
  options: { adminKey?: string; gpio?: GpioFactory } = {},
): Node {
  const sim = new AtModemSim();
  const port = `/dev/ttyMOCK-lte-${randomUUID()}`;
  const otherPort = `/dev/ttyMOCK-lte-other-${randomUUID()}`;
  const device = mockAtModem(port, sim);
  const config = lteConfigSchema.parse({
    defaultPort: port,
    allowedPorts: [otherPort],
    commandTimeoutMs: 200,
    cfunTimeoutMs: 200,
    pulseMs: PULSE_MS,
    ...overrides,
  });
  const modems = new LteModems({ commandTimeoutMs: 200, cfunTimeoutMs: 200, binding: device.binding });
  const gpio = new FakeGpio();
  const control = new LteControl({ config, gpio: options.gpio ?? gpio, modems });
  t.teardown(() => control.close());
  const adminKey = new AdminKey({ key: options.adminKey ?? KEY });
  const app = routeApp((router) => lteRoutes(router, { config, modems, control, adminKey }));
  return { server: app.callback(), sim, gpio, port, otherPort };
}

/** `key: null` sends no X-API-Key header. */
const post = (n: Node, path: string, body?: string, key: string | null = KEY) => {
  let req = request(n.server).post(path);
  if (key !== null) req = req.set('X-API-Key', key);
  if (body !== undefined) req = req.set('Content-Type', 'application/json').send(body);
  return req;
};

test('GET status answers the raw lines and decoded values from the default port, without a key', async (t) => {
  const n = node(t);
  const res = await request(n.server).get('/api/hardware/lte/status');
  t.is(res.status, 200);
  t.like(res.body, {
    signal_quality: '+CSQ: 17,99',
    network_registration: '+CREG: 0,1',
    operator_info: '+COPS: 0,0,"Operator",7',
    decoded: { rssi_dbm: -79, ber: null, registration: 'registered (home)', operator: 'Operator' },
    port: n.port,
  });
});

test('GET status with ERROR for one command answers null for it', async (t) => {
  const n = node(t);
  n.sim.fault('AT+CSQ', 'error');
  const res = await request(n.server).get('/api/hardware/lte/status');
  t.is(res.status, 200);
  t.is(res.body.signal_quality, null);
  t.deepEqual(res.body.errors, ['AT+CSQ']);
});

test('?port= may name only the default or a configured port; anything else is a 400 naming the field', async (t) => {
  const n = node(t);
  for (const port of ['/etc/passwd', '/dev/ttyUSB0', '../dev/ttyUSB2', '']) {
    const res = await request(n.server).get(`/api/hardware/lte/status?port=${encodeURIComponent(port)}`);
    t.is(res.status, 400, port);
    t.is(res.body.code, 'ERR_INPUT');
    t.regex(res.body.error, /^port must be one of /);
  }
  const twice = await request(n.server).get(`/api/hardware/lte/status?port=${n.port}&port=${n.port}`);
  t.is(twice.status, 400);
});

test('?port= naming an allowed port that is not there is a 503 naming it', async (t) => {
  const n = node(t);
  const res = await request(n.server).get(`/api/hardware/lte/status?port=${encodeURIComponent(n.otherPort)}`);
  t.is(res.status, 503);
  t.is(res.body.code, 'ERR_DEVICE_UNAVAILABLE');
  t.true(res.body.error.startsWith(`LTE modem ${n.otherPort} unavailable`), res.body.error);
});

needs('socat')('GET status against the modem simulator behind a socat PTY pair', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-lte-http-'));
  const pair = await openPtyPair(dir);
  const sim = new AtModemSim();
  sim.fault('AT+COPS?', 'silent');
  const served = await serveAtModem(pair.hostPath, sim);
  t.teardown(async () => {
    await pair.stop();
    await served.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // The silent AT+COPS? costs one timeout; the others must answer within it, through socat on a busy machine.
  const config = lteConfigSchema.parse({ allowedPorts: [pair.devicePath], commandTimeoutMs: 2000 });
  const modems = new LteModems({ commandTimeoutMs: 2000 });
  const control = new LteControl({ config, gpio: new FakeGpio(), modems });
  const app = routeApp((router) =>
    lteRoutes(router, { config, modems, control, adminKey: new AdminKey({ key: KEY }) }),
  );
  const res = await request(app.callback()).get(
    `/api/hardware/lte/status?port=${encodeURIComponent(pair.devicePath)}`,
  );
  t.is(res.status, 200);
  t.is(res.body.signal_quality, '+CSQ: 17,99');
  t.is(res.body.operator_info, null);
  t.deepEqual(res.body.timeouts, ['AT+COPS?']);
  t.is(res.body.port, pair.devicePath);
});

for (const path of ['/api/hardware/lte/power-cycle', '/api/hardware/lte/flight-mode']) {
  test(`POST ${path} needs the admin key: 401 without, 403 wrong, 503 when the node has none`, async (t) => {
    const n = node(t);
    const body = '{"enable":true}';
    const missing = await post(n, path, body, null);
    t.is(missing.status, 401);
    t.regex(missing.body.error, /X-API-Key/);
    const wrong = await post(n, path, body, 'not-the-key');
    t.is(wrong.status, 403);
    const unset = node(t, {}, { adminKey: '' });
    const none = await post(unset, path, body);
    t.is(none.status, 503);
    t.deepEqual([...n.gpio.transitions, ...unset.gpio.transitions], []);
  });
}

test('power-cycle pulses BCM 6 HIGH for pulseMs, then LOW', async (t) => {
  const n = node(t);
  const res = await post(n, '/api/hardware/lte/power-cycle');
  t.is(res.status, 200);
  t.like(res.body, { success: true, method: 'gpio', pin: 6, pulse_ms: PULSE_MS });
  t.regex(res.body.message, /BCM 6 for 100 ms/);
  const edges = n.gpio.edges(6);
  t.deepEqual(
    edges.map(([, , level]) => level),
    [0, 1, 0],
  );
  const held = edges[2][0] - edges[1][0];
  t.true(held >= PULSE_MS - 5 && held < PULSE_MS + 1000, `held HIGH ${held} ms`);
  t.is(n.gpio.levels.get(6), 0);
});

test('power-cycle uses the configured pin, pulse and, with onoff, the sysfs GPIO base', async (t) => {
  const n = node(t, { powerPin: 4, pulseMs: 30, gpioBase: 512, gpioDriver: 'onoff' });
  const res = await post(n, '/api/hardware/lte/power-cycle');
  t.like(res.body, { success: true, pin: 4, pulse_ms: 30 });
  t.deepEqual(
    n.gpio.edges(516).map(([, , level]) => level),
    [0, 1, 0],
  );
});

test('the character-device driver (gpiod) numbers lines by BCM offset, whatever gpioBase says', async (t) => {
  const n = node(t, { powerPin: 4, pulseMs: 30, gpioBase: 512 });
  await post(n, '/api/hardware/lte/power-cycle');
  t.deepEqual(
    n.gpio.edges(4).map(([, , level]) => level),
    [0, 1, 0],
  );
  t.deepEqual(n.gpio.edges(516), []);
});

test('two power-cycles at once run one after the other', async (t) => {
  const n = node(t, { pulseMs: 50 });
  const [a, b] = await Promise.all([
    post(n, '/api/hardware/lte/power-cycle'),
    post(n, '/api/hardware/lte/power-cycle'),
  ]);
  t.is(a.status, 200);
  t.is(b.status, 200);
  t.deepEqual(
    n.gpio.edges(6).map(([, , level]) => level),
    [0, 1, 0, 1, 0],
  );
});

test('flight mode on drives BCM 4 HIGH, off drives it LOW, with pi_backend messages', async (t) => {
  const n = node(t);
  const on = await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.is(on.status, 200);
  t.deepEqual(on.body, { success: true, message: 'Flight mode set to True.' });
  t.is(n.gpio.levels.get(4), 1);
  const off = await post(n, '/api/hardware/lte/flight-mode', '{"enable":false}');
  t.deepEqual(off.body, { success: true, message: 'Flight mode set to False.' });
  t.is(n.gpio.levels.get(4), 0);
  t.is(n.gpio.opens.get(4), 1, 'the line is opened once and kept');
});

test('flight mode with an active-low pin drives it LOW to enable', async (t) => {
  const n = node(t, { flightActiveHigh: false });
  await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.deepEqual(
    n.gpio.edges(4).map(([, , level]) => level),
    [0],
  );
  await post(n, '/api/hardware/lte/flight-mode', '{"enable":false}');
  t.is(n.gpio.levels.get(4), 1);
});

test('flight mode without a boolean enable, or with bad JSON, is pi_backend 400 and drives nothing', async (t) => {
  const n = node(t);
  for (const body of [
    '',
    'not json',
    '{"enable":"yes"}',
    '{"enable":1}',
    '{}',
    '[]',
    'true',
    'null',
    '{"enabled":true}',
  ]) {
    const res = await post(n, '/api/hardware/lte/flight-mode', body);
    t.is(res.status, 400, body);
    t.deepEqual(res.body, { error: ENABLE_MESSAGE, code: 'ERR_INPUT' }, body);
  }
  const none = await post(n, '/api/hardware/lte/flight-mode');
  t.is(none.status, 400);
  t.deepEqual(n.gpio.transitions, []);
});

test('a flight-mode body over 1 KiB is refused with 413', async (t) => {
  const n = node(t);
  const res = await post(
    n,
    '/api/hardware/lte/flight-mode',
    JSON.stringify({ enable: true, pad: 'x'.repeat(2000) }),
  );
  t.is(res.status, 413);
  t.deepEqual(n.gpio.transitions, []);
});

test('with control "at", flight mode is AT+CFUN=4 / AT+CFUN=1 and power-cycle AT+CFUN=1,1', async (t) => {
  const n = node(t, { control: 'at' });
  const on = await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.deepEqual(on.body, { success: true, message: 'Flight mode set to True.' });
  t.is(n.sim.cfun, 4);
  const status = await request(n.server).get('/api/hardware/lte/status');
  t.is(status.body.decoded.registration, 'not registered');
  await post(n, '/api/hardware/lte/flight-mode', '{"enable":false}');
  t.is(n.sim.cfun, 1);
  const reset = await post(n, '/api/hardware/lte/power-cycle');
  t.like(reset.body, { success: true, method: 'at', port: n.port });
  t.is(n.sim.resets, 1);
  t.true(n.sim.received.includes('AT+CFUN=1,1'));
  t.deepEqual(n.gpio.transitions, []);
});

test('with control "at", a modem that refuses or stays silent is a 503 naming it', async (t) => {
  const n = node(t, { control: 'at' });
  n.sim.fault('AT+CFUN=4', 'error');
  const refused = await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.is(refused.status, 503);
  t.is(refused.body.code, 'ERR_AT_COMMAND');
  t.regex(refused.body.error, /AT\+CFUN=4 answered ERROR/);
  n.sim.faultAll('silent');
  const silent = await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.is(silent.status, 503);
  t.is(silent.body.code, 'ERR_DEVICE_TIMEOUT');
  t.true(silent.body.error.includes(n.port));
});

test('a failing GPIO write is a 503, and the next request opens the line again', async (t) => {
  const n = node(t);
  n.gpio.failWrites = true;
  const failed = await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.is(failed.status, 503);
  t.regex(failed.body.error, /^GPIO 4 unavailable: write failed/);
  n.gpio.failWrites = false;
  const ok = await post(n, '/api/hardware/lte/flight-mode', '{"enable":true}');
  t.is(ok.status, 200);
  t.is(n.gpio.opens.get(4), 2);
  t.is(n.gpio.levels.get(4), 1);
});

test('no GPIO at all is a 503 naming GPIO', async (t) => {
  const gpio = new FakeGpio();
  gpio.accessible = false;
  const n = node(t, {}, { gpio });
  const res = await post(n, '/api/hardware/lte/power-cycle');
  t.is(res.status, 503);
  t.is(res.body.code, 'ERR_DEVICE_UNAVAILABLE');
  t.regex(res.body.error, /^GPIO unavailable/);
});

noSysfsGpio('the real onoff GPIO on a machine without /sys/class/gpio is a 503, not a crash', async (t) => {
  const n = node(t, {}, { gpio: new OnoffGpioFactory() });
  for (const [path, body] of [
    ['/api/hardware/lte/power-cycle', undefined],
    ['/api/hardware/lte/flight-mode', '{"enable":true}'],
  ] as const) {
    const res = await post(n, path, body);
    t.is(res.status, 503, path);
    t.is(res.body.code, 'ERR_DEVICE_UNAVAILABLE');
    t.regex(res.body.error, /^GPIO unavailable: not accessible \(no \/sys\/class\/gpio/);
  }
});
