import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { cp, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import type { PimeshError } from '../../src/errors.js';
import { parseMountMatrix } from '../../src/hardware/sensehat/iio.js';
import { orientation } from '../../src/hardware/sensehat/orientation.js';
import { SENSE_HAT_UNAVAILABLE, SenseHat } from '../../src/hardware/sensehat/sense-hat.js';
import { senseHatRoutes } from '../../src/http/routes/sensehat.js';
import { routeApp } from '../helpers/route-app.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/sensehat/sys', import.meta.url));
const DEVICES = 'bus/iio/devices';
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

/**
 * The fixture's raw/scale/offset values are what the drivers give: hts221 (calibration slope 64 and
 * 1024), lps25h (4096 LSB/mbar, 480 LSB/°C from 42.5 °C), lsm9ds1 at ±2 g (61 µg/LSB) and ±4 gauss
 * (146 µgauss/LSB).
 */
const FULL = {
  temperature_c: 24.32, // (250 + 1270.0078125) * 0.016 °C
  temperature_raw_humidity_c: 24.32,
  temperature_raw_pressure_c: 24.5, // (-8640 + 20400) * 2.083333333 m°C
  temperature_cpu_c: 48.31, // 48312 m°C
  temperature_corrected_c: 12.46, // avg 24.41 - (48.312 - 24.41) / 2
  pressure_hpa: 1011.6, // 4143513 * 0.000024414 kPa
  humidity_percent: 46.28, // (321 + 11250) * 0.004 %
  orientation_degrees: { pitch: 357.02, roll: 355.75, yaw: 25.04 },
  accelerometer_raw: { x: 0.05, y: -0.07, z: 0.99 }, // g
  compass_raw: { x: 22.19, y: -12.56, z: 43.95 }, // µT
};

const hat = (sysfsRoot: string, readTimeoutMs = 1000) =>
  new SenseHat({ sysfsRoot, readTimeoutMs, now: () => NOW });

/** A copy of the fixture tree that a test may change. */
async function fixtureCopy(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-sensehat-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

test('every chip of the fixture tree gives its value in pi_backend units, rounded to 2 dp', async (t) => {
  t.deepEqual(await hat(FIXTURE).read(), {
    sensors: FULL,
    missing: [],
    errors: {},
    last_update: NOW / 1000,
  });
});

test('GET /api/hardware/sensehat answers the reading', async (t) => {
  const sense = hat(FIXTURE);
  const app = routeApp((router) => senseHatRoutes(router, { read: () => sense.read() }));
  const res = await request(app.callback()).get('/api/hardware/sensehat');
  t.is(res.status, 200);
  t.deepEqual(res.body.sensors, FULL);
});

test('no IIO devices at all is a 503 with pi_backend message, word for word', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'pimesh-sensehat-empty-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  const sense = hat(empty);
  const error = await t.throwsAsync<PimeshError>(sense.read());
  t.is(error?.status, 503);
  const app = routeApp((router) => senseHatRoutes(router, { read: () => sense.read() }));
  const res = await request(app.callback()).get('/api/hardware/sensehat');
  t.is(res.status, 503);
  t.deepEqual(res.body, {
    error: 'Sense HAT hardware is not available or failed to initialize.',
    code: 'ERR_DEVICE_UNAVAILABLE',
  });
  t.is(res.body.error, SENSE_HAT_UNAVAILABLE);
});

test('IIO devices that are not Sense HAT chips are a 503 as well', async (t) => {
  const root = await fixtureCopy(t);
  for (const n of [0, 1, 2, 3]) await rm(join(root, DEVICES, `iio:device${n}`), { recursive: true });
  const error = await t.throwsAsync<PimeshError>(hat(root).read());
  t.is(error?.message, SENSE_HAT_UNAVAILABLE);
});

test('each missing chip is left out and listed; the others still answer', async (t) => {
  const root = await fixtureCopy(t);
  await rm(join(root, DEVICES, 'iio:device1'), { recursive: true }); // lps25h
  await rm(join(root, DEVICES, 'iio:device3'), { recursive: true }); // lsm9ds1_magn
  await rm(join(root, 'class/thermal'), { recursive: true });
  const reading = await hat(root).read();
  t.deepEqual(reading.missing, ['lps25h', 'lsm9ds1_magn', 'thermal_zone0']);
  t.deepEqual(reading.sensors, {
    temperature_c: 24.32,
    temperature_raw_humidity_c: 24.32,
    humidity_percent: 46.28,
    orientation_degrees: { pitch: 357.02, roll: 355.75 },
    accelerometer_raw: { x: 0.05, y: -0.07, z: 0.99 },
  });
});

