import test from 'ava';
import { createCloudflare, readEnvelope } from '../../../src/mesh/dns/cloudflare.js';
import { type CloudflareConfig, cloudflareConfigSchema } from '../../../src/mesh/dns/config.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { cloudflareFake, cloudflareRecord } from '../../helpers/cloudflare-fake.js';
import { closedPortOrigin, silentServer } from '../../helpers/dns-http-fakes.js';

const TOKEN = 'cf-token-0123456789abcdefghijklmnopqrstuv';
const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const secrets = secretsFromObject({ CLOUDFLARE_API_TOKEN: TOKEN });
const config = (baseUrl: string, extra: Partial<CloudflareConfig> = {}): CloudflareConfig =>
  cloudflareConfigSchema.parse({
    provider: 'cloudflare',
    zoneId: ZONE,
    recordName: 'poe.example.com',
    baseUrl,
    ...extra,
  });
const fake = (
  t: Parameters<typeof cloudflareFake>[0],
  records = [] as ReturnType<typeof cloudflareRecord>[],
) => cloudflareFake(t, { zoneId: ZONE, zoneName: 'example.com', token: TOKEN, records });
const existing = (content = '192.0.2.1') =>
  cloudflareRecord(ZONE, 'example.com', { name: 'poe.example.com', content });

test('the schema fills in the API defaults and checks identifiers and TTL', (t) => {
  t.deepEqual(
    cloudflareConfigSchema.parse({ provider: 'cloudflare', zoneId: ZONE, recordName: 'poe.example.com' }),
    {
      provider: 'cloudflare',
      zoneId: ZONE,
      recordName: 'poe.example.com',
      ttl: 1,
      proxied: false,
      baseUrl: 'https://api.cloudflare.com/client/v4',
      tokenSecret: 'CLOUDFLARE_API_TOKEN',
    },
  );
  const bad = (extra: object) =>
    cloudflareConfigSchema.safeParse({
      provider: 'cloudflare',
      zoneId: ZONE,
      recordName: 'a.example.com',
      ...extra,
    }).success;
  t.false(bad({ zoneId: 'example.com' }));
  t.false(bad({ ttl: 10 }));
  t.true(bad({ ttl: 300, proxied: true, recordId: ZONE }));
});

test('current() lists the A record by name with the Bearer token and answers its content', async (t) => {
  const cf = await fake(t, [existing('198.51.100.4')]);
  const provider = createCloudflare(config(cf.baseUrl), secrets);
  t.is(provider.target, 'poe.example.com');
  t.is(await provider.current?.(), '198.51.100.4');
  t.deepEqual(cf.problems, []);
  const [request] = cf.requests;
  t.is(request.method, 'GET');
  t.is(request.url, `/client/v4/zones/${ZONE}/dns_records?type=A&name=poe.example.com`);
  t.is(request.headers.authorization, `Bearer ${TOKEN}`);
});

test('current() is undefined when there is no such record', async (t) => {
  const cf = await fake(t);
  t.is(await createCloudflare(config(cf.baseUrl), secrets).current?.(), undefined);
});

test('update() PATCHes an existing record with the documented JSON body', async (t) => {
  const record = existing();
  const cf = await fake(t, [record]);
  const provider = createCloudflare(config(cf.baseUrl, { ttl: 120 }), secrets);
  t.is(
    await provider.update('203.0.113.50'),
    `poe.example.com updated with 203.0.113.50 (record ${record.id})`,
  );
  t.deepEqual(cf.problems, []);
  t.deepEqual(
    cf.requests.map((r) => `${r.method} ${r.path}`),
    [`GET /client/v4/zones/${ZONE}/dns_records`, `PATCH /client/v4/zones/${ZONE}/dns_records/${record.id}`],
  );
  const patch = cf.requests[1];
  t.is(patch.headers['content-type'], 'application/json');
  t.is(patch.headers.authorization, `Bearer ${TOKEN}`);
  t.deepEqual(JSON.parse(patch.body), {
    type: 'A',
    name: 'poe.example.com',
    content: '203.0.113.50',
    ttl: 120,
    proxied: false,
  });
  t.is(cf.records[0].content, '203.0.113.50');

  await provider.update('203.0.113.51');
  t.is(cf.requests.length, 3, 'the record ID is remembered: no second lookup');
  t.is(cf.requests[2].method, 'PATCH');
});

test('update() POSTs a new record when none exists, then PATCHes it', async (t) => {
  const cf = await fake(t);
  const provider = createCloudflare(config(cf.baseUrl, { proxied: true }), secrets);
  t.regex(
    await provider.update('203.0.113.60'),
    /^poe\.example\.com created with 203\.0\.113\.60 \(record [0-9a-f]{32}\)$/,
  );
  t.deepEqual(cf.problems, []);
  t.deepEqual(
    cf.requests.map((r) => r.method),
    ['GET', 'POST'],
  );
  t.is(cf.requests[1].path, `/client/v4/zones/${ZONE}/dns_records`);
  t.deepEqual(JSON.parse(cf.requests[1].body), {
    type: 'A',
    name: 'poe.example.com',
    content: '203.0.113.60',
    ttl: 1,
    proxied: true,
  });
  t.is(cf.records.length, 1);
  await provider.update('203.0.113.61');
  t.deepEqual(
    cf.requests.map((r) => r.method),
    ['GET', 'POST', 'PATCH'],
  );
  t.is(cf.records[0].content, '203.0.113.61');
});

