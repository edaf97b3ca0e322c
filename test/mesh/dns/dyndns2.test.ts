import test from 'ava';
import { type Dyndns2Config, dyndns2ConfigSchema } from '../../../src/mesh/dns/config.js';
import { createDyndns2, DYNDNS2_USER_AGENT, parseDyndns2Answer } from '../../../src/mesh/dns/dyndns2.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { VERSION } from '../../../src/version.js';
import { closedPortOrigin, dyndns2Fake, silentServer } from '../../helpers/dns-http-fakes.js';

const PASSWORD = 'dyn-pa55word';
const secrets = secretsFromObject({ DYNDNS_PASSWORD: PASSWORD });
const config = (baseUrl: string, extra: Partial<Dyndns2Config> = {}): Dyndns2Config =>
  dyndns2ConfigSchema.parse({
    provider: 'dyndns2',
    baseUrl,
    hostname: 'poe.example.test',
    username: 'solar',
    ...extra,
  });
const fakeOptions = (extra = {}) => ({
  username: 'solar',
  password: PASSWORD,
  hosts: { 'poe.example.test': '192.0.2.1' } as Record<string, string>,
  ...extra,
});

test('the schema needs a server, host name and user; path and secret have defaults', (t) => {
  t.deepEqual(config('https://members.dyndns.org'), {
    provider: 'dyndns2',
    baseUrl: 'https://members.dyndns.org',
    path: '/nic/update',
    hostname: 'poe.example.test',
    username: 'solar',
    passwordSecret: 'DYNDNS_PASSWORD',
  });
  t.false(dyndns2ConfigSchema.safeParse({ provider: 'dyndns2', hostname: 'a.b', username: 'u' }).success);
  t.false(
    dyndns2ConfigSchema.safeParse({
      provider: 'dyndns2',
      baseUrl: 'https://x',
      hostname: 'a.b',
      username: 'u:v',
    }).success,
  );
});

test('an update sends the ddclient request with Basic auth and a user agent; good and nochg succeed', async (t) => {
  const fake = await dyndns2Fake(t, fakeOptions());
  const provider = createDyndns2(config(fake.origin), secrets);
  t.is(provider.target, 'poe.example.test');
  t.is(await provider.update('203.0.113.9'), 'poe.example.test set to 203.0.113.9 (good)');
  t.is(await provider.update('203.0.113.9'), 'poe.example.test already at 203.0.113.9 (nochg)');
  t.deepEqual(fake.problems, []);
  const [request] = fake.requests;
  t.is(request.method, 'GET');
  t.is(request.url, '/nic/update?hostname=poe.example.test&myip=203.0.113.9');
  t.is(request.headers.authorization, `Basic ${Buffer.from(`solar:${PASSWORD}`).toString('base64')}`);
  t.is(request.headers['user-agent'], `pimesh/${VERSION} ddclient-compatible`);
  t.is(DYNDNS2_USER_AGENT, `pimesh/${VERSION} ddclient-compatible`);
});

test('badauth is ERR_DNS_AUTH and no message holds the password or its Basic form', async (t) => {
  const fake = await dyndns2Fake(t, fakeOptions({ password: 'other' }));
  const provider = createDyndns2(config(fake.origin), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.9'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_AUTH');
  t.false(error?.retryable);
  t.regex(error?.message ?? '', /^dyndns2: badauth/);
  t.false(error?.message.includes(PASSWORD));
  t.false(error?.message.includes(Buffer.from(`solar:${PASSWORD}`).toString('base64')));
  t.deepEqual(fake.problems, []);
});

test('HTTP 401 with a Basic challenge is ERR_DNS_AUTH', async (t) => {
  const fake = await dyndns2Fake(t, fakeOptions({ answer: 'badauth', status: 401 }));
  const provider = createDyndns2(config(fake.origin), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.9'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_AUTH');
});

