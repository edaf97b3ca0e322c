import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { DnsUpdater } from './updater.js';

/** The configured DNS updater, or undefined without `dns` in the config. (Providers wired in next.) */
export async function createDnsUpdater(
  _config: Readonly<Config>,
  _log: Logger,
): Promise<DnsUpdater | undefined> {
  return undefined;
}
