/**
 * Local stand-ins for the DNS services the HTTP providers talk to, on 127.0.0.1 (port 0). Each checks
 * every request as the real service documents it (method, path, every query parameter and no other,
 * credentials, JSON body shape, Content-Type), answers as the real service does, and records what it got.
 * Every deviation is pushed to `problems` (and answered 400), so a test asserts `problems` stays empty.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { type AddressInfo, isIPv4 } from 'node:net';
import type { ExecutionContext } from 'ava';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeService {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: RecordedRequest[];
  /** Requests the client hung up on before they were answered (a silent server's, once it gives up). */
  abandoned: RecordedRequest[];
  problems: string[];
}

export type Handler = (req: RecordedRequest, res: ServerResponse, problem: (message: string) => void) => void;

export async function startFake(t: ExecutionContext, handler: Handler): Promise<FakeService> {
  const requests: RecordedRequest[] = [];
  const abandoned: RecordedRequest[] = [];
  const problems: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableEnded) abandoned.push(recorded);
      });
      let refused = false;
      handler(recorded, res, (message) => {
        problems.push(message);
        if (!refused && !res.headersSent)
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`fake: ${message}`);
        refused = true;
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    abandoned,
    problems,
  };
}

/** Problems when the query does not hold exactly `keys`, once each. */
export function checkQuery(
  query: URLSearchParams,
  keys: string[],
  problem: (message: string) => void,
): boolean {
  const sent = [...query.keys()];
  for (const key of keys)
    if (query.getAll(key).length !== 1)
      problem(`query parameter ${key} sent ${query.getAll(key).length} times`);
  for (const key of sent) if (!keys.includes(key)) problem(`unexpected query parameter ${key}`);
  return keys.every((key) => query.getAll(key).length === 1) && sent.every((key) => keys.includes(key));
}

/** A server that accepts connections and reads requests but never answers (for timeouts). */
export async function silentServer(t: ExecutionContext): Promise<FakeService> {
  return startFake(t, () => {});
}

/** The origin of a port nothing listens on (connection refused). */
export async function closedPortOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

// ---- Namecheap Dynamic DNS --------------------------------------------------------------------------

/** Namecheap's `<interface-response>`: success with the IP, or errors as `[Err text, ResponseNumber, ResponseString]`. */
export function namecheapXml(answer: { ip?: string; errors?: [string, number, string][] }): string {
  const errors = answer.errors ?? [];
  const lines = ['<?xml version="1.0"?>', '<interface-response>', '<Command>SETDNSHOST</Command>'];
  lines.push('<Language>eng</Language>');
  if (answer.ip && errors.length === 0) lines.push(`<IP>${answer.ip}</IP>`);
  lines.push(`<ErrCount>${errors.length}</ErrCount>`);
  if (errors.length > 0)
    lines.push('<errors>', ...errors.map(([text], i) => `<Err${i + 1}>${text}</Err${i + 1}>`), '</errors>');
  lines.push(`<ResponseCount>${errors.length}</ResponseCount>`);
  if (errors.length > 0) {
    lines.push('<responses>');
    for (const [, number, text] of errors) {
      lines.push(
        `<response><ResponseNumber>${number}</ResponseNumber><ResponseString>${text}</ResponseString></response>`,
      );
    }
    lines.push('</responses>');
  }
  lines.push('<Done>true</Done>', '<debug><![CDATA[]]></debug>', '</interface-response>');
  return lines.join('\r\n');
}

export const NAMECHEAP_BAD_PASSWORD: [string, number, string] = [
  'Passwords do not match',
  304156,
  'Validation error; invalid ; password',
];
export const NAMECHEAP_NO_DOMAIN: [string, number, string] = [
  'Domain name not found',
  316153,
  'Validation error; not found; domain name(s)',
];
export const NAMECHEAP_BAD_IP: [string, number, string] = [
  'Invalid IP',
  304156,
  'Validation error; invalid ; IP Address',
];

const xmlReply = (res: ServerResponse, body: string) =>
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);

