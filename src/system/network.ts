import type { CommandRunner } from './command-runner.js';
import type { Host } from './host.js';
import {
  countSockets,
  type InterfaceCounters,
  parseIwconfigSignal,
  parseNetDev,
  parseWireless,
} from './proc.js';

export interface InterfaceInfo extends InterfaceCounters {
  /** dBm, wlan* interfaces only, when the driver reports it. */
  signal_strength?: number;
}

/**
 * piStat's interface map: one entry per interface except `lo`, plus `active_connections` (the number
 * of TCP and UDP sockets, IPv4 and IPv6) inside the same object. `{}` when /proc/net/dev is unreadable.
 */
export type NetworkInterfaces = Record<string, InterfaceInfo | number>;

export interface NetworkReaderOptions {
  host: Host;
  run: CommandRunner;
  timeoutMs: number;
}

export class NetworkReader {
  readonly #options: NetworkReaderOptions;
  #iwconfigMissing = false;

  constructor(options: NetworkReaderOptions) {
    this.#options = options;
  }

  async interfaces(): Promise<NetworkInterfaces> {
    const { host } = this.#options;
    const [dev, wireless, ...sockets] = await Promise.all([
      host.text('/proc/net/dev'),
      host.text('/proc/net/wireless'),
      host.text('/proc/net/tcp'),
      host.text('/proc/net/tcp6'),
      host.text('/proc/net/udp'),
      host.text('/proc/net/udp6'),
    ]);
    if (dev === undefined) return {};
    const levels = wireless === undefined ? new Map<string, number>() : parseWireless(wireless);
    const result: NetworkInterfaces = {};
    const pending: Promise<void>[] = [];
    for (const [name, counters] of parseNetDev(dev)) {
      if (name === 'lo') continue;
      const entry: InterfaceInfo = { ...counters };
      result[name] = entry;
      if (!name.startsWith('wlan')) continue;
      const level = levels.get(name);
      if (level !== undefined) entry.signal_strength = level;
      else pending.push(this.#iwconfigInto(name, entry));
    }
    await Promise.all(pending);
    result.active_connections = sockets.reduce(
      (sum, text) => sum + (text === undefined ? 0 : countSockets(text)),
      0,
    );
    return result;
  }

  /** piStat's way: `iwconfig <if>` and its "Signal level=-58 dBm"; nothing when absent or failing. */
  async #iwconfigInto(name: string, entry: InterfaceInfo): Promise<void> {
    if (this.#iwconfigMissing) return;
    try {
      const level = parseIwconfigSignal(await this.#options.run('iwconfig', [name], this.#options.timeoutMs));
      if (level !== undefined) entry.signal_strength = level;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') this.#iwconfigMissing = true;
    }
  }
}