test('a chip that comes back (driver reloaded) is read on the next request', async (t) => {
  const root = await fixtureCopy(t);
  const aside = join(root, 'aside');
  await cp(join(root, DEVICES, 'iio:device1'), aside, { recursive: true });
  await rm(join(root, DEVICES, 'iio:device1'), { recursive: true });
  const sense = hat(root);
  t.deepEqual((await sense.read()).missing, ['lps25h']);
  await cp(aside, join(root, DEVICES, 'iio:device7'), { recursive: true });
  const again = await sense.read();
  t.deepEqual(again.missing, []);
  t.is(again.sensors.pressure_hpa, 1011.6);
});

test('a chip whose attribute is garbage is listed under errors naming the file; the rest answers', async (t) => {
  const root = await fixtureCopy(t);
  await writeFile(join(root, DEVICES, 'iio:device0/in_humidityrelative_raw'), 'garbage\n');
  const reading = await hat(root).read();
  t.regex(reading.errors.hts221, /in_humidityrelative_raw is not a number/);
  t.is(reading.sensors.humidity_percent, undefined);
  t.is(reading.sensors.temperature_c, 24.5, 'falls back to the pressure chip temperature');
  t.is(reading.sensors.pressure_hpa, 1011.6);
});

test('a chip without its raw file is an error, not a made-up value', async (t) => {
  const root = await fixtureCopy(t);
  await rm(join(root, DEVICES, 'iio:device1/in_pressure_raw'));
  const reading = await hat(root).read();
  t.regex(reading.errors.lps25h, /no in_pressure_raw/);
  t.is(reading.sensors.pressure_hpa, undefined);
});

test('a read that blocks (an I2C transfer that hangs) times out and names the chip', async (t) => {
  const root = await fixtureCopy(t);
  const fifo = join(root, DEVICES, 'iio:device0/in_temp_raw');
  await rm(fifo);
  execFileSync('mkfifo', [fifo]);
  // Unblock the reader left in the thread pool, so the process can exit.
  t.teardown(async () => {
    const writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
    await writer?.close();
  });
  // The FIFO has no writer until teardown, so only the timeout can end this read. It is long enough for
  // the other chips' files to be read on a busy machine.
  const reading = await hat(root, 2000).read();
  t.regex(reading.errors.hts221, /hts221 .* did not answer within 2000 ms/);
  t.is(reading.sensors.pressure_hpa, 1011.6);
});

test('the IIO mount matrix turns the chip axes into the board axes', async (t) => {
  const root = await fixtureCopy(t);
  await writeFile(join(root, DEVICES, 'iio:device2/in_mount_matrix'), '0, 1, 0; 1, 0, 0; 0, 0, 1\n');
  const reading = await hat(root).read();
  t.deepEqual(reading.sensors.accelerometer_raw, { x: -0.07, y: 0.05, z: 0.99 });
});

test('concurrent reads share one pass over sysfs', async (t) => {
  const sense = hat(FIXTURE);
  const [a, b] = [sense.read(), sense.read()];
  t.is(a, b);
  t.deepEqual((await a).sensors, FULL);
  t.not(sense.read(), a);
});

test('mount matrices parse from the ABI text and malformed ones are ignored', (t) => {
  t.deepEqual(parseMountMatrix('1, 0, 0; 0, 1, 0; 0, 0, 1'), [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  t.is(parseMountMatrix('1, 0; 0, 1'), undefined);
  t.is(parseMountMatrix(undefined), undefined);
});

test('orientation: a level board is pitch 0 and roll 0, yaw is the magnetic heading 0-360', (t) => {
  const level: [number, number, number] = [0, 0, 9.81];
  t.deepEqual(orientation(level, undefined), { pitch: 0, roll: 0 });
  t.is(orientation(level, [20, 0, 40]).yaw, 0);
  t.is(Math.round(orientation(level, [0, -20, 40]).yaw ?? Number.NaN), 90);
  t.is(Math.round(orientation(level, [0, 20, 40]).yaw ?? Number.NaN), 270);
});

test('orientation: yaw is tilt-compensated (rolling the board does not change the heading)', (t) => {
  const level = orientation([0, 0, 1], [10, -10, 40]);
  t.is(Math.round(level.yaw ?? Number.NaN), 45);
  const phi = (30 * Math.PI) / 180;
  const rolled = orientation(
    [0, Math.sin(phi), Math.cos(phi)],
    [10, -10 * Math.cos(phi) + 40 * Math.sin(phi), 10 * Math.sin(phi) + 40 * Math.cos(phi)],
  );
  t.is(Math.round(rolled.roll ?? Number.NaN), 30);
  t.is(Math.round(rolled.yaw ?? Number.NaN), 45);
});
