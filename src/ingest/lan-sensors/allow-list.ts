import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { PimeshError } from '../../errors.js';
import { DEFAULT_ALLOW } from './config.js';
import { plainAddress } from './frame-codec.js';

/** An allow-list entry that is neither an address nor a network. */
export class AllowListError extends PimeshError {
  constructor(entry: string) {
    super(`"${entry}" is not an IP address or a network such as 192.168.0.0/16`, {
      code: 'ERR_SENSORS_ALLOW',
    });
  }
}

/**
 * Who may send readings: addresses and CIDR networks, IPv4 and IPv6 (an IPv4 client on a dual-stack
 * socket, `::ffff:a.b.c.d`, is matched as IPv4). Built on node's BlockList.
 */
export class AllowList {
  readonly entries: readonly string[];
  readonly #list = new BlockList();

  constructor(entries: readonly string[] = DEFAULT_ALLOW) {
    this.entries = entries;
    for (const entry of entries) {
      const [address, prefix, extra] = entry.split('/');
      const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
      const bits = prefix === undefined ? undefined : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
      const max = family === 'ipv4' ? 32 : 128;
      if (!family || extra !== undefined || (bits !== undefined && !(bits >= 0 && bits <= max))) {
        throw new AllowListError(entry);
      }
      if (bits === undefined) this.#list.addAddress(address, family);
      else this.#list.addSubnet(address, bits, family);
    }
  }

  allows(address: string): boolean {
    // A link-local client may come with its zone (fe80::1%eth0).
    const plain = plainAddress(address).split('%')[0];
    if (isIPv4(plain)) return this.#list.check(plain, 'ipv4');
    return isIPv6(plain) && this.#list.check(plain, 'ipv6');
  }
}
