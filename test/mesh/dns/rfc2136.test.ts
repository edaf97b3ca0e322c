import { createServer, type Server } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { type Rfc2136Config, rfc2136ConfigSchema } from '../../../src/mesh/dns/config.js';
import { decodeMessage } from '../../../src/mesh/dns/dns-message.js';
import { createRfc2136 } from '../../../src/mesh/dns/rfc2136.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { freePort, NAMED_TOOLS, type Named, startNamed } from '../../helpers/named.js';
import { needs } from '../../helpers/needs.js';

const bind = needs(...NAMED_TOOLS);
let named: Named | undefined;

test.before(async () => {
  if (bind.ok) named = await startNamed();
});

test.after.always(async () => {
  await named?.stop();
});

type Overrides = Partial<Omit<Rfc2136Config, 'provider'>>;

const WRONG_SECRET = Buffer.alloc(32, 7).toString('base64');

/** A parsed config for poe.example.test on 127.0.0.1 with key ddns-key, changed by `overrides`. */
const configFor = (overrides: Overrides = {}) =>
  rfc2136ConfigSchema.parse({
    provider: 'rfc2136',
    server: '127.0.0.1',
    zone: 'example.test',
    name: 'poe.example.test',
    keyName: 'ddns-key',
    ...overrides,
  });

/** A provider for `name` on the test's named, with the hmac-sha256 key unless overridden. */
function provider(server: Named, name: string, overrides: Overrides = {}, secret = server.secret) {
  // A generous timeout: it only matters when named never answers, and a busy machine is slow.
  const config = configFor({ port: server.port, name, timeoutMs: 10_000, ...overrides });
  return createRfc2136(config, secretsFromObject({ TSIG_SECRET: secret }));
}

/** A test against the file's named: skipped without BIND (a failure under CI=true), see needs(). */
function withNamed(title: string, body: (t: ExecutionContext, server: Named) => Promise<void>) {
  bind(title, async (t) => {
    if (!named) throw new Error('named was not started');
    await body(t, named);
  });
}

/** The rejection, checked to be a DnsUpdateError whose message holds no secret. */
async function rejection(t: ExecutionContext, promise: Promise<unknown>, secrets: string[]) {
  const error = await t.throwsAsync(promise, { instanceOf: DnsUpdateError });
  for (const secret of secrets) {
    t.false(error!.message.includes(secret), 'the secret is not in the message');
    t.false(error!.message.includes(Buffer.from(secret, 'base64').toString('hex')), 'nor its hex form');
    t.false(JSON.stringify(error).includes(secret), 'nor anywhere in the error object');
  }
  return error!;
}

withNamed('an update sets the A record, which dig then shows', async (t, server) => {
  const dns = provider(server, 'poe.example.test');
  t.is(dns.name, 'rfc2136');
  t.is(dns.target, 'poe.example.test');
  t.is(await dns.update('192.0.2.10'), 'NOERROR: poe.example.test. 60 A 192.0.2.10');
  t.is(await server.dig('poe.example.test'), '192.0.2.10');
});

withNamed('a second update replaces the address: one A record remains', async (t, server) => {
  const dns = provider(server, 'kiln.example.test');
  await dns.update('192.0.2.20');
  await dns.update('192.0.2.21');
  t.is(await server.dig('kiln.example.test'), '192.0.2.21');
});

withNamed('an update replaces every A record the name had', async (t, server) => {
  const dns = provider(server, 'two.example.test.');
  t.is(await server.dig('two.example.test'), '192.0.2.1\n192.0.2.2');
  t.is(await dns.current?.(), '192.0.2.1,192.0.2.2', 'several addresses never equal one');
  await dns.update('192.0.2.2');
  t.is(await server.dig('two.example.test'), '192.0.2.2');
});

withNamed(
  'current() answers what dig shows, and undefined for a name without an A record',
  async (t, server) => {
    const dns = provider(server, 'current.example.test');
    t.is(await dns.current?.(), undefined);
    await dns.update('192.0.2.30');
    t.is(await dns.current?.(), await server.dig('current.example.test'));
    t.is(await dns.current?.(), '192.0.2.30');
    t.is(await provider(server, 'ns1.example.test').current?.(), '127.0.0.1');
  },
);

