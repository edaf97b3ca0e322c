import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { type NamecheapConfig, namecheapConfigSchema } from '../../../src/mesh/dns/config.js';
import { createNamecheap, parseNamecheapAnswer } from '../../../src/mesh/dns/namecheap.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import {
  closedPortOrigin,
  NAMECHEAP_BAD_PASSWORD,
  namecheapFake,
  namecheapXml,
  silentServer,
} from '../../helpers/dns-http-fakes.js';
import { until } from '../../helpers/until.js';

const PASSWORD = 'a1b2c3d4e5f6-ddns&pass';
const secrets = secretsFromObject({ DNS_KEY: PASSWORD });

const config = (baseUrl: string, extra: Partial<NamecheapConfig> = {}): NamecheapConfig =>
  namecheapConfigSchema.parse({ provider: 'namecheap', domain: 'solarprotocol.net', baseUrl, ...extra });

test('the schema fills in the original defaults', (t) => {
  t.deepEqual(namecheapConfigSchema.parse({ provider: 'namecheap', domain: 'solarprotocol.net' }), {
    provider: 'namecheap',
    domain: 'solarprotocol.net',
    host: '@',
    baseUrl: 'https://dynamicdns.park-your-domain.com',
    passwordSecret: 'DNS_KEY',
  });
  t.false(namecheapConfigSchema.safeParse({ provider: 'namecheap', domain: 'nodot' }).success);
  t.false(namecheapConfigSchema.safeParse({ provider: 'namecheap', domain: 'a.net', extra: 1 }).success);
});

test('parseNamecheapAnswer reads ErrCount, the Err texts and the IP', (t) => {
  t.deepEqual(parseNamecheapAnswer(namecheapXml({ ip: '203.0.113.7' })), {
    errCount: 0,
    errors: [],
    ip: '203.0.113.7',
  });
  t.deepEqual(parseNamecheapAnswer(namecheapXml({ errors: [NAMECHEAP_BAD_PASSWORD] })), {
    errCount: 1,
    errors: ['Passwords do not match'],
  });
  t.is(parseNamecheapAnswer('<html>Bad gateway</html>'), undefined);
});

test('an update sends the original request and succeeds on ErrCount 0', async (t) => {
  const fake = await namecheapFake(t, { domain: 'solarprotocol.net', password: PASSWORD });
  const provider = createNamecheap(config(fake.origin), secrets);
  t.is(provider.name, 'namecheap');
  t.is(provider.target, '@.solarprotocol.net');
  t.is(await provider.update('203.0.113.7'), '@.solarprotocol.net set to 203.0.113.7 (ErrCount 0)');
  t.deepEqual(fake.problems, []);
  t.is(fake.records.get('@.solarprotocol.net'), '203.0.113.7');
  t.is(fake.requests.length, 1);
  t.is(
    fake.requests[0].url,
    `/update?host=@&domain=solarprotocol.net&password=${encodeURIComponent(PASSWORD)}&ip=203.0.113.7`,
    'the original parameter order, host=@ unescaped, the password percent-encoded',
  );
});

test('a wrong password is ERR_DNS_AUTH, not retryable, and the message holds no password', async (t) => {
  const fake = await namecheapFake(t, { domain: 'solarprotocol.net', password: 'the-right-one' });
  const provider = createNamecheap(config(fake.origin), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_AUTH');
  t.false(error?.retryable);
  t.regex(error?.message ?? '', /Passwords do not match/);
  t.false(error?.message.includes(PASSWORD));
  t.false(JSON.stringify(error).includes(PASSWORD));
  t.deepEqual(fake.problems, []);
});

test('another Namecheap error is ERR_DNS_REJECTED with its Err1 text', async (t) => {
  const fake = await namecheapFake(t, { domain: 'solarprotocol.net', password: PASSWORD, hosts: ['@'] });
  const provider = createNamecheap(config(fake.origin, { host: 'www' }), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.true(error?.retryable);
  t.regex(error?.message ?? '', /^namecheap: Namecheap refused www\.solarprotocol\.net: No Records updated/);
  t.false(error?.message.includes(PASSWORD));
});

test('an unknown domain is rejected', async (t) => {
  const fake = await namecheapFake(t, { domain: 'solarprotocol.net', password: PASSWORD });
  const provider = createNamecheap(config(fake.origin, { domain: 'example.org' }), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.regex(error?.message ?? '', /Domain name not found/);
});

test('an address that is not IPv4 is ERR_DNS_CONFIG and nothing is sent', async (t) => {
  const fake = await namecheapFake(t, { domain: 'solarprotocol.net', password: PASSWORD });
  const provider = createNamecheap(config(fake.origin), secrets);
  for (const ip of ['2001:db8::1', '1.2.3', 'localhost', '']) {
    const error = await t.throwsAsync(provider.update(ip), { instanceOf: DnsUpdateError });
    t.is(error?.code, 'ERR_DNS_CONFIG');
  }
  t.is(fake.requests.length, 0);
});

test('a missing password secret fails at creation, naming the key', (t) => {
  const error = t.throws(() => createNamecheap(config('http://127.0.0.1:1'), secretsFromObject({})), {
    instanceOf: DnsUpdateError,
  });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.regex(error?.message ?? '', /DNS_KEY/);
});

test('connection refused is ERR_DNS_UNREACHABLE without the URL or password', async (t) => {
  const origin = await closedPortOrigin();
  const provider = createNamecheap(config(origin), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_UNREACHABLE');
  t.true(error?.retryable);
  t.regex(error?.message ?? '', /ECONNREFUSED/);
  t.false(error?.message.includes('password'));
  t.false(error?.message.includes(PASSWORD));
  t.is(error?.cause, undefined, "got's error (which holds the URL) is not kept");
});

test('a server that never answers times out as ERR_DNS_UNREACHABLE', async (t) => {
  const server = await silentServer(t);
  // Long enough for the request to reach the server on a busy machine before the client gives up.
  const provider = createNamecheap(config(server.origin), secrets, { timeoutMs: 2000 });
  const error = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_UNREACHABLE');
  t.regex(error?.message ?? '', /no answer within 2000 ms/);
  t.is(server.requests.length, 1);
  // The server never answers: only the client giving up ends the request, and it hangs up.
  await until('the client to hang up', () => server.abandoned.length === 1);
});

test('HTTP 5xx is ERR_DNS_UNREACHABLE; a non-XML 200 is rejected, quoting it without secrets', async (t) => {
  const answers: [number, string][] = [
    [503, 'Service Unavailable'],
    [200, `<html>proxy error for password=${PASSWORD}</html>`],
  ];
  const server = createServer((_req, res) => {
    const [status, body] = answers.shift() ?? [500, ''];
    res.writeHead(status).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const { port } = server.address() as AddressInfo;
  const provider = createNamecheap(config(`http://127.0.0.1:${port}`), secrets);
  const unreachable = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(unreachable?.code, 'ERR_DNS_UNREACHABLE');
  t.regex(unreachable?.message ?? '', /HTTP 503/);
  const odd = await t.throwsAsync(provider.update('203.0.113.7'), { instanceOf: DnsUpdateError });
  t.is(odd?.code, 'ERR_DNS_REJECTED');
  t.regex(odd?.message ?? '', /unexpected answer/);
  t.false(odd?.message.includes(PASSWORD));
});
