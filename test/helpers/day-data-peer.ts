import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const HEADER = ['datetime', 'PV voltage', 'PV power L', 'battery percentage'];
/** A peer's opendata.php?day=4: two files, newest first, each with its header, rows ascending. */
export const DAY4 = JSON.stringify([
  [
    HEADER,
    ['2021-02-24 07:46:13.125131', '13.27', '1.5', '0.33'],
    ['2021-02-24 07:48:13.1', '13.3', '2.25', '0.34'],
  ],
  [HEADER, ['2021-02-23 23:58:00.5', '12.9', '0', '0.31']],
]);
/** What getRemoteData.py writes for it: json.dumps of the header then every row newest first. */
export const STORED =
  '[["datetime", "PV voltage", "PV power L", "battery percentage"], ["2021-02-24 07:48:13.1", "13.3", "2.25", "0.34"], ["2021-02-24 07:46:13.125131", "13.27", "1.5", "0.33"], ["2021-02-23 23:58:00.5", "12.9", "0", "0.31"]]';

/**
 * A peer's `/api/v1/opendata.php?day=4` on 127.0.0.1 (port 0): `body` as the PHP would answer it,
 * or misbehaving: `hang` never answers, `huge` streams bytes without end, `status` another code.
 */
export interface DayDataPeer {
  address: string;
  body: string;
  mode: 'ok' | 'hang' | 'huge';
  status: number;
  requests: string[];
  close(): Promise<void>;
}

export async function startDayDataPeer(body: string): Promise<DayDataPeer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    peer.requests.push(req.url ?? '');
    if (peer.mode === 'hang') return;
    res.writeHead(peer.status, { 'content-type': 'text/html; charset=UTF-8' });
    if (peer.mode === 'huge') {
      const chunk = Buffer.alloc(64 * 1024, 0x5b);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    res.end(peer.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const peer: DayDataPeer = {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    body,
    mode: 'ok',
    status: 200,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return peer;
}