withNamed(
  'a wrong TSIG secret is ERR_DNS_AUTH (BADSIG) and leaves the record as it was',
  async (t, server) => {
    await provider(server, 'badsig.example.test').update('192.0.2.40');
    const dns = provider(server, 'badsig.example.test', {}, WRONG_SECRET);
    const error = await rejection(t, dns.update('192.0.2.41'), [WRONG_SECRET, server.secret]);
    t.is(error.code, 'ERR_DNS_AUTH');
    t.false(error.retryable);
    t.is(
      error.message,
      'rfc2136: server rejected the TSIG key "ddns-key" (BADSIG: wrong secret or algorithm)',
    );
    t.is(await server.dig('badsig.example.test'), '192.0.2.40');
    const lookup = await rejection(t, dns.current!(), [WRONG_SECRET]);
    t.is(lookup.code, 'ERR_DNS_AUTH');
  },
);

withNamed('a key name the server does not know is ERR_DNS_AUTH (BADKEY)', async (t, server) => {
  const dns = provider(server, 'badkey.example.test', { keyName: 'no-such-key' });
  const error = await rejection(t, dns.update('192.0.2.50'), [server.secret]);
  t.is(error.code, 'ERR_DNS_AUTH');
  t.regex(error.message, /TSIG key "no-such-key" \(BADKEY/);
  t.is(await server.dig('badkey.example.test'), '');
});

withNamed(
  'a key the server knows but does not allow to update is ERR_DNS_AUTH (REFUSED)',
  async (t, server) => {
    const { name, secret } = server.keys.readonly;
    const dns = provider(server, 'refused.example.test', { keyName: name }, secret);
    const error = await rejection(t, dns.update('192.0.2.60'), [secret]);
    t.is(error.code, 'ERR_DNS_AUTH');
    t.is(
      error.message,
      'rfc2136: server refused the update (REFUSED: key "readonly-key" may not update refused.example.test. in zone example.test.)',
    );
  },
);

for (const algorithm of ['sha512', 'sha1'] as const) {
  withNamed(`an hmac-${algorithm} key works too`, async (t, server) => {
    const key = server.keys[algorithm];
    const name = `${algorithm}.example.test`;
    const dns = provider(server, name, { keyName: key.name, algorithm: key.algorithm }, key.secret);
    await dns.update('192.0.2.70');
    t.is(await server.dig(name), '192.0.2.70');
    t.is(await dns.current?.(), '192.0.2.70');
  });
}

withNamed('UDP works as well as TCP', async (t, server) => {
  const dns = provider(server, 'udp.example.test', { transport: 'udp' });
  await dns.update('192.0.2.80');
  t.is(await server.dig('udp.example.test'), '192.0.2.80');
  t.is(await dns.current?.(), '192.0.2.80');
});

withNamed(
  'a clock off by an hour is BADTIME: retryable, and it says to check the time',
  async (t, server) => {
    const config = configFor({ port: server.port, name: 'badtime.example.test' });
    const skewed = () => Math.floor(Date.now() / 1000) - 3600;
    const dns = createRfc2136(config, secretsFromObject({ TSIG_SECRET: server.secret }), { now: skewed });
    const error = await rejection(t, dns.update('192.0.2.90'), [server.secret]);
    t.is(error.code, 'ERR_DNS_REJECTED');
    t.true(error.retryable);
    t.regex(error.message, /BADTIME.*time/);
    t.is(await server.dig('badtime.example.test'), '');
  },
);

withNamed('a zone the server does not serve is ERR_DNS_REJECTED naming the rcode', async (t, server) => {
  const dns = provider(server, 'a.elsewhere.test', { zone: 'elsewhere.test' });
  const error = await rejection(t, dns.update('192.0.2.99'), [server.secret]);
  t.is(error.code, 'ERR_DNS_REJECTED');
  t.regex(error.message, /server answered (NOTAUTH|REFUSED|NOTZONE)/);
});

test('a name outside the zone fails config validation, naming the field', (t) => {
  const result = rfc2136ConfigSchema.safeParse({
    ...configFor(),
    zone: 'example.test.',
    name: 'poe.example.org',
  });
  t.false(result.success);
  t.deepEqual(
    result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
    [['name', 'must be inside the zone "example.test" (e.g. host.example.test)']],
  );
});

test('defaults: port 53, TTL 60, hmac-sha256, secret TSIG_SECRET, TCP, 5 s', (t) => {
  const config = configFor({ server: 'ns1.example.test', name: 'Poe.Example.Test.' });
  t.like(config, {
    port: 53,
    ttl: 60,
    algorithm: 'hmac-sha256',
    secretName: 'TSIG_SECRET',
    transport: 'tcp',
    timeoutMs: 5000,
  });
  const bad = rfc2136ConfigSchema.safeParse({ ...config, zone: 'exa mple.test', algorithm: 'hmac-md5' });
  t.deepEqual(bad.error?.issues.map((issue) => issue.path.join('.')).sort(), ['algorithm', 'zone']);
});

test('a closed port is ERR_DNS_UNREACHABLE, retryable', async (t) => {
  const port = await freePort();
  const config = configFor({ port });
  const dns = createRfc2136(config, secretsFromObject({ TSIG_SECRET: WRONG_SECRET }));
  const error = await rejection(t, dns.update('192.0.2.1'), [WRONG_SECRET]);
  t.is(error.code, 'ERR_DNS_UNREACHABLE');
  t.true(error.retryable);
  t.is(error.message, `rfc2136: no answer from 127.0.0.1:${port} over tcp (ECONNREFUSED)`);
  t.is((await rejection(t, dns.current!(), [])).code, 'ERR_DNS_UNREACHABLE');
  const udp = createRfc2136(
    { ...config, transport: 'udp' },
    secretsFromObject({ TSIG_SECRET: WRONG_SECRET }),
  );
  const udpError = await rejection(t, udp.update('192.0.2.1'), [WRONG_SECRET]);
  t.is(udpError.code, 'ERR_DNS_UNREACHABLE');
  t.regex(udpError.message, /over udp \((ECONNREFUSED|timed out after 5000 ms)\)$/);
});

/** A local TCP DNS "server" that hands each framed request to `answer` and writes back what it returns. */
async function fakeServer(t: ExecutionContext, answer: (request: Buffer) => Buffer | undefined) {
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined); // the client hangs up on aborts and timeouts
    socket.on('data', (chunk) => {
      const reply = answer(chunk.subarray(2));
      if (reply) socket.end(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const config = configFor({ port: (server.address() as { port: number }).port, timeoutMs: 300 });
  return createRfc2136(config, secretsFromObject({ TSIG_SECRET: WRONG_SECRET }));
}

test('a server that accepts but never answers is ERR_DNS_UNREACHABLE after timeoutMs', async (t) => {
  const dns = await fakeServer(t, () => undefined);
  const error = await rejection(t, dns.update('192.0.2.1'), [WRONG_SECRET]);
  t.is(error.code, 'ERR_DNS_UNREACHABLE');
  t.regex(error.message, /timed out after 300 ms/);
});

test('an aborted update stops waiting at once: ERR_DNS_UNREACHABLE', async (t) => {
  const dns = await fakeServer(t, () => undefined);
  const controller = new AbortController();
  const pending = dns.update('192.0.2.1', controller.signal);
  setTimeout(() => controller.abort(), 20);
  const error = await rejection(t, pending, [WRONG_SECRET]);
  t.is(error.code, 'ERR_DNS_UNREACHABLE');
  t.regex(error.message, /\(aborted\)$/);
  const early = await rejection(t, dns.update('192.0.2.1', AbortSignal.abort()), [WRONG_SECRET]);
  t.regex(early.message, /\(aborted\)$/);
});

test('an unsigned NOERROR answer is not trusted: ERR_DNS_REJECTED', async (t) => {
  const dns = await fakeServer(t, (request) => {
    const { tsig } = decodeMessage(request);
    const reply = Buffer.from(request.subarray(0, tsig!.offset));
    reply[2] |= 0x80; // QR: a response
    reply.writeUInt16BE(0, 10);
    return reply;
  });
  const error = await rejection(t, dns.update('192.0.2.1'), [WRONG_SECRET]);
  t.is(error.code, 'ERR_DNS_REJECTED');
  t.is(
    error.message,
    'rfc2136: the NOERROR answer to the update failed TSIG verification: the message is not signed',
  );
});

test('a missing secret or a bad address is ERR_DNS_CONFIG, before anything is sent', async (t) => {
  const config = configFor({ port: 9, secretName: 'DDNS_TSIG' });
  const missing = createRfc2136(config, secretsFromObject({}));
  const error = await t.throwsAsync(missing.update('192.0.2.1'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.regex(error!.message, /DDNS_TSIG/);
  const dns = createRfc2136(config, secretsFromObject({ DDNS_TSIG: WRONG_SECRET }));
  const bad = await t.throwsAsync(dns.update('2001:db8::1'), { instanceOf: DnsUpdateError });
  t.is(bad?.code, 'ERR_DNS_CONFIG');
  const notBase64 = createRfc2136(config, secretsFromObject({ DDNS_TSIG: 'not base64!' }));
  const garbled = await t.throwsAsync(notBase64.update('192.0.2.1'), { instanceOf: DnsUpdateError });
  t.is(garbled?.message, 'rfc2136: secret DDNS_TSIG is not base64 (as tsig-keygen prints it)');
});