test('a configured recordId is PATCHed without a lookup', async (t) => {
  const record = existing();
  const cf = await fake(t, [record]);
  const provider = createCloudflare(config(cf.baseUrl, { recordId: record.id }), secrets);
  await provider.update('203.0.113.70');
  t.deepEqual(
    cf.requests.map((r) => r.method),
    ['PATCH'],
  );
  t.deepEqual(cf.problems, []);
});

test('a record deleted since the lookup: the PATCH fails, the next update looks up and creates', async (t) => {
  const cf = await fake(t, [existing()]);
  const provider = createCloudflare(config(cf.baseUrl), secrets);
  await provider.update('203.0.113.80');
  cf.records.length = 0;
  const error = await t.throwsAsync(provider.update('203.0.113.81'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.regex(error?.message ?? '', /81044: Record does not exist/);
  await provider.update('203.0.113.81');
  t.deepEqual(
    cf.requests.map((r) => r.method),
    ['GET', 'PATCH', 'PATCH', 'GET', 'POST'],
  );
});

test('two A records with the name are a configuration problem unless recordId chooses', async (t) => {
  const cf = await fake(t, [existing('192.0.2.1'), existing('192.0.2.2')]);
  const error = await t.throwsAsync(createCloudflare(config(cf.baseUrl), secrets).update('203.0.113.90'));
  t.is((error as DnsUpdateError).code, 'ERR_DNS_CONFIG');
  t.regex((error as Error).message, /2 A records are named poe\.example\.com; set recordId/);
});

test('a wrong token is ERR_DNS_AUTH (9109) and never appears in the message', async (t) => {
  const cf = await fake(t, [existing()]);
  const provider = createCloudflare(
    config(cf.baseUrl),
    secretsFromObject({ CLOUDFLARE_API_TOKEN: 'wrong-token-xyz' }),
  );
  const error = await t.throwsAsync(provider.update('203.0.113.5'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_AUTH');
  t.false(error?.retryable);
  t.is(error?.message, 'cloudflare: HTTP 403 (9109: Invalid access token)');
  t.false(error?.message.includes('wrong-token-xyz'));
  t.deepEqual(cf.problems, []);
});

test('a name outside the zone is ERR_DNS_REJECTED with the error chain', async (t) => {
  const cf = await fake(t);
  const provider = createCloudflare(config(cf.baseUrl, { recordName: 'poe.example.org' }), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.5'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.is(
    error?.message,
    'cloudflare: HTTP 400 (1004: DNS Validation Error (9007: poe.example.org is not in zone example.com))',
  );
});

test('envelopes are classified by status and error codes', (t) => {
  const code = (status: number, body: string) => {
    try {
      readEnvelope('cloudflare', status, body);
      return 'ok';
    } catch (error) {
      return (error as DnsUpdateError).code;
    }
  };
  const envelope = (success: boolean, ...errors: object[]) =>
    JSON.stringify({ success, errors, messages: [], result: [] });
  t.is(code(200, envelope(true)), 'ok');
  t.is(code(200, envelope(false, { code: 10000, message: 'Authentication error' })), 'ERR_DNS_AUTH');
  t.is(
    code(
      400,
      envelope(false, { code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111 }] }),
    ),
    'ERR_DNS_AUTH',
  );
  t.is(code(401, 'Unauthorized'), 'ERR_DNS_AUTH');
  t.is(code(429, envelope(false, { code: 971, message: 'Please wait' })), 'ERR_DNS_UNREACHABLE');
  t.is(code(502, '<html>Bad gateway</html>'), 'ERR_DNS_UNREACHABLE');
  t.is(code(200, 'not json'), 'ERR_DNS_REJECTED');
  t.is(
    code(
      400,
      envelope(false, { code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' }),
    ),
    'ERR_DNS_REJECTED',
  );
});

test('an API that is down or silent is ERR_DNS_UNREACHABLE without the token', async (t) => {
  const refused = await t.throwsAsync(
    createCloudflare(config(await closedPortOrigin()), secrets).update('203.0.113.5'),
  );
  t.is((refused as DnsUpdateError).code, 'ERR_DNS_UNREACHABLE');
  t.false((refused as Error).message.includes(TOKEN));
  const silent = await silentServer(t);
  const provider = createCloudflare(config(`${silent.origin}/client/v4`), secrets, { timeoutMs: 150 });
  const timedOut = await t.throwsAsync(provider.current?.() ?? Promise.resolve());
  t.is((timedOut as DnsUpdateError).code, 'ERR_DNS_UNREACHABLE');
  t.regex((timedOut as Error).message, /within 150 ms/);
  t.false((timedOut as Error).message.includes(TOKEN));
});

test('a missing token fails at creation naming the secret', (t) => {
  const error = t.throws(() => createCloudflare(config('http://127.0.0.1:1'), secretsFromObject({})));
  t.is((error as DnsUpdateError).code, 'ERR_DNS_CONFIG');
  t.regex((error as Error).message, /CLOUDFLARE_API_TOKEN/);
});
