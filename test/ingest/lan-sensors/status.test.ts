import test from 'ava';
import { SENSOR_TYPES } from '../../../src/ingest/lan-sensors/frame-codec.js';
import { type SensorStatus, sensorStatus } from '../../../src/ingest/lan-sensors/status.js';

const type = (name: string) => SENSOR_TYPES.indexOf(name as (typeof SENSOR_TYPES)[number]);

/** Checklist C item 7, exactly as written. */
const CHECKLIST_7: [string, number, SensorStatus][] = [
  ['SMOKE', 159, 'normal'],
  ['SMOKE', 160, 'warning'],
  ['SMOKE', 200, 'critical'],
  ['FIRE', 0, 'critical'],
  ['FIRE', 1, 'normal'],
  ['MOTION', 1, 'critical'],
  ['MOTION', 2, 'undefined'],
  ['HUMIDITY', 80, 'critical'],
  ['TEMPERATURE', 83, 'critical'],
  ['TEMPERATURE', 82, 'normal'],
];

/** The rest of the original's thresholds, at each edge and at the ends of a byte. */
const EDGES: [string, number, SensorStatus][] = [
  ['FIRE', 255, 'normal'],
  ['SMOKE', 0, 'normal'],
  ['SMOKE', 199, 'warning'],
  ['SMOKE', 255, 'critical'],
  ['MOTION', 0, 'normal'],
  ['MOTION', 255, 'undefined'],
  ['HUMIDITY', 0, 'normal'],
  ['HUMIDITY', 79, 'normal'],
  ['HUMIDITY', 255, 'critical'],
  ['TEMPERATURE', 0, 'normal'],
  ['TEMPERATURE', 255, 'critical'],
];

for (const [name, value, status] of CHECKLIST_7) {
  test(`checklist C.7: ${name} ${value} is ${status}`, (t) => {
    t.is(sensorStatus(type(name), value), status);
  });
}

for (const [name, value, status] of EDGES) {
  test(`${name} ${value} is ${status}`, (t) => {
    t.is(sensorStatus(type(name), value), status);
  });
}

test('checklist C.7: WATER is undefined at any value', (t) => {
  for (let value = 0; value <= 255; value++) t.is(sensorStatus(type('WATER'), value), 'undefined');
});
