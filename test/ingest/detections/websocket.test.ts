/**
 * /ws on a real server on 127.0.0.1: stats_update on its interval, the cap on clients, a client that
 * stops reading or stops answering pings is dropped, other upgrade paths are left to their own
 * listeners, the server's request deadlines do not end a WebSocket, and with readsPublic off the
 * upgrade needs a key.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { until } from '../../helpers/until.js';
import { hash, KEY, listen, sqliteBackend, startDetections, WsClient, wsClient } from './harness.js';

/** A raw TCP client that completes the WebSocket handshake and then neither reads nor answers. */
async function silentClient(t: ExecutionContext, port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  t.teardown(() => socket.destroy());
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve) =>
    socket.once('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('HTTP/1.1 101')) resolve();
    }),
  );
  socket.pause();
  return socket;
}

/** A data dir in memory when there is one: ingesting thousands of single batches costs no fsync there. */
function memoryDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pimesh-ws-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('stats_update brings the realtime statistics every statsIntervalSeconds', async (t) => {
  const s = await startDetections(t, sqliteBackend, { config: { statsIntervalSeconds: 1 } });
  await s.send('/api/v1/detections/bulk', {
    device_id: 'rpi-001',
    detections: [{ device_hash: hash(1), rssi: -50 }],
  });
  const { port } = await listen(t, s);
  const client = await wsClient(t, port);
  const update = await client.next('stats_update');
  t.is(update.timestamp, '2026-05-04T10:01:00+02:00');
  t.like(update.data, {
    time_window_minutes: 5,
    by_zone: { NEAR: { unique_devices: 1 } },
    total: { unique_devices: 1, estimated_people: 1 },
  });
});

test('past maxWebSocketClients an upgrade is a 503, and a place freed is taken again', async (t) => {
  const s = await startDetections(t, sqliteBackend, { config: { limits: { maxWebSocketClients: 2 } } });
  const { port, ws } = await listen(t, s);
  const first = await wsClient(t, port);
  await wsClient(t, port);
  const third = new WsClient(`ws://127.0.0.1:${port}/ws`);
  await t.throwsAsync(third.opened, { message: 'HTTP 503' });
  t.is(ws.counters().refused, 1);
  first.socket.close();
  await until('a place free', () => ws.websocketConnections() === 1);
  await t.notThrowsAsync(wsClient(t, port));
});

test('a client that stops reading is dropped once its unsent output passes the limit', async (t) => {
  const s = await startDetections(t, sqliteBackend, {
    dir: memoryDir(t),
    config: { limits: { maxWebSocketBufferBytes: 1024 } },
  });
  const { port, ws } = await listen(t, s);
  const reader = await wsClient(t, port);
  await silentClient(t, port);
  await until('two clients', () => ws.websocketConnections() === 2);
  const batch = { device_id: 'rpi-001', detections: [{ device_hash: hash(1), rssi: -50 }] };
  // The kernel takes some megabytes first; then what waits in the process passes 1 KiB.
  for (let i = 0; i < 500_000 && ws.counters().dropped === 0; i++) {
    await s.detections.ingest(batch, { via: 'http' });
    if (i % 1000 === 999)
      await until('the reader kept up', () => reader.events('detection_event').length > i - 1000);
  }
  t.is(ws.counters().dropped, 1);
  t.is(ws.websocketConnections(), 1);
  reader.socket.send('ping');
  await until('pong', () => reader.messages.includes('pong'));
  t.pass();
});

test('a client that stops answering pings is dropped at the next heartbeat', async (t) => {
  const s = await startDetections(t, sqliteBackend);
  const { port, ws } = await listen(t, s, undefined, 1);
  await silentClient(t, port);
  await until('one client', () => ws.websocketConnections() === 1);
  await until('the silent client dropped', () => ws.websocketConnections() === 0);
  t.is(ws.counters().dropped, 1);
});

test('upgrades to other paths are left to their own listeners', async (t) => {
  const s = await startDetections(t, sqliteBackend);
  const { port, server } = await listen(t, s);
  server.on('upgrade', (req, socket) => {
    if (req.url?.startsWith('/socket.io'))
      socket.end("HTTP/1.1 418 I'm a teapot\r\nConnection: close\r\n\r\n");
  });
  await t.throwsAsync(new WsClient(`ws://127.0.0.1:${port}/socket.io`).opened, { message: 'HTTP 418' });
  await t.notThrowsAsync(wsClient(t, port, '/ws?client=dashboard'));
});

test('the server deadlines for requests and idle sockets do not end a WebSocket', async (t) => {
  const s = await startDetections(t, sqliteBackend);
  const limits = {
    headersMs: 1000,
    requestMs: 1000,
    keepAliveMs: 500,
    idleMs: 1000,
    responseMs: 1000,
    maxConnections: 16,
  };
  const { port } = await listen(t, s, limits);
  const client = await wsClient(t, port);
  await sleep(2500);
  client.socket.send('ping');
  await until('pong', () => client.messages.includes('pong'));
  t.is(client.socket.readyState, client.socket.OPEN);
});

test('with readsPublic off the upgrade needs a key: header, bearer or ?api_key=', async (t) => {
  const s = await startDetections(t, sqliteBackend, { config: { readsPublic: false } });
  const { port } = await listen(t, s);
  await t.throwsAsync(new WsClient(`ws://127.0.0.1:${port}/ws`).opened, { message: 'HTTP 401' });
  await t.throwsAsync(new WsClient(`ws://127.0.0.1:${port}/ws?api_key=wrong`).opened, {
    message: 'HTTP 403',
  });
  await t.notThrowsAsync(wsClient(t, port, '/ws', { 'X-API-Key': KEY }));
  await t.notThrowsAsync(wsClient(t, port, '/ws', { Authorization: `Bearer ${KEY}` }));
  await t.notThrowsAsync(wsClient(t, port, `/ws?api_key=${KEY}`));
});
