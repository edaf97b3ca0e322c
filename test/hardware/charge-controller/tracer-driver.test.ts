import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type { PimeshError } from '../../../src/errors.js';
import {
  TracerDriver,
  type TracerDriverOptions,
} from '../../../src/hardware/charge-controller/tracer-driver.js';
import { ModbusSlave, mockModbusDevice } from '../../helpers/modbus-slave.js';
import { needs } from '../../helpers/needs.js';
import { pluggablePtyDevice } from '../../helpers/serial-device.js';
import { until } from '../../helpers/until.js';

/** In-process MockBinding answers at once; through socat a busy machine may take a while. */
const MOCK_TIMEOUT_MS = 200;
const PTY_TIMEOUT_MS = 2000;
const RETRIES = 1;

const BLOCK_3100 = [1850, 27, 500, 0, 1323, 36, 476, 0, 1200, 19, 250, 0, 0, 0, 0, 0];
const EXPECTED = {
  'PV voltage': 18.5,
  'PV current': 0.27,
  'PV power L': 5,
  'PV power H': 0,
  'battery voltage': 13.23,
  'battery current': 0.36,
  'battery power L': 4.76,
  'battery power H': 0,
  'load voltage': 12,
  'load current': 0.19,
  'load power': 2.5,
  'battery percentage': 0.33,
};

