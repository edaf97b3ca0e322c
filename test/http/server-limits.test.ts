/**
 * The server's deadlines and connection cap against real sockets on 127.0.0.1: each test observes
 * the server closing the connection (the 'close' event), never a measured duration.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import {
  createHttpServer,
  DEFAULT_LIMITS,
  exemptFromResponseDeadline,
  type ServerLimits,
} from '../../src/http/server.js';

async function listen(t: ExecutionContext, limits: Partial<ServerLimits>, body = 'ok') {
  const server: Server = createHttpServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    },
    { ...DEFAULT_LIMITS, ...limits },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, server };
}

async function open(t: ExecutionContext, port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  t.teardown(() => socket.destroy());
  return socket;
}

/** Resolves with what the server sent once it closed the connection. */
function closedByServer(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

test('a client that never finishes its headers (slowloris) is answered 408 and dropped', async (t) => {
  const { port } = await listen(t, { headersMs: 1000 });
  const socket = await open(t, port);
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  t.regex(await closedByServer(socket), /^HTTP\/1\.1 408 /);
});

test('an idle kept-alive connection is closed after its answer', async (t) => {
  const { port } = await listen(t, { keepAliveMs: 200 });
  const socket = await open(t, port);
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const sent = await closedByServer(socket);
  t.regex(sent, /^HTTP\/1\.1 200 OK/);
  t.regex(sent, /\r\n\r\n2\r\nok\r\n0\r\n\r\n$/);
});

test('a client that never reads a large answer is dropped at the answer deadline', async (t) => {
  // The idle deadline is out of reach: only the answer deadline can close this connection.
  const { port, server } = await listen(t, { responseMs: 1000, idleMs: 600_000 }, 'x'.repeat(64 << 20));
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const socket = await open(t, port);
  socket.pause();
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const [serverSide] = await accepted;
  await once(serverSide, 'close');
  t.true(serverSide.destroyed);
});

test('a client that reads a large answer slowly but steadily gets all of it, past the answer deadline', async (t) => {
  // 2 MiB taken 64 KiB every 100 ms: about three seconds, three answer deadlines, never a stall.
  const size = 2 << 20;
  const { port } = await listen(t, { responseMs: 1000 }, 'x'.repeat(size));
  const socket = await open(t, port);
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  let received = 0;
  let reads = 0;
  const reader = setInterval(() => {
    const chunk = socket.read(64 << 10) ?? socket.read();
    if (chunk) {
      received += chunk.length;
      reads++;
    }
  }, 100);
  t.teardown(() => clearInterval(reader));
  await once(socket, 'end');
  clearInterval(reader);
  for (let chunk = socket.read(); chunk; chunk = socket.read()) received += chunk.length;
  t.true(received > size, `received ${received} bytes`);
  t.true(reads > 20, `the answer took ${reads} reads of 100 ms each`);
});

test('a connection that goes quiet is dropped after the idle deadline', async (t) => {
  const { port } = await listen(t, { idleMs: 1000, headersMs: 60_000, requestMs: 60_000 });
  const socket = await open(t, port);
  t.is(await closedByServer(socket), '');
});

test('connections beyond the cap are closed as they come; the ones inside it are served', async (t) => {
  const { port } = await listen(t, { maxConnections: 16 });
  const sockets = await Promise.all(Array.from({ length: 16 }, () => open(t, port)));
  const extra = await open(t, port);
  await closedByServer(extra);
  sockets[0].write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  t.regex(await closedByServer(sockets[0]), /^HTTP\/1\.1 200 OK/);
});

test('a stream marked as such (Server-Sent Events) outlives the answer deadline', async (t) => {
  const server: Server = createHttpServer(
    (_req, res) => {
      exemptFromResponseDeadline(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`data: ${++n}\n\n`);
        if (n === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 250);
    },
    { ...DEFAULT_LIMITS, responseMs: 1000 },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const socket = await open(t, (server.address() as AddressInfo).port);
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  const sent = await closedByServer(socket);
  t.true(sent.includes('data: 8'), 'all eight events arrived, two seconds in');
});