/** dynamicdns.park-your-domain.com: `GET /update?host=&domain=&password=&ip=`. `records` maps host.domain → IP. */
export async function namecheapFake(
  t: ExecutionContext,
  options: { domain: string; password: string; hosts?: string[] },
) {
  const records = new Map<string, string>();
  const fake = await startFake(t, (req, res, problem) => {
    if (req.method !== 'GET') return problem(`method ${req.method}, not GET`);
    if (req.path !== '/update') return problem(`path ${req.path}, not /update`);
    if (!checkQuery(req.query, ['host', 'domain', 'password', 'ip'], problem)) return;
    const q = (key: string) => req.query.get(key) ?? '';
    if (q('domain') !== options.domain) return xmlReply(res, namecheapXml({ errors: [NAMECHEAP_NO_DOMAIN] }));
    if (q('password') !== options.password)
      return xmlReply(res, namecheapXml({ errors: [NAMECHEAP_BAD_PASSWORD] }));
    if (!isIPv4(q('ip'))) return xmlReply(res, namecheapXml({ errors: [NAMECHEAP_BAD_IP] }));
    if (!(options.hosts ?? ['@']).includes(q('host'))) {
      return xmlReply(
        res,
        namecheapXml({
          errors: [
            ['No Records updated. A record not Found;', 380091, 'No Records updated. A record not Found;'],
          ],
        }),
      );
    }
    records.set(`${q('host')}.${q('domain')}`, q('ip'));
    xmlReply(res, namecheapXml({ ip: q('ip') }));
  });
  return { ...fake, records };
}

// ---- Solar Protocol DNS gateway (dns-gateway/index.php) ----------------------------------------------

/**
 * The gateway: `GET /?ip=&key=`. The key is compared with a fixed value (the real one bcrypt-verifies a
 * list); a match "calls Namecheap" with the gateway's own password and echoes its XML (or `answer`).
 */
export async function gatewayFake(
  t: ExecutionContext,
  options: { key: string; namecheapPasswordWrong?: boolean; answer?: string },
) {
  const updates: string[] = [];
  const fake = await startFake(t, (req, res, problem) => {
    const php = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' }).end(body);
    if (req.method !== 'GET') return problem(`method ${req.method}, not GET`);
    if (req.path !== '/') return problem(`path ${req.path}, not / (index.php)`);
    if (!req.query.has('ip') || !req.query.has('key')) return php('no match');
    if (!checkQuery(req.query, ['ip', 'key'], problem)) return;
    if (req.query.get('key') !== options.key) return php('api key not verified');
    if (options.answer !== undefined) return php(options.answer);
    const ip = req.query.get('ip') ?? '';
    if (options.namecheapPasswordWrong) return php(namecheapXml({ errors: [NAMECHEAP_BAD_PASSWORD] }));
    if (!isIPv4(ip)) return php(namecheapXml({ errors: [NAMECHEAP_BAD_IP] }));
    updates.push(ip);
    php(namecheapXml({ ip }));
  });
  return { ...fake, updates };
}

// ---- dyndns2 ------------------------------------------------------------------------------------------

/**
 * A dyndns2 server: `GET /nic/update?hostname=&myip=` with Basic auth and a User-Agent. `hosts` maps
 * the account's host names to their address; `answer` forces a body (e.g. `911`), `status` a status.
 */
export async function dyndns2Fake(
  t: ExecutionContext,
  options: {
    username: string;
    password: string;
    hosts: Record<string, string>;
    answer?: string;
    status?: number;
  },
) {
  const fake = await startFake(t, (req, res, problem) => {
    const text = (body: string, status = options.status ?? 200, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
    if (req.method !== 'GET') return problem(`method ${req.method}, not GET`);
    if (req.path !== '/nic/update') return problem(`path ${req.path}, not /nic/update`);
    if (!checkQuery(req.query, ['hostname', 'myip'], problem)) return;
    if (!req.headers['user-agent']) return text('badagent');
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Basic '))
      return text('badauth', 401, { 'www-authenticate': 'Basic realm="DynDNS API Access"' });
    const expected = Buffer.from(`${options.username}:${options.password}`).toString('base64');
    if (auth !== `Basic ${expected}`) return text('badauth');
    if (options.answer !== undefined) return text(options.answer);
    const hostname = req.query.get('hostname') ?? '';
    const ip = req.query.get('myip') ?? '';
    if (!hostname.includes('.')) return text('notfqdn');
    if (!(hostname in options.hosts)) return text('nohost');
    if (!isIPv4(ip)) return problem(`myip ${ip} is not IPv4`);
    const changed = options.hosts[hostname] !== ip;
    options.hosts[hostname] = ip;
    text(`${changed ? 'good' : 'nochg'} ${ip}`);
  });
  return fake;
}
