import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { Disseminator } from '../../src/mesh/gossip/dissemination.js';
import { isTransient, PeerError } from '../../src/mesh/gossip/errors.js';
import { HttpTransport, peerUrl } from '../../src/mesh/gossip/http-transport.js';
import { encodeForm, type GossipForm } from '../../src/mesh/gossip/transport.js';
import { MemoryPeerList } from '../helpers/gossip/memory-transport.js';

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer;
}

type Reply = (res: ServerResponse, req: IncomingMessage) => void;

/** A local stand-in for an original node's api.php on 127.0.0.1, answering with the queued replies. */
async function originalNode(t: ExecutionContext, ...replies: Reply[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      const reply = replies.length > 1 ? replies.shift()! : replies[0];
      reply(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code;

/** PHP's answer: always 200 text/html. */
const php =
  (body: string, status = 200): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8' });
    res.end(body);
  };

const FORM: GossipForm = {
  api_key: 'k&y=1',
  stamp: '1612345678.123',
  ip: '1.2.3.4:8080',
  mac: 'b8:27:eb:00:00:01',
  name: 'Two & <b>',
  tz: 'America/New_York',
  log: ['2021-01-31 10:00:00.000001', 'x'],
};

const EXPECTED_BODY =
  'api_key=k%26y%3D1&stamp=1612345678.123&ip=1.2.3.4%3A8080&mac=b8%3A27%3Aeb%3A00%3A00%3A01' +
  '&name=Two+%26+%3Cb%3E&tz=America%2FNew_York&log=2021-01-31+10%3A00%3A00.000001%2Cx';

// What main's api.php echoes: compact json_encode, escaped slashes before 2022-02.
const LIST =
  '[{"mac":"b8:27:eb:00:00:01","ip":"1.2.3.4:8080","time stamp":"1612345678.123","name":"Server One",' +
  '"tz":"America\\/New_York","log":["2021-01-31 10:00:00.000001"]},' +
  '{"mac":"b8:27:eb:00:00:02","ip":"5.6.7.8","time stamp":1612345000,"name":"Two","log":[""]},' +
  '{"name":"no mac or ip"}]';

test('encodeForm: URL-encoded, fields in the original order, log comma-joined', (t) => {
  t.is(encodeForm(FORM), EXPECTED_BODY);
  t.deepEqual(
    [...new URLSearchParams(EXPECTED_BODY).keys()],
    ['api_key', 'stamp', 'ip', 'mac', 'name', 'tz', 'log'],
  );
  t.is(new URLSearchParams(EXPECTED_BODY).get('name'), 'Two & <b>');
});

test('posts exactly the form body to /api/v1/api.php and reads a JSON list', async (t) => {
  const node = await originalNode(t, php(LIST));
  const entries = await new HttpTransport().post(node.address, FORM);
  t.is(node.received.length, 1);
  const [request] = node.received;
  t.is(request.method, 'POST');
  t.is(request.url, '/api/v1/api.php');
  t.is(request.contentType, 'application/x-www-form-urlencoded');
  t.is(request.body.toString('latin1'), EXPECTED_BODY);
  t.deepEqual(entries, [
    {
      mac: 'b8:27:eb:00:00:01',
      ip: '1.2.3.4:8080',
      'time stamp': '1612345678.123',
      name: 'Server One',
      tz: 'America/New_York',
      log: ['2021-01-31 10:00:00.000001'],
    },
    { mac: 'b8:27:eb:00:00:02', ip: '5.6.7.8', 'time stamp': '1612345000', name: 'Two', log: [''] },
  ]);
  // An entry the peer holds without tz stays without it (the original answers null for it, not "").
  t.deepEqual(Object.keys(entries![1]), ['mac', 'ip', 'time stamp', 'name', 'log']);
});

test('an empty body (the original with an empty list) is undefined', async (t) => {
  const node = await originalNode(t, php(''));
  t.is(await new HttpTransport().post(node.address, FORM), undefined);
});

test('"Wrong API Key provided." with 200 rejects as ERR_PEER_REJECTED, not retryable', async (t) => {
  const node = await originalNode(t, php('Wrong API Key provided.'));
  const error = await t.throwsAsync(new HttpTransport().post(node.address, FORM), { instanceOf: PeerError });
  t.is(codeOf(error), 'ERR_PEER_REJECTED');
  t.is((error as PeerError).address, node.address);
  t.false(isTransient(error));
});

test('a 403 (pimesh refusing the key) is ERR_PEER_REJECTED too', async (t) => {
  const node = await originalNode(t, php('{"error":{"code":"ERR_INPUT"}}', 403));
  const error = await t.throwsAsync(new HttpTransport().post(node.address, FORM));
  t.is(codeOf(error), 'ERR_PEER_REJECTED');
  t.is((error as PeerError).statusCode, 403);
});

test('text that is not a JSON array is ERR_PEER_BAD_ANSWER', async (t) => {
  for (const body of ['Error opening output file', 'array(1) {\n  [0]=>\n  string(0) ""\n}', '{"mac":"x"}']) {
    const node = await originalNode(t, php(body));
    const error = await t.throwsAsync(new HttpTransport().post(node.address, FORM));
    t.is(codeOf(error), 'ERR_PEER_BAD_ANSWER', body);
    t.false(isTransient(error));
  }
});

test('5xx is ERR_PEER_HTTP and transient; a redirect is not followed', async (t) => {
  const broken = await originalNode(t, php('oops', 503));
  const error = await t.throwsAsync(new HttpTransport().post(broken.address, FORM));
  t.is(codeOf(error), 'ERR_PEER_HTTP');
  t.true(isTransient(error));

  const elsewhere = await originalNode(t, php(LIST));
  const redirecting = await originalNode(t, (res) => {
    res.writeHead(302, { location: `http://${elsewhere.address}/api/v1/api.php` });
    res.end();
  });
  const redirect = await t.throwsAsync(new HttpTransport().post(redirecting.address, FORM));
  t.is((redirect as PeerError).statusCode, 302);
  t.is(elsewhere.received.length, 0, 'the key never went to the other host');
});

test('a peer that does not answer in time rejects with ETIMEDOUT (transient)', async (t) => {
  const node = await originalNode(t, () => {});
  const error = await t.throwsAsync(new HttpTransport({ timeoutMs: 150 }).post(node.address, FORM));
  t.is(codeOf(error), 'ETIMEDOUT');
  t.true(isTransient(error));
});

test('a list bigger than the cap is dropped as ERR_RESPONSE_TOO_LARGE (not retried), without reading it all', async (t) => {
  const node = await originalNode(t, php(`[${'{"mac":"x"},'.repeat(20_000)}{}]`));
  const error = await t.throwsAsync(new HttpTransport({ maxBytes: 64 * 1024 }).post(node.address, FORM));
  t.is(codeOf(error), 'ERR_RESPONSE_TOO_LARGE');
  t.false(isTransient(error));
});

test('nothing listening rejects with ECONNREFUSED (not retried)', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const error = await t.throwsAsync(new HttpTransport().post(`127.0.0.1:${port}`, FORM));
  t.is(codeOf(error), 'ECONNREFUSED');
  t.false(isTransient(error));
});

test('peerUrl accepts host, host:port, IPv4[:port] and [v6][:port]; refuses anything else', (t) => {
  t.is(peerUrl('solarprotocol.net'), 'http://solarprotocol.net/api/v1/api.php');
  t.is(peerUrl(' 1.2.3.4:8080 '), 'http://1.2.3.4:8080/api/v1/api.php');
  t.is(peerUrl('[fe80::1]:8080'), 'http://[fe80::1]:8080/api/v1/api.php');
  t.is(peerUrl('fe80::1'), 'http://[fe80::1]/api/v1/api.php');
  for (const bad of ['', '1.2.3.4/x', 'user@host', 'a b', 'host:99999', 'http://x', 'host?q', '1.2.3.4#']) {
    const error = t.throws(() => peerUrl(bad), { instanceOf: PeerError }, bad);
    t.is(codeOf(error), 'ERR_PEER_BAD_ADDRESS');
  }
});

test('the Disseminator retries a transient failure once, over real HTTP', async (t) => {
  const node = await originalNode(t, php('busy', 503), php(LIST));
  const store = new MemoryPeerList();
  const disseminator = new Disseminator({
    self: () => ({ mac: 'b8:27:eb:00:00:09', ip: '9.9.9.9', name: 'me', tz: 'UTC', log: [] }),
    store,
    transport: new HttpTransport({ timeoutMs: 2000 }),
    apiKey: 'k',
    seeds: [node.address],
    options: { retries: 1, retryMinTimeoutMs: 10 },
  });
  const report = await disseminator.round();
  t.is(node.received.length, 2);
  t.deepEqual(report.answered, [node.address]);
  t.is(report.learned, 2);
  t.deepEqual(
    store.list().map((e) => e.mac),
    ['b8:27:eb:00:00:09', 'b8:27:eb:00:00:01', 'b8:27:eb:00:00:02'],
  );
});