/** One simulated Tracer behind some transport, plus the means to yank and restore it. */
interface Rig {
  slave: ModbusSlave;
  /** A driver for the device (closed at teardown); `path` overrides the device path. */
  driver(options?: Partial<TracerDriverOptions>): TracerDriver;
  /** The drivers' timeout per attempt. */
  timeoutMs: number;
  missingPath: string;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

interface Harness {
  name: string;
  /** How its tests are registered: `test`, or skipped (failing under CI) without socat. */
  register: (title: string, body: (t: ExecutionContext) => Promise<void>) => void;
  setup(t: ExecutionContext): Promise<Rig>;
}

const newSlave = () => new ModbusSlave({ registers: { 12544: BLOCK_3100, 12570: [33, 2500] } });

function driverFactory(t: ExecutionContext, timeoutMs: number, defaults: TracerDriverOptions) {
  return (options: Partial<TracerDriverOptions> = {}) => {
    const driver = new TracerDriver({ timeoutMs, retries: RETRIES, ...defaults, ...options });
    t.teardown(() => driver.close());
    return driver;
  };
}

const mockHarness: Harness = {
  name: 'mock binding',
  register: test,
  async setup(t) {
    const slave = newSlave();
    const path = `/dev/ttyMOCK-${randomUUID()}`;
    const device = mockModbusDevice(path, slave);
    return {
      slave,
      driver: driverFactory(t, MOCK_TIMEOUT_MS, { path, binding: device.binding }),
      timeoutMs: MOCK_TIMEOUT_MS,
      missingPath: `/dev/ttyMOCK-missing-${randomUUID()}`,
      unplug: async () => device.unplug(),
      replug: async () => device.replug(),
    };
  },
};

const ptyHarness: Harness = {
  name: 'socat pty',
  register: needs('socat'),
  async setup(t) {
    const slave = newSlave();
    const device = await pluggablePtyDevice(t, 'pimesh-tracer-', slave);
    return {
      slave,
      driver: driverFactory(t, PTY_TIMEOUT_MS, { path: device.path }),
      timeoutMs: PTY_TIMEOUT_MS,
      missingPath: device.missingPath,
      unplug: device.unplug,
      replug: device.plug,
    };
  },
};

type Case = (t: ExecutionContext, rig: Rig) => Promise<void>;

const cases: Record<string, Case> = {
  async 'a good read gives the right TracerReading'(t, rig) {
    const driver = rig.driver();
    t.deepEqual(await driver.read(), EXPECTED);
    t.deepEqual(rig.slave.requests, [
      { slave: 1, address: 0x3100, count: 16 },
      { slave: 1, address: 0x311a, count: 2 },
    ]);
  },

  async 'concurrent reads are serialized, one request on the wire at a time'(t, rig) {
    const driver = rig.driver();
    const readings = await Promise.all([driver.read(), driver.read(), driver.read()]);
    t.deepEqual(readings, [EXPECTED, EXPECTED, EXPECTED]);
    t.deepEqual(
      rig.slave.requests.map((request) => request.address),
      [0x3100, 0x311a, 0x3100, 0x311a, 0x3100, 0x311a],
    );
  },

  async 'a CRC error on the first answer is retried and the read succeeds'(t, rig) {
    rig.slave.corruptNextCrc(1);
    t.deepEqual(await rig.driver().read(), EXPECTED);
    t.is(rig.slave.requests.length, 3);
  },

  async 'a bad CRC every time rejects with ERR_MODBUS_CRC after the bounded retries'(t, rig) {
    rig.slave.corruptNextCrc(Number.POSITIVE_INFINITY);
    const error = await t.throwsAsync<PimeshError>(rig.driver().read(), { message: /bad CRC/ });
    t.is(error?.code, 'ERR_MODBUS_CRC');
    t.is(rig.slave.requests.length, RETRIES + 1);
  },

  async 'an exception response rejects with ERR_MODBUS_EXCEPTION and is not retried'(t, rig) {
    rig.slave.exception(2);
    const error = await t.throwsAsync<PimeshError>(rig.driver().read(), { message: /illegal data address/ });
    t.is(error?.code, 'ERR_MODBUS_EXCEPTION');
    t.is(rig.slave.requests.length, 1);
  },

  async 'silence rejects with ERR_DEVICE_TIMEOUT after one full timeout per attempt'(t, rig) {
    rig.slave.silent();
    const started = performance.now();
    const error = await t.throwsAsync<PimeshError>(rig.driver().read());
    const elapsed = performance.now() - started;
    t.is(error?.code, 'ERR_DEVICE_TIMEOUT');
    t.is(rig.slave.requests.length, RETRIES + 1, 'one request per attempt, then it gives up');
    // A lower bound only (a busy machine makes it later, never earlier): no attempt was cut short.
    t.true(elapsed >= (RETRIES + 1) * rig.timeoutMs - 20, `gave up after ${elapsed} ms`);
  },

  async 'a missing path rejects with ERR_DEVICE_UNAVAILABLE naming the path'(t, rig) {
    const error = await t.throwsAsync<PimeshError>(rig.driver({ path: rig.missingPath }).read());
    t.is(error?.code, 'ERR_DEVICE_UNAVAILABLE');
    t.true(
      error?.message.startsWith(`${rig.missingPath} unavailable: cannot open serial port`),
      error?.message,
    );
  },

  async 'unplugging rejects the read in flight, and the next read after re-plugging succeeds'(t, rig) {
    // Only the unplug can end the read in flight: its timeout is far off.
    const driver = rig.driver({ timeoutMs: 60_000 });
    t.deepEqual(await driver.read(), EXPECTED);
    rig.slave.silent();
    const inFlight = driver.read();
    await until('the read to be on the wire', () => rig.slave.requests.length >= 3);
    await rig.unplug();
    const error = await t.throwsAsync<PimeshError>(inFlight, { message: /disconnected/ });
    t.is(error?.code, 'ERR_DEVICE_UNAVAILABLE');
    const whileUnplugged = await t.throwsAsync<PimeshError>(driver.read());
    t.is(whileUnplugged?.code, 'ERR_DEVICE_UNAVAILABLE');
    rig.slave.silent(false);
    await rig.replug();
    t.deepEqual(await driver.read(), EXPECTED);
  },

  async 'close() is idempotent and a later read opens the port again'(t, rig) {
    const driver = rig.driver();
    await driver.close();
    t.deepEqual(await driver.read(), EXPECTED);
    await driver.close();
    await driver.close();
    t.deepEqual(await driver.read(), EXPECTED);
  },
};

for (const harness of [mockHarness, ptyHarness]) {
  for (const [title, run] of Object.entries(cases)) {
    harness.register(`${harness.name}: ${title}`, async (t) => run(t, await harness.setup(t)));
  }
}

const realPort = process.env.TEST_PORT;
if (realPort) {
  test(`a real Tracer on ${realPort} gives a plausible reading`, async (t) => {
    const driver = new TracerDriver({ path: realPort });
    t.teardown(() => driver.close());
    const reading = await driver.read();
    t.log(reading);
    t.true(reading['battery voltage'] > 9 && reading['battery voltage'] < 32);
    t.true(reading['battery percentage'] >= 0 && reading['battery percentage'] <= 1);
  });
} else {
  test.skip('a real Tracer gives a plausible reading (set TEST_PORT=/dev/ttyUSB0 to run it)', () => {});
}
