import type { ServerResponse } from 'node:http';
import test from 'ava';
import { createCloudflare } from '../../../src/mesh/dns/cloudflare.js';
import {
  type CloudflareConfig,
  cloudflareConfigSchema,
  namecheapConfigSchema,
} from '../../../src/mesh/dns/config.js';
import { createNamecheap } from '../../../src/mesh/dns/namecheap.js';
import { secretsFromObject } from '../../../src/mesh/dns/secrets.js';
import { DnsUpdateError } from '../../../src/mesh/dns/types.js';
import { MiB } from '../../../src/util/bounded-request.js';
import { startFake } from '../../helpers/dns-http-fakes.js';

/** Streams `total` bytes of `x` without ever holding them: a provider gone wrong, or a hostile one. */
function flood(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < total && res.write(chunk)) sent += chunk.length;
    if (sent >= total) res.end();
  };
  res.on('drain', pump);
  pump();
}

test('a dynamic-DNS service answering 200 MiB is cut off and the update fails with a clear error', async (t) => {
  const fake = await startFake(t, (_req, res) => flood(res, 200 * MiB));
  const provider = createNamecheap(
    namecheapConfigSchema.parse({ provider: 'namecheap', domain: 'solarprotocol.net', baseUrl: fake.origin }),
    secretsFromObject({ DNS_KEY: 'secret-pass' }),
  );
  const error = await t.throwsAsync(provider.update('192.0.2.10'));
  t.true(error instanceof DnsUpdateError);
  t.regex(error?.message ?? '', /answered more than 64 KiB; the answer was dropped$/);
  t.false(error?.message.includes('secret-pass'));
});

test('a Cloudflare API answering 200 MiB is cut off at 1 MiB', async (t) => {
  const fake = await startFake(t, (_req, res) => flood(res, 200 * MiB));
  const config: CloudflareConfig = cloudflareConfigSchema.parse({
    provider: 'cloudflare',
    zoneId: '023e105f4ecef8ad9ca31a8372d0c353',
    recordName: 'poe.example.com',
    baseUrl: fake.origin,
  });
  const provider = createCloudflare(config, secretsFromObject({ CLOUDFLARE_API_TOKEN: 'tok' }));
  const error = await t.throwsAsync(provider.update('192.0.2.10'));
  t.regex(error?.message ?? '', /answered more than 1 MiB; the answer was dropped$/);
});
