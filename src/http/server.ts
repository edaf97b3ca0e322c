/**
 * The node's HTTP server with limits a Pi can hold under a thousand hostile connections: a deadline
 * for the request headers (slowloris), for the whole request, for an idle keep-alive connection and
 * for an idle socket, a deadline for the answer (a client that never reads it is dropped), and a cap
 * on open connections.
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Connections carrying a long-lived answer. */
const streams = new WeakSet<Socket>();

/**
 * A long-lived answer (a Server-Sent Events stream) is not held to the answer deadline: its route
 * bounds it itself (a cap on clients, a per-client buffer, heartbeats that fail on a dead peer).
 */
export function exemptFromResponseDeadline(res: ServerResponse): void {
  if (res.socket) streams.add(res.socket);
}

export interface ServerLimits {
  /** Request headers complete within this (Node's headersTimeout). */
  headersMs: number;
  /** The whole request received within this (requestTimeout). */
  requestMs: number;
  /** A kept-alive connection with no request is closed after this (keepAliveTimeout). */
  keepAliveMs: number;
  /** A socket with no traffic either way is destroyed after this (server.timeout). */
  idleMs: number;
  /** A connection whose unsent answer has not gone down for this (the client stopped reading) is destroyed. */
  responseMs: number;
  /** Connections beyond this are closed as they come (server.maxConnections). */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  idleMs: 30_000,
  responseMs: 60_000,
  maxConnections: 1024,
};

export function createHttpServer(handler: RequestListener, limits: ServerLimits = DEFAULT_LIMITS): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersMs,
      requestTimeout: Math.max(limits.requestMs, limits.headersMs),
      keepAliveTimeout: limits.keepAliveMs,
      // How often expired header/request deadlines are looked for (Node's default is 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersMs / 2))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleMs, (socket) => socket.destroy());
  watchAnswers(server, limits.responseMs);
  return server;
}

/** A connection's answer waiting in its socket: how many bytes, and since when they last went down. */
interface Backlog {
  bytes: number;
  since: number;
}

/**
 * The answer deadline, per connection rather than per request (nothing on the hot path): a sweep
 * a few times per deadline looks at every connection's unsent output, and destroys a socket whose
 * output has not gone down for `responseMs` (the client stopped reading). An answer counts as
 * delivered only once the socket has flushed it; a socket with nothing waiting is left to the idle
 * deadline.
 */
function watchAnswers(server: Server, responseMs: number): void {
  const sockets = new Set<Socket>();
  const backlog = new WeakMap<Socket, Backlog>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const socket of sockets) {
        const bytes = socket.writableLength;
        const seen = backlog.get(socket);
        if (bytes === 0 || streams.has(socket)) {
          if (seen !== undefined) backlog.delete(socket);
        } else if (seen === undefined || bytes < seen.bytes) {
          backlog.set(socket, { bytes, since: now });
        } else if (now - seen.since >= responseMs) {
          socket.destroy();
        } else {
          // More written, none taken: still waiting since then.
          seen.bytes = bytes;
        }
      }
    },
    Math.max(50, Math.min(1000, Math.floor(responseMs / 4))),
  );
  sweep.unref();
  server.once('close', () => clearInterval(sweep));
}
