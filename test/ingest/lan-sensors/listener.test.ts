/**
 * Who may send and for how long: the allow-list, the connection limits, the idle timeout, dual-stack
 * addresses, and a stop that commits what was received.
 */
import test from 'ava';
import { board, durable, query, startSensors } from '../../helpers/lan-sensors.js';
import { until } from '../../helpers/until.js';

test('a board outside the allow-list is closed at once and counted; nothing of it is read', async (t) => {
  const { sensors, port } = await startSensors(t, { allow: ['10.0.0.0/8'] });
  const b = board(t, port);
  b.send(1, 0, 0, 1).catch(() => {});
  await b.closed;
  const counters = sensors.counters().listener;
  t.is(counters?.rejectedConnections.notAllowed, 1);
  t.is(counters?.accepted, 0);
  t.is(counters?.frames, 0);
  t.deepEqual(sensors.connections(), []);
  t.is(b.received, 0);
});

test('an allow-list of one address lets that board in and keeps its neighbour out', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { allow: ['127.0.0.2'] });
  const outsider = board(t, port, '127.0.0.1');
  await outsider.closed;
  await board(t, port, '127.0.0.2').send(1, 1, 2, 1);
  await durable(sensors, 1);
  t.deepEqual(query(dbPath, 'SELECT ip_id FROM sensors'), [{ ip_id: '127.0.0.2_1' }]);
  t.is(sensors.counters().listener?.rejectedConnections.notAllowed, 1);
});

test('on a dual-stack socket an IPv4 board is keyed and allowed by its IPv4 address', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { host: '::', allow: ['127.0.0.0/8'] });
  await board(t, port, '127.0.0.3').send(1, 1, 0, 1);
  await durable(sensors, 1);
  t.deepEqual(query(dbPath, 'SELECT ip_id FROM sensors'), [{ ip_id: '127.0.0.3_1' }]);
  t.is(sensors.connections()[0].address, '127.0.0.3');
});

test('an IPv6 board is keyed by its IPv6 address', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { host: '::1' });
  await board(t, port, '::1', '::1').send(1, 2, 0, 1);
  await durable(sensors, 1);
  t.deepEqual(query(dbPath, 'SELECT ip_id FROM sensors'), [{ ip_id: '::1_2' }]);
});

test('connections past the per-address limit are closed and counted; other addresses still get in', async (t) => {
  const { sensors, port } = await startSensors(t, { maxPerAddress: 2, maxConnections: 3 });
  const first = [board(t, port, '127.0.0.1'), board(t, port, '127.0.0.1')];
  await Promise.all(first.map((b) => b.connected()));
  await until('two connections', () => sensors.connections().length === 2);
  await board(t, port, '127.0.0.1').closed;
  t.is(sensors.counters().listener?.rejectedConnections.tooManyFromAddress, 1);
  const other = board(t, port, '127.0.0.2');
  await other.send(1, 0, 0, 1);
  await durable(sensors, 1);
  t.is(sensors.connections().length, 3);
  await board(t, port, '127.0.0.3').closed;
  t.is(sensors.counters().listener?.rejectedConnections.tooMany, 1);
  t.is(sensors.connections().length, 3);
});

test('a board silent for idleTimeoutMs is disconnected and counted', async (t) => {
  const { sensors, port } = await startSensors(t, { idleTimeoutMs: 300 });
  const b = board(t, port);
  await b.send(1, 0, 0, 1, 1, 1);
  await b.closed;
  await until('the connection to leave the list', () => sensors.connections().length === 0);
  const counters = sensors.counters().listener;
  t.is(counters?.idleClosed, 1);
  t.is(counters?.frames, 1);
  t.is(counters?.truncatedFrames, 1);
  t.is(b.received, 0);
});

test('stop() closes the boards and commits every frame received, however recent', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { flushMs: 1000, batchSize: 1_000_000 });
  const b = board(t, port);
  const frames = Array.from({ length: 500 }, (_, i) => [1, i % 21, i % 6, i % 256]).flat();
  await b.send(...frames);
  await until('500 frames received', () => sensors.counters().listener?.frames === 500);
  await sensors.stop();
  await b.closed;
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors_history')[0].n, 500);
  t.is(query(dbPath, 'SELECT count(*) AS n FROM sensors')[0].n, 21);
});

test('boards sending more than a turn takes are paused until the next turn, and not a frame is lost', async (t) => {
  const { sensors, port, dbPath } = await startSensors(t, { turnBudgetMs: 1 });
  const perBoard = 50_000;
  const boards = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'].map((address) =>
    board(t, port, address),
  );
  const stream = Buffer.from(Array.from({ length: perBoard }, (_, k) => [1, k % 21, 4, k % 256]).flat());
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  t.teardown(() => clearInterval(timer));
  await Promise.all(boards.map((b) => b.connected()));
  for (const b of boards) b.socket.write(stream);
  await durable(sensors, 4 * perBoard);
  t.true((sensors.counters().listener?.turnsCut ?? 0) > 0);
  t.true(ticks > 0);
  for (let b = 1; b <= 4; b++) {
    const values = query(
      dbPath,
      'SELECT value FROM sensors_history WHERE ip_id >= ? AND ip_id < ? ORDER BY rowid',
      `127.0.0.${b}_`,
      `127.0.0.${b}\``,
    ).map((r) => r.value);
    t.is(values.length, perBoard);
    t.true(values.every((v, k) => v === k % 256));
  }
});
