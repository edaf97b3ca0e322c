/**
 * GpsdClient against scripted TCP servers on 127.0.0.1 (the misbehaviours a real gpsd will not show on
 * demand): no greeting, not gpsd, an endless line, silence, and the exact messages it keeps.
 */
import { createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { GpsdClient, type GpsdClientOptions } from '../../../src/hardware/gnss/gpsd-client.js';

const VERSION = '{"class":"VERSION","release":"3.25","rev":"3.25","proto_major":3,"proto_minor":15}\n';

interface Server {
  port: number;
  connections: Socket[];
  received: string[];
}

async function serve(t: ExecutionContext, onConnection: (socket: Socket) => void): Promise<Server> {
  const connections: Socket[] = [];
  const received: string[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => received.push(chunk));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, connections, received };
}

function client(t: ExecutionContext, options: GpsdClientOptions): GpsdClient {
  const gpsd = new GpsdClient({ reconnectMinMs: 50, reconnectMaxMs: 100, connectTimeoutMs: 500, ...options });
  t.teardown(() => gpsd.stop());
  gpsd.start();
  return gpsd;
}

/** Polls until `condition` holds; false after the deadline, a safety net generous for a busy machine. */
async function eventually(condition: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

test('the client asks for the JSON watch stream and keeps TPV, SKY and devices, timed by its clock', async (t) => {
  const server = await serve(t, (socket) => {
    socket.write(VERSION);
    socket.write('{"class":"DEVICES","devices":[{"class":"DEVICE","path":"/dev/serial0"}]}\n');
    socket.write('{"class":"WATCH","enable":true,"json":true}\n');
    socket.write('{"class":"TPV","device":"/dev/serial0","mode":3,"lat":1.5,"lon":2.5,"altMSL":10}\n');
    // Split across writes: a line may arrive in pieces.
    socket.write('{"class":"SKY","device":"/dev/serial0","nSat":2,');
    setTimeout(
      () => socket.write('"uSat":1,"satellites":[{"PRN":1,"used":true},{"PRN":2,"used":false}]}\n'),
      20,
    );
  });
  const gpsd = client(t, { port: server.port, now: () => 42_000 });
  t.true(await eventually(() => gpsd.snapshot().sky !== undefined));
  const snapshot = gpsd.snapshot();
  t.true(snapshot.connected);
  t.is(snapshot.version, '3.25');
  t.deepEqual(snapshot.devices, ['/dev/serial0']);
  t.deepEqual(snapshot.tpv, {
    data: { class: 'TPV', device: '/dev/serial0', mode: 3, lat: 1.5, lon: 2.5, altMSL: 10 },
    receivedAt: 42_000,
  });
  t.is(snapshot.sky?.data.uSat, 1);
  t.is(server.received.join(''), '?WATCH={"enable":true,"json":true};\n');
});

test('a SKY with only DOPs keeps the last satellite counts; a deactivated device is dropped', async (t) => {
  const server = await serve(t, (socket) => {
    socket.write(VERSION);
    socket.write('{"class":"DEVICE","path":"/dev/ttyUSB0","activated":"2026-01-01T00:00:00.000Z"}\n');
    socket.write('{"class":"SKY","nSat":11,"uSat":8}\n');
    socket.write('{"class":"SKY","hdop":1.0}\n');
    socket.write('{"class":"DEVICE","path":"/dev/ttyUSB0","activated":0}\n');
    socket.write('{"class":"TPV","mode":1}\n');
  });
  const gpsd = client(t, { port: server.port });
  t.true(await eventually(() => gpsd.snapshot().tpv !== undefined));
  t.is(gpsd.snapshot().sky?.data.nSat, 11);
  t.deepEqual(gpsd.snapshot().devices, []);
});

test('a server that never greets is dropped after the connect timeout and tried again', async (t) => {
  const server = await serve(t, () => undefined);
  const gpsd = client(t, { port: server.port, connectTimeoutMs: 150 });
  t.true(await eventually(() => server.connections.length >= 2));
  t.false(gpsd.snapshot().connected);
  t.regex(gpsd.snapshot().lastError?.message ?? '', /^no VERSION greeting within 150 ms$/);
});

test('a server that is not gpsd is dropped with a protocol error', async (t) => {
  const server = await serve(t, (socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
  const gpsd = client(t, { port: server.port });
  t.true(
    await eventually(() =>
      /^not gpsd: expected a VERSION greeting, got "HTTP\/1\.1 400 Bad Request"$/.test(
        gpsd.snapshot().lastError?.message ?? '',
      ),
    ),
  );
  t.false(gpsd.snapshot().connected);
});

test('a line longer than the cap drops the connection instead of growing the buffer', async (t) => {
  const server = await serve(t, (socket) => {
    socket.write(VERSION);
    socket.write(`{"class":"TPV","junk":"${'x'.repeat(10_000)}`);
  });
  const gpsd = client(t, { port: server.port, maxLineBytes: 4096 });
  t.true(
    await eventually(() =>
      /^not gpsd: a line longer than 4096 bytes$/.test(gpsd.snapshot().lastError?.message ?? ''),
    ),
  );
  t.true(await eventually(() => server.connections[0].destroyed || server.connections[0].readableEnded));
});

test('a silent gpsd is probed with ?VERSION; and the connection dropped when it stays silent', async (t) => {
  const server = await serve(t, (socket) => {
    if (server.connections.length === 1) socket.write(VERSION);
  });
  const gpsd = client(t, { port: server.port, idleProbeMs: 150 });
  t.true(await eventually(() => gpsd.snapshot().connected));
  t.true(await eventually(() => server.received.join('').includes('?VERSION;\n')));
  t.true(await eventually(() => server.connections.length >= 2));
  t.regex(gpsd.snapshot().lastError?.message ?? '', /^silent for 300 ms, no answer to \?VERSION;$/);
});

test('gpsd closing the connection is recorded and the client reconnects', async (t) => {
  const server = await serve(t, (socket) => {
    socket.write(VERSION);
    if (server.connections.length === 1) setTimeout(() => socket.end(), 50);
  });
  const gpsd = client(t, { port: server.port });
  t.true(await eventually(() => server.connections.length >= 2));
  t.true(await eventually(() => gpsd.snapshot().connected));
  t.is(gpsd.snapshot().lastError?.message, 'gpsd closed the connection');
});

test('stop() ends the reconnecting', async (t) => {
  const server = await serve(t, (socket) => socket.destroy());
  const gpsd = client(t, { port: server.port });
  t.true(await eventually(() => server.connections.length >= 2));
  await gpsd.stop();
  const count = server.connections.length;
  await sleep(300);
  t.is(server.connections.length, count);
  t.false(gpsd.snapshot().connected);
});
