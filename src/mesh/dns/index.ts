import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import { createCloudflare } from './cloudflare.js';
import { createCommand } from './command.js';
import type { DnsConfig } from './config.js';
import { createDyndns2 } from './dyndns2.js';
import { createNamecheap } from './namecheap.js';
import { createRfc2136 } from './rfc2136.js';
import { readSecrets } from './secrets.js';
import { createSpGateway } from './sp-gateway.js';
import { type DnsProvider, DnsUpdateError, type Secrets } from './types.js';
import { DnsUpdater } from './updater.js';

export function createDnsProvider(config: DnsConfig, secrets: Secrets): DnsProvider {
  switch (config.provider) {
    case 'namecheap':
      return createNamecheap(config, secrets);
    case 'sp-gateway':
      return createSpGateway(config, secrets);
    case 'rfc2136':
      return createRfc2136(config, secrets);
    case 'dyndns2':
      return createDyndns2(config, secrets);
    case 'cloudflare':
      return createCloudflare(config, secrets);
    case 'command':
      return createCommand(config, secrets);
  }
}

/** The configured DNS updater, or undefined without `dns` in the config. Reads the secrets file once. */
export async function createDnsUpdater(
  config: Readonly<Config>,
  log: Logger,
): Promise<DnsUpdater | undefined> {
  const dns = config.dns;
  if (!dns) return undefined;
  let provider: DnsProvider;
  try {
    provider = createDnsProvider(dns, await readSecrets(dns.secretsFile, log));
  } catch (error) {
    // A DNS misconfiguration must not stop the node: every update fails with it, in the log and status.
    if (!(error instanceof DnsUpdateError)) throw error;
    log.error({ code: error.code }, `DNS updates disabled: ${error.message}`);
    provider = {
      name: dns.provider,
      target: '(not configured)',
      update: async () => {
        throw error;
      },
    };
  }
  log.info({ provider: provider.name, target: provider.target }, 'DNS updates on point-of-entry wins');
  return new DnsUpdater(provider, { minIntervalSeconds: dns.minIntervalSeconds, retries: dns.retries, log });
}
