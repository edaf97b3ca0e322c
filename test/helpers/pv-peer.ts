import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A peer's chargecontroller.php on 127.0.0.1: answers `?value=<metric>` with `value` and `?value=datetime`
 * with `datetime`, as plain text like the PHP. `hang` accepts connections and never answers.
 */
export interface PvPeer {
  address: string;
  value: string;
  datetime: string;
  hang: boolean;
  /** What `GET /api/election` names as holder (a pimesh peer); 404 when undefined (an original node). */
  holder?: { mac: string; since: string };
  /** Requests seen, as path+query. */
  requests: string[];
  /**
   * What happened, in order: `request <path+query>` when one arrives, `abandoned <path+query>` when the
   * client hangs up before it was answered (a hanging peer's requests, once the client gives up).
   */
  events: string[];
  close(): Promise<void>;
}

export async function startPvPeer(value = '0', datetime = ''): Promise<PvPeer> {
  const sockets = new Set<import('node:net').Socket>();
  const peer: PvPeer = {
    address: '',
    value,
    datetime,
    hang: false,
    requests: [],
    events: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    peer.requests.push(req.url ?? '');
    peer.events.push(`request ${req.url ?? ''}`);
    res.on('close', () => {
      if (!res.writableEnded) peer.events.push(`abandoned ${req.url ?? ''}`);
    });
    if (peer.hang) return;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/election' && peer.holder) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ holder: peer.holder }));
      return;
    }
    if (url.pathname !== '/api/v1/chargecontroller.php') {
      res.writeHead(404).end();
      return;
    }
    const v = url.searchParams.get('value');
    res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
    res.end(v === 'datetime' ? peer.datetime : peer.value);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return peer;
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}
