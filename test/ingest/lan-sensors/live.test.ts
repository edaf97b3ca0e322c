/**
 * The live view: GET /api/sensors/live as Server-Sent Events over a real HTTP server (the node's own,
 * with its limits), and the hub's bounds: a client cap and a slow client dropped, not buffered.
 */
import { createServer, type Server } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import type Koa from 'koa';
import { lanSensorsRoutes } from '../../../src/http/routes/lan-sensors.js';
import { createHttpServer } from '../../../src/http/server.js';
import type { LanSensors } from '../../../src/ingest/lan-sensors/index.js';
import { LiveHub } from '../../../src/ingest/lan-sensors/live.js';
import { board, durable, startSensors } from '../../helpers/lan-sensors.js';
import { openEventStream } from '../../helpers/lan-sensors-sse.js';
import { routeApp } from '../../helpers/route-app.js';
import { until } from '../../helpers/until.js';

async function listen(t: ExecutionContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function serveRoutes(t: ExecutionContext, sensors: LanSensors, liveMaxMs?: number): Promise<string> {
  const app: Koa = routeApp((router) => lanSensorsRoutes(router, { sensors, liveMaxMs }));
  return listen(t, createHttpServer(app.callback()));
}

test('GET /api/sensors/live streams a snapshot, then readings, then the status change of a fire alarm', async (t) => {
  const { sensors, port } = await startSensors(t);
  const b = board(t, port);
  await b.send(1, 0, 0, 1);
  await durable(sensors, 1);
  const url = await serveRoutes(t, sensors);
  const stream = await openEventStream(`${url}/api/sensors/live`);
  t.teardown(() => stream.close());
  t.is(stream.response.statusCode, 200);
  t.is(stream.response.headers['content-type'], 'text/event-stream; charset=utf-8');
  const snapshot = await stream.next('snapshot');
  t.like((snapshot.data as object[])[0], {
    ip_id: '127.0.0.1_0',
    sensor: 'FIRE',
    value: 1,
    status: 'normal',
  });
  t.is(stream.retry, 2000);

  await b.send(1, 0, 0, 0);
  const alarm = await stream.next('status');
  t.like(alarm.data, { ip_id: '127.0.0.1_0', sensor: 'FIRE', value: 0, status: 'critical', from: 'normal' });
  const readings = stream.events.findIndex((e) => e.event === 'readings');
  t.true(readings >= 0 && readings < stream.events.indexOf(alarm), 'the reading comes before its status');

  await b.send(1, 0, 0, 0, 1, 8, 1, 20);
  const later = await stream.next('readings', stream.events.length);
  t.deepEqual((later.data as { ip_id: string }[]).map((r) => r.ip_id).sort(), ['127.0.0.1_0', '127.0.0.1_8']);
  t.is(stream.events.filter((e) => e.event === 'status').length, 2, 'a new sensor, no repeat of the alarm');
});

test('with liveMaxMs the stream ends cleanly (the browser reconnects) before the server deadline', async (t) => {
  const { sensors } = await startSensors(t);
  const url = await serveRoutes(t, sensors, 200);
  const stream = await openEventStream(`${url}/api/sensors/live`);
  await stream.ended;
  t.true(stream.response.complete);
  t.is(stream.events[0].event, 'snapshot');
  await until('the client to be detached', () => sensors.live.clients === 0);
});

test('past maxLiveClients a client gets a 503; a place frees up when a client leaves', async (t) => {
  const { sensors } = await startSensors(t, { maxLiveClients: 1 });
  const url = await serveRoutes(t, sensors);
  const first = await openEventStream(`${url}/api/sensors/live`);
  await first.next('snapshot');
  const second = await openEventStream(`${url}/api/sensors/live`);
  t.is(second.response.statusCode, 503);
  t.is(second.response.headers['content-type'], 'application/json; charset=utf-8');
  t.is(sensors.counters().live.refusedClients, 1);
  first.close();
  await until('the first client to leave', () => sensors.live.clients === 0);
  const third = await openEventStream(`${url}/api/sensors/live`);
  t.teardown(() => third.close());
  t.is(third.response.statusCode, 200);
});

test('a client that stops reading is dropped; one that reads keeps its stream; heartbeats flow', async (t) => {
  const hub = new LiveHub({ maxBufferBytes: 64 * 1024, heartbeatMs: 20, coalesceMs: 5 });
  t.teardown(() => hub.close());
  const url = await listen(
    t,
    createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      hub.attach(res, []);
      res.once('close', () => hub.detach(res));
    }),
  );
  const reader = await openEventStream(url);
  const sleeper = await openEventStream(url);
  sleeper.response.pause();
  await until('both attached', () => hub.clients === 2);
  await until('a heartbeat', () => reader.comments.includes(': heartbeat'));
  const padding = 'x'.repeat(1000);
  let sent = 0;
  while (hub.counters().droppedClients === 0) {
    for (let i = 0; i < 20; i++) {
      hub.statusChange({
        ip_id: `10.0.0.1_${sent++}`,
        sensor: padding,
        value: 0,
        status: 'critical',
        time: 0,
        from: null,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (sent > 200_000) break;
  }
  t.is(hub.counters().droppedClients, 1);
  // What the kernel had taken before the drop still arrives; then the stream ends.
  sleeper.response.resume();
  await sleeper.ended;
  t.is(hub.clients, 1);
  await until(
    'the reader to have every event',
    () => reader.events.filter((e) => e.event === 'status').length === sent,
  );
  reader.close();
});