test('an unknown host is ERR_DNS_REJECTED (nohost)', async (t) => {
  const fake = await dyndns2Fake(t, fakeOptions());
  const provider = createDyndns2(config(fake.origin, { hostname: 'other.example.test' }), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.9'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.regex(error?.message ?? '', /nohost: the host name does not exist in this account/);
});

test('every return code is classified', (t) => {
  const cases: [string, string][] = [
    ['notfqdn', 'ERR_DNS_REJECTED'],
    ['numhost', 'ERR_DNS_REJECTED'],
    ['abuse', 'ERR_DNS_REJECTED'],
    ['badagent', 'ERR_DNS_REJECTED'],
    ['!donator', 'ERR_DNS_REJECTED'],
    ['!yours', 'ERR_DNS_REJECTED'],
    ['badsys', 'ERR_DNS_REJECTED'],
    ['911', 'ERR_DNS_UNREACHABLE'],
    ['dnserr', 'ERR_DNS_UNREACHABLE'],
    ['badauth', 'ERR_DNS_AUTH'],
    ['something else', 'ERR_DNS_REJECTED'],
    ['constructor', 'ERR_DNS_REJECTED'],
    ['', 'ERR_DNS_REJECTED'],
    ['good 127.0.0.1', 'ERR_DNS_REJECTED'],
  ];
  for (const [answer, code] of cases) {
    const error = t.throws(() =>
      parseDyndns2Answer('dyndns2', 'h.example.test', '203.0.113.9', `${answer}\n`),
    );
    t.is((error as DnsUpdateError).code, code, answer);
  }
  t.is(
    parseDyndns2Answer('dyndns2', 'h.example.test', '203.0.113.9', 'nochg\n'),
    'h.example.test already at 203.0.113.9 (nochg)',
  );
});

test('911 from the server is ERR_DNS_UNREACHABLE (retry later)', async (t) => {
  const fake = await dyndns2Fake(t, fakeOptions({ answer: '911' }));
  const provider = createDyndns2(config(fake.origin), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.9'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_UNREACHABLE');
  t.true(error?.retryable);
});

test('HTTP 5xx is ERR_DNS_UNREACHABLE; a return code sent with a 4xx keeps its meaning', async (t) => {
  const down = await dyndns2Fake(t, fakeOptions({ status: 502, answer: 'Bad Gateway' }));
  const error = await t.throwsAsync(createDyndns2(config(down.origin), secrets).update('203.0.113.9'));
  t.is((error as DnsUpdateError).code, 'ERR_DNS_UNREACHABLE');
  const abuse = await dyndns2Fake(t, fakeOptions({ status: 429, answer: 'abuse' }));
  const blocked = await t.throwsAsync(createDyndns2(config(abuse.origin), secrets).update('203.0.113.9'));
  t.is((blocked as DnsUpdateError).code, 'ERR_DNS_REJECTED');
  t.regex((blocked as DnsUpdateError).message, /abuse/);
});

test('a server that is down or silent is ERR_DNS_UNREACHABLE without the password', async (t) => {
  const refused = await t.throwsAsync(
    createDyndns2(config(await closedPortOrigin()), secrets).update('203.0.113.9'),
  );
  t.is((refused as DnsUpdateError).code, 'ERR_DNS_UNREACHABLE');
  t.false((refused as Error).message.includes(PASSWORD));
  const silent = await silentServer(t);
  const provider = createDyndns2(config(silent.origin), secrets, { timeoutMs: 150 });
  const timedOut = await t.throwsAsync(provider.update('203.0.113.9'));
  t.is((timedOut as DnsUpdateError).code, 'ERR_DNS_UNREACHABLE');
  t.regex((timedOut as Error).message, /within 150 ms/);
});

test('a trailing slash on the server URL is not doubled; IPv6 is refused before sending', async (t) => {
  const fake = await dyndns2Fake(t, fakeOptions());
  const provider = createDyndns2(config(`${fake.origin}/`), secrets);
  await provider.update('203.0.113.10');
  t.is(fake.requests[0].path, '/nic/update');
  const error = await t.throwsAsync(provider.update('2001:db8::1'));
  t.is((error as DnsUpdateError).code, 'ERR_DNS_CONFIG');
  t.is(fake.requests.length, 1);
});
