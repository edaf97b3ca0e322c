import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { createChargeController } from '../../../src/hardware/charge-controller/index.js';
import {
  SimulatedChargeController,
  solarElevation,
} from '../../../src/hardware/charge-controller/simulator.js';
import { TracerDriver } from '../../../src/hardware/charge-controller/tracer-driver.js';
import { TRACER_COLUMNS } from '../../../src/hardware/charge-controller/types.js';

const brooklyn = { latitude: 40.65, longitude: -73.94 };
// 16:50 UTC is about 12:00 local solar time in Brooklyn.
const summerNoon = new Date('2024-06-21T16:50:00Z');
const winterMidnight = new Date('2024-01-15T05:00:00Z');

test('the same instant always gives the same reading', async (t) => {
  const a = new SimulatedChargeController(brooklyn);
  const b = new SimulatedChargeController(brooklyn);
  t.deepEqual(await a.read(summerNoon), await b.read(new Date(summerNoon.getTime())));
  t.deepEqual(await a.read(winterMidnight), await a.read(winterMidnight));
});

test('at night the PV power is 0 and the PV voltage at most 2 V', async (t) => {
  const reading = await new SimulatedChargeController(brooklyn).read(winterMidnight);
  t.is(reading['PV power L'], 0);
  t.is(reading['PV current'], 0);
  t.true(reading['PV voltage'] <= 2);
});

test('at a summer noon at lat 40.65 the panel produces power near open-circuit voltage', async (t) => {
  t.true(solarElevation(summerNoon, brooklyn.latitude, brooklyn.longitude) > 70);
  const reading = await new SimulatedChargeController({ ...brooklyn, pvWatts: 50 }).read(summerNoon);
  t.true(reading['PV power L'] > 0);
  t.true(reading['PV power L'] <= 50);
  t.true(reading['PV voltage'] >= 17 && reading['PV voltage'] <= 21);
  t.is(reading['PV power H'], 0);
  t.is(reading['battery power H'], 0);
});

test('every value has at most 2 decimals and stays in range over a whole day', async (t) => {
  const sim = new SimulatedChargeController(brooklyn);
  for (let minute = 0; minute < 24 * 60; minute += 7) {
    const reading = await sim.read(new Date(Date.UTC(2024, 2, 20) + minute * 60_000));
    for (const column of TRACER_COLUMNS) {
      const value = reading[column];
      t.is(Math.round(value * 100) / 100, value, `${column} = ${value}`);
    }
    t.true(reading['battery voltage'] >= 11.8 && reading['battery voltage'] <= 13.8);
    t.true(reading['load power'] >= 2 && reading['load power'] <= 3);
    t.true(reading['battery percentage'] > 0 && reading['battery percentage'] <= 1);
  }
});

test('the battery charges through the day and discharges at night', async (t) => {
  const sim = new SimulatedChargeController(brooklyn);
  const at = async (iso: string) => (await sim.read(new Date(iso)))['battery percentage'];
  // Local solar times ~07:00, ~12:00, ~16:00, ~23:00.
  const [dawn, noon, afternoon, night] = await Promise.all(
    ['2024-06-21T11:50:00Z', '2024-06-21T16:50:00Z', '2024-06-21T20:50:00Z', '2024-06-22T03:50:00Z'].map(at),
  );
  t.true(dawn < noon && noon < afternoon && afternoon > night);
});

test('it describes itself and marks its data as simulated', (t) => {
  const sim = new SimulatedChargeController(brooklyn);
  t.is(sim.description, 'simulator (lat 40.65, long -73.94, 50 W)');
  t.is(sim.kind, 'simulator');
  t.true(sim.simulated);
});

test('createChargeController maps sim, none and a device path', async (t) => {
  t.is(createChargeController('none'), undefined);
  t.true(createChargeController('sim', brooklyn) instanceof SimulatedChargeController);
  t.throws(() => createChargeController('sim'), { instanceOf: ConfigError });
  const driver = createChargeController('/dev/ttyUSB7', { slaveId: 2 });
  t.true(driver instanceof TracerDriver);
  t.is(driver?.description, '/dev/ttyUSB7 @115200 8N1 slave 2');
  await driver?.close();
});
