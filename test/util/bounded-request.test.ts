import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { boundedRequest, KiB, MiB, ResponseTooLargeError } from '../../src/util/bounded-request.js';

type Handler = Parameters<typeof createServer>[1];

async function serve(t: ExecutionContext, handler: Handler): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
}

test('an answer within the cap is read whole, with its status and headers', async (t) => {
  const url = await serve(t, (req, res) => {
    res.writeHead(418, { 'x-kind': 'teapot' });
    res.end(`${req.method} ok`);
  });
  const res = await boundedRequest(url, { timeoutMs: 2000, maxBytes: 64 * KiB });
  t.is(res.statusCode, 418);
  t.is(res.headers['x-kind'], 'teapot');
  t.is(res.body, 'GET ok');
});

test('a declared Content-Length over the cap is refused before the body is read', async (t) => {
  let written = 0;
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': String(200 * MiB) });
    const chunk = Buffer.alloc(64 * KiB, 'a');
    const pump = () => {
      while (written < 200 * MiB && res.write(chunk)) written += chunk.length;
    };
    res.on('drain', pump);
    pump();
  });
  const error = await t.throwsAsync(boundedRequest(url, { timeoutMs: 5000, maxBytes: MiB }));
  t.true(error instanceof ResponseTooLargeError);
  t.is((error as ResponseTooLargeError).code, 'ERR_RESPONSE_TOO_LARGE');
  t.regex(error?.message ?? '', /^127\.0\.0\.1:\d+ answered more than 1 MiB; the answer was dropped$/);
});

test('a chunked answer that grows past the cap is cut off at the cap', async (t) => {
  let sent = 0;
  const url = await serve(t, (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(16 * KiB, 'b');
    const timer = setInterval(() => {
      sent += chunk.length;
      if (!res.write(chunk) && sent > 50 * MiB) clearInterval(timer);
    }, 1);
    res.on('close', () => clearInterval(timer));
  });
  const error = await t.throwsAsync(boundedRequest(url, { timeoutMs: 5000, maxBytes: 64 * KiB }));
  t.true(error instanceof ResponseTooLargeError);
  t.true(sent < 50 * MiB);
});

test('a peer that sends its answer slowly is given up at the deadline, body included', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(timer));
  });
  const error = await t.throwsAsync<Error & { code?: string }>(
    boundedRequest(url, { timeoutMs: 300, maxBytes: MiB }),
  );
  t.is(error?.code, 'ETIMEDOUT');
});

test('redirects are not followed, so a key in the body is never sent on', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(302, { location: 'http://192.0.2.1/steal' });
    res.end();
  });
  const res = await boundedRequest(url, {
    method: 'POST',
    body: 'api_key=k',
    timeoutMs: 2000,
    maxBytes: KiB,
  });
  t.is(res.statusCode, 302);
});

test('a POST without a body is sent with an empty one and answered', async (t) => {
  const url = await serve(t, (req, res) => {
    res.end(`${req.method} ${req.headers['content-length']}`);
  });
  const res = await boundedRequest(url, { method: 'POST', timeoutMs: 2000, maxBytes: KiB });
  t.is(res.statusCode, 200);
  t.is(res.body, 'POST 0');
});

test('a long-lived signal can be aborted after its requests ended, without an uncaught error', async (t) => {
  const url = await serve(t, (_req, res) => res.end('ok'));
  const lifetime = new AbortController();
  for (let i = 0; i < 3; i++) {
    t.is((await boundedRequest(url, { timeoutMs: 2000, maxBytes: KiB, signal: lifetime.signal })).body, 'ok');
  }
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  t.teardown(() => process.off('uncaughtException', record));
  lifetime.abort();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(uncaught, []);
});

test('aborting the signal stops a request in flight', async (t) => {
  const url = await serve(t, () => {});
  const stop = new AbortController();
  const pending = boundedRequest(url, { timeoutMs: 10_000, maxBytes: KiB, signal: stop.signal });
  stop.abort();
  const error = await t.throwsAsync<Error & { code?: string }>(pending);
  t.is(error?.code, 'ERR_ABORTED');
});
