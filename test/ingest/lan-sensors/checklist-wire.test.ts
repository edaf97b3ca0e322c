/**
 * Checklist C (poe-backend), items 1-6, 8 and 9, over real TCP connections on 127.0.0.1 and the real
 * SQLite file. Items 5 and 6 are deliberate changes (real stream framing; an unknown type no longer
 * takes the rest of its read with it).
 */
import test from 'ava';
import { board, durable, query, startSensors } from '../../helpers/lan-sensors.js';
import { until } from '../../helpers/until.js';

const latest = (dbPath: string, table = 'sensors') =>
  query(dbPath, `SELECT ip_id, sensor, value, time, status FROM ${table} ORDER BY ip_id`);

for (const table of ['sensors', 'myapp_sensors_table']) {
  test(`C.1 (${table}): 01 FF 00 01 stores 127.0.0.1_255 FIRE 1 normal at receipt time, and the server sends no byte`, async (t) => {
    const { sensors, port, dbPath } = await startSensors(t, { table });
    const b = board(t, port);
    const before = Date.now() / 1000;
    await b.send(0x01, 0xff, 0x00, 0x01);
    await durable(sensors, 1);
    const after = Date.now() / 1000;
    const rows = latest(dbPath, table);
    t.is(rows.length, 1);
    t.like(rows[0], { ip_id: '127.0.0.1_255', sensor: 'FIRE', value: 1, status: 'normal' });
    t.true((rows[0].time as number) >= before - 0.001 && (rows[0].time as number) <= after);
    await b.close();
    t.is(b.received, 0);
  });
}

test('C.2: opt 0 is stored like opt 1: 00 05 01 C8 is SMOKE 200 critical', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  await board(t, port).send(0x00, 0x05, 0x01, 0xc8);
  await durable(sensors, 1);
  t.like(latest(dbPath)[0], { ip_id: '127.0.0.1_5', sensor: 'SMOKE', value: 200, status: 'critical' });
});

test('C.3: a second frame for the same board and id replaces the row', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const b = board(t, port);
  await b.send(1, 7, 3, 40);
  await durable(sensors, 1);
  const first = latest(dbPath)[0];
  await b.send(1, 7, 3, 85);
  await durable(sensors, 2);
  const rows = latest(dbPath);
  t.is(rows.length, 1);
  t.like(rows[0], { ip_id: '127.0.0.1_7', sensor: 'HUMIDITY', value: 85, status: 'critical' });
  t.true((rows[0].time as number) >= (first.time as number));
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors_history')[0].n, 2);
});

test('C.4: one segment of three frames is three rows', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  await board(t, port).send(1, 0, 0, 1, 1, 8, 1, 100, 1, 16, 2, 0);
  await durable(sensors, 3);
  t.deepEqual(
    latest(dbPath).map((r) => [r.ip_id, r.sensor, r.value]),
    [
      ['127.0.0.1_0', 'FIRE', 1],
      ['127.0.0.1_16', 'MOTION', 0],
      ['127.0.0.1_8', 'SMOKE', 100],
    ],
  );
});

test('C.5 (deliberate change): 6 bytes store their whole frame and keep the other 2 until the frame completes', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const b = board(t, port);
  await b.send(1, 1, 4, 70, 1, 2);
  await durable(sensors, 1);
  t.deepEqual(
    latest(dbPath).map((r) => r.ip_id),
    ['127.0.0.1_1'],
  );
  await b.send(4, 90);
  await durable(sensors, 2);
  t.like(latest(dbPath)[1], { ip_id: '127.0.0.1_2', sensor: 'TEMPERATURE', value: 90, status: 'critical' });
  t.is(sensors.counters().listener?.connections, 1);
});

test('C.6 (deliberate change): a type-6 frame is rejected and counted; the frames after it are stored and the connection stays open', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const b = board(t, port);
  await b.send(1, 1, 0, 1, 1, 2, 6, 1, 1, 3, 5, 12);
  await durable(sensors, 2);
  t.deepEqual(
    latest(dbPath).map((r) => r.ip_id),
    ['127.0.0.1_1', '127.0.0.1_3'],
  );
  t.is(sensors.counters().listener?.rejectedFrames, 1);
  t.is(sensors.connections()[0].rejectedFrames, 1);
  await b.send(1, 4, 0, 0);
  await durable(sensors, 3);
  t.is(latest(dbPath).length, 3);
  t.is(b.received, 0);
});

test('C.8: two boards with the same sensor id are two rows', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  await board(t, port, '127.0.0.1').send(1, 9, 1, 10);
  await board(t, port, '127.0.0.2').send(1, 9, 1, 20);
  await durable(sensors, 2);
  t.deepEqual(
    latest(dbPath).map((r) => [r.ip_id, r.value]),
    [
      ['127.0.0.1_9', 10],
      ['127.0.0.2_9', 20],
    ],
  );
});

test('C.9: a board that disconnects leaves the connection list; the others go on', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t);
  const staying = board(t, port, '127.0.0.1');
  const leaving = board(t, port, '127.0.0.2');
  await staying.send(1, 0, 0, 1);
  await leaving.send(1, 0, 0, 1);
  await durable(sensors, 2);
  t.deepEqual(
    sensors
      .connections()
      .map((c) => c.address)
      .sort(),
    ['127.0.0.1', '127.0.0.2'],
  );
  await leaving.close();
  await until('the closed connection to leave the list', () => sensors.connections().length === 1);
  t.is(sensors.connections()[0].address, '127.0.0.1');
  await staying.send(1, 0, 0, 0);
  await durable(sensors, 3);
  t.like(latest(dbPath)[0], { ip_id: '127.0.0.1_0', value: 0, status: 'critical' });
});
