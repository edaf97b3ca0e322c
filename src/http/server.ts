/**
 * The node's HTTP server with limits a Pi can hold under a thousand hostile connections: a deadline
 * for the request headers (slowloris), for the whole request, for an idle keep-alive connection and
 * for an idle socket, a deadline for the answer (a client that never reads it is dropped), and a cap
 * on open connections.
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';

const streams = new WeakSet<ServerResponse>();

/**
 * A long-lived answer (a Server-Sent Events stream) is not held to the answer deadline: its route
 * bounds it itself (a cap on clients, a per-client buffer, heartbeats that fail on a dead peer).
 */
export function exemptFromResponseDeadline(res: ServerResponse): void {
  streams.add(res);
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
  /** An answer not fully handed to the client within this is abandoned and its socket destroyed. */
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
    (req, res) => {
      // The answer is delivered once the socket has flushed it, not when it was handed to the socket.
      const socket = req.socket;
      const deadline = setTimeout(() => {
        if (!streams.has(res)) socket.destroy();
      }, limits.responseMs);
      deadline.unref();
      const delivered = () => clearTimeout(deadline);
      res.once('finish', () => {
        if (socket.writableLength === 0) delivered();
        else socket.once('drain', delivered);
      });
      res.once('close', () => {
        if (!res.writableFinished) delivered();
      });
      handler(req, res);
    },
  );
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleMs, (socket) => socket.destroy());
  return server;
}
