import test from 'ava';
import { type SpGatewayConfig, spGatewayConfigSchema } from '../../../src/mesh/dns/config.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { createSpGateway, gatewayUrl } from '../../../src/mesh/dns/sp-gateway.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { closedPortOrigin, gatewayFake, silentServer } from '../../helpers/dns-http-fakes.js';

const KEY = 'node-gateway-key+/=';
const secrets = secretsFromObject({ DNS_KEY: KEY });
const config = (url: string): SpGatewayConfig => spGatewayConfigSchema.parse({ provider: 'sp-gateway', url });

test('the gateway URL is required; the key comes from DNS_KEY', (t) => {
  t.false(spGatewayConfigSchema.safeParse({ provider: 'sp-gateway' }).success);
  t.deepEqual(config('https://server.solarpowerforartists.com/'), {
    provider: 'sp-gateway',
    url: 'https://server.solarpowerforartists.com/',
    keySecret: 'DNS_KEY',
    target: '@.solarprotocol.net',
  });
});

test('the query goes on the gateway directory, where index.php answers', (t) => {
  t.is(gatewayUrl('https://gw.example/', 'ip=1').href, 'https://gw.example/?ip=1');
  t.is(gatewayUrl('https://gw.example', 'ip=1').href, 'https://gw.example/?ip=1');
  t.is(gatewayUrl('https://gw.example/dns-gateway', 'ip=1').href, 'https://gw.example/dns-gateway/?ip=1');
  t.is(gatewayUrl('https://gw.example/dns/index.php', 'ip=1').href, 'https://gw.example/dns/index.php?ip=1');
});

test('an update sends GET /?ip=&key= and succeeds on the echoed Namecheap XML', async (t) => {
  const gateway = await gatewayFake(t, { key: KEY });
  const provider = createSpGateway(config(gateway.origin), secrets);
  t.is(provider.name, 'sp-gateway');
  t.is(provider.current, undefined, 'the gateway cannot tell the current address');
  t.regex(
    await provider.update('198.51.100.20'),
    /^@\.solarprotocol\.net set to 198\.51\.100\.20 via 127\.0\.0\.1:/,
  );
  t.deepEqual(gateway.problems, []);
  t.deepEqual(gateway.updates, ['198.51.100.20']);
  t.is(gateway.requests[0].url, `/?ip=198.51.100.20&key=${encodeURIComponent(KEY)}`);
});

test('"api key not verified" is ERR_DNS_AUTH and the message holds no key', async (t) => {
  const gateway = await gatewayFake(t, { key: 'another-key' });
  const provider = createSpGateway(config(gateway.origin), secrets);
  const error = await t.throwsAsync(provider.update('198.51.100.20'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_AUTH');
  t.false(error?.retryable);
  t.false(error?.message.includes(KEY));
  t.deepEqual(gateway.problems, []);
  t.deepEqual(gateway.updates, []);
});

test("a Namecheap error behind the gateway is ERR_DNS_REJECTED (the gateway's password, not ours)", async (t) => {
  const gateway = await gatewayFake(t, { key: KEY, namecheapPasswordWrong: true });
  const provider = createSpGateway(config(gateway.origin), secrets);
  const error = await t.throwsAsync(provider.update('198.51.100.20'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.regex(error?.message ?? '', /Namecheap answered Passwords do not match/);
  t.false(error?.message.includes(KEY));
});

test('an answer that is neither XML nor the key refusal is rejected, quoted without the key', async (t) => {
  const answer = `<b>Warning</b>: file_get_contents(...&key=${encodeURIComponent(KEY)})`;
  const gateway = await gatewayFake(t, { key: KEY, answer });
  const provider = createSpGateway(config(gateway.origin), secrets);
  const error = await t.throwsAsync(provider.update('198.51.100.20'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_REJECTED');
  t.regex(
    error?.message ?? '',
    /unexpected answer "<b>Warning<\/b>: file_get_contents\(\.\.\.&key=\*\*\*\)"/,
  );
  t.false(error?.message.includes(KEY));
  t.false(error?.message.includes(encodeURIComponent(KEY)));
  t.deepEqual(gateway.problems, []);
});

test('a gateway that is down or silent is ERR_DNS_UNREACHABLE', async (t) => {
  const down = createSpGateway(config(await closedPortOrigin()), secrets);
  const refused = await t.throwsAsync(down.update('198.51.100.20'), { instanceOf: DnsUpdateError });
  t.is(refused?.code, 'ERR_DNS_UNREACHABLE');
  t.false(refused?.message.includes(KEY));

  const silent = await silentServer(t);
  const slow = createSpGateway(config(silent.origin), secrets, { timeoutMs: 150 });
  const timedOut = await t.throwsAsync(slow.update('198.51.100.20'), { instanceOf: DnsUpdateError });
  t.is(timedOut?.code, 'ERR_DNS_UNREACHABLE');
  t.regex(timedOut?.message ?? '', /within 150 ms/);
  t.false(timedOut?.message.includes(KEY));
});

test('an address that is not IPv4 is refused before anything is sent', async (t) => {
  const gateway = await gatewayFake(t, { key: KEY });
  const provider = createSpGateway(config(gateway.origin), secrets);
  const error = await t.throwsAsync(provider.update('203.0.113.7&key=x'), { instanceOf: DnsUpdateError });
  t.is(error?.code, 'ERR_DNS_CONFIG');
  t.is(gateway.requests.length, 0);
});
