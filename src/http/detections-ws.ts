/**
 * The TFG backend's WebSocket, `GET /ws` (the `ws` package, on the node's own HTTP server): the text
 * `ping` is answered `pong`; after every stored batch, from any path, each client gets
 * `{"type":"detection_event","timestamp","device_id","count"}`; every `statsIntervalSeconds` it gets
 * `{"type":"stats_update","timestamp","data"}` with the realtime statistics (computed once for all).
 * Bounded: at most `maxWebSocketClients` (more are refused with a 503 at the upgrade), a client whose
 * unsent output passes `maxWebSocketBufferBytes` is dropped, a client that stops answering the
 * protocol pings is dropped, messages from clients are at most 4 KiB. With `readsPublic` off the
 * upgrade needs a key (X-API-Key, Authorization: Bearer, or `?api_key=`, since browsers cannot set
 * headers on a WebSocket).
 */
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Detections, StoredEvent } from '../ingest/detections/index.js';
import { authorize } from '../ingest/detections/request-auth.js';
import type { Logger } from '../log.js';
import { LogThrottle } from '../log-throttle.js';

export interface DetectionsWebSocketDeps {
  /** Undefined when detections are off: upgrades to the path are refused with a 503. */
  detections: Detections | undefined;
  log: Logger;
  /** Default `/ws`. */
  path?: string;
  /** Seconds between protocol pings; a client that has not answered the last one is dropped (default 30). */
  heartbeatSeconds?: number;
  /** The client address of an upgrade request (default: the socket's); the node's trusted-proxy rules fit here. */
  clientAddress?: (req: IncomingMessage) => string;
}

export interface DetectionsWebSocketCounters {
  clients: number;
  accepted: number;
  refused: number;
  /** Dropped because they did not keep up (send buffer) or stopped answering pings. */
  dropped: number;
  messages: number;
}

export interface DetectionsWebSocket {
  /** Open `/ws` clients now (`websocket_connections` of `/health`). */
  websocketConnections(): number;
  counters(): DetectionsWebSocketCounters;
  /** Closes every client (1001) and stops listening for upgrades; call it before closing the server. */
  close(): Promise<void>;
}

/** A refusal at the upgrade, as an HTTP answer on the raw socket, JSON as the API's. */
function refuse(
  socket: Duplex,
  status: number,
  reason: string,
  detail: string,
  headers: Record<string, string> = {},
) {
  const body = JSON.stringify({ detail });
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra.join('')}\r\n${body}`,
  );
}

/** Attaches `/ws` to `server` (its `upgrade` event); upgrades to other paths are left to other listeners. */
export function attachDetectionsWebSocket(
  server: Server,
  deps: DetectionsWebSocketDeps,
): DetectionsWebSocket {
  const path = deps.path ?? '/ws';
  const d = deps.detections;
  const limits = d?.config.limits;
  const maxClients = limits?.maxWebSocketClients ?? 64;
  const maxBuffer = limits?.maxWebSocketBufferBytes ?? 256 * 1024;
  const log = deps.log.child({ module: 'detections-ws' });
  const throttle = new LogThrottle(log);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const clients = new Set<WebSocket>();
  const alive = new WeakSet<WebSocket>();
  const counters = { accepted: 0, refused: 0, dropped: 0, messages: 0 };
  let pending = 0;

  const drop = (ws: WebSocket) => {
    counters.dropped++;
    clients.delete(ws);
    ws.terminate();
  };
  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBuffer) return drop(ws);
    counters.messages++;
    ws.send(text);
  };
  const broadcast = (message: object) => {
    if (clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const ws of clients) send(ws, text);
  };

  const unsubscribe = d?.onStored((event: StoredEvent) => {
    if (clients.size === 0) return;
    const timestamp = d.clock.iso(d.nowUs());
    broadcast({ type: 'detection_event', timestamp, device_id: event.device_id, count: event.count });
  });

  let computing = false;
  const statsEvery = (d?.config.statsIntervalSeconds ?? 0) * 1000;
  const stats =
    d && statsEvery > 0
      ? setInterval(() => {
          if (clients.size === 0 || computing || !d.ready) return;
          computing = true;
          d.realtime()
            .then((data) => broadcast({ type: 'stats_update', timestamp: data.timestamp, data }))
            .catch((error) => throttle.warn('stats', { err: error }, 'stats_update not computed'))
            .finally(() => {
              computing = false;
            });
        }, statsEvery).unref()
      : undefined;

  const heartbeat = setInterval(
    () => {
      for (const ws of clients) {
        if (!alive.has(ws)) {
          drop(ws);
          continue;
        }
        alive.delete(ws);
        ws.ping();
      }
    },
    (deps.heartbeatSeconds ?? 30) * 1000,
  ).unref();

  const connected = (ws: WebSocket) => {
    counters.accepted++;
    clients.add(ws);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'ping') send(ws, 'pong');
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return;
    socket.on('error', () => {});
    if (!d) return refuse(socket, 503, STATUS_CODES[503] as string, 'detections are off');
    if (clients.size + pending >= maxClients) {
      counters.refused++;
      return refuse(socket, 503, 'Service Unavailable', 'too many WebSocket clients; try again later');
    }
    pending++;
    const ip = deps.clientAddress?.(req) ?? req.socket.remoteAddress ?? '';
    const header = (name: string) => {
      if (name === 'x-api-key' && !req.headers['x-api-key'])
        return url.searchParams.get('api_key') ?? undefined;
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    authorize(d.keys, { ip, header }, { read: true })
      .then(() => {
        wss.handleUpgrade(req, socket, head, connected);
      })
      .catch((error: { status?: number; message?: string; headers?: Record<string, string> }) => {
        counters.refused++;
        const status = error.status ?? 500;
        refuse(socket, status, STATUS_CODES[status] ?? 'Error', error.message ?? 'refused', error.headers);
      })
      .finally(() => {
        pending--;
      });
  };
  server.on('upgrade', onUpgrade);

  return {
    websocketConnections: () => clients.size,
    counters: () => ({ clients: clients.size, ...counters }),
    async close() {
      server.off('upgrade', onUpgrade);
      unsubscribe?.();
      clearInterval(stats);
      clearInterval(heartbeat);
      for (const ws of clients) ws.close(1001, 'server shutting down');
      const closing = [...clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 1000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      );
      await Promise.all(closing);
      clients.clear();
      throttle.flush();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
