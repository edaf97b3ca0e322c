import type { Logger } from '../log.js';

/** What a node advertises in its `_pimesh._tcp` TXT record. */
export interface DiscoveryTxt {
  name: string;
  mac: string;
  version: string;
  api: string;
}

export interface DiscoveryOptions {
  /** `on` (the LAN interfaces), or one interface address such as 127.0.0.1. (`off` builds no Discovery.) */
  mode: string;
  port: number;
  txt: DiscoveryTxt;
  /** Called for every other pimesh node seen, with its `host:port`; the caller decides what to trust. */
  onFound: (address: string, txt: Partial<DiscoveryTxt>) => void;
  log: Logger;
}

interface FoundService {
  port: number;
  host?: string;
  addresses?: string[];
  referer?: { address: string };
  txt?: Record<string, string>;
}

/**
 * LAN discovery over mDNS (bonjour-service): advertises `_pimesh._tcp` with name, mac, version and
 * API path, and browses for the same. A node found is only an address: the daemon exchanges an
 * authenticated POST with it and only its answer enters the peer list. Without multicast the node
 * carries on, and says so once.
 */
export class Discovery {
  readonly #options: DiscoveryOptions;
  #bonjour: { destroy(cb?: () => void): void; unpublishAll(cb?: () => void): void } | undefined;
  #warned = false;

  constructor(options: DiscoveryOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const o = this.#options;
    try {
      const { Bonjour } = await import('bonjour-service');
      // On one address: send there but listen on all, or nothing multicast arrives (see the probe notes).
      const mdns = o.mode === 'on' ? {} : { interface: o.mode, bind: '0.0.0.0' };
      const bonjour = new Bonjour(mdns as never, (error: Error) => this.#unavailable(error));
      this.#bonjour = bonjour;
      bonjour.publish({
        name: `pimesh ${o.txt.name} ${o.txt.mac}`,
        type: 'pimesh',
        port: o.port,
        txt: { ...o.txt },
      });
      bonjour.find({ type: 'pimesh' }, (service) => this.#found(service as unknown as FoundService));
      o.log.info({ mode: o.mode }, 'mDNS: advertising _pimesh._tcp and browsing');
    } catch (error) {
      this.#unavailable(error as Error);
    }
  }

  #found(service: FoundService): void {
    const txt = service.txt ?? {};
    if (txt.mac !== undefined && txt.mac.toLowerCase() === this.#options.txt.mac.toLowerCase()) return;
    const host = service.addresses?.find((a) => !a.includes(':')) ?? service.referer?.address ?? service.host;
    if (!host) return;
    this.#options.onFound(`${host}:${service.port}`, txt);
  }

  #unavailable(error: Error): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#options.log.warn({ err: error.message }, 'mDNS unavailable (no multicast here?): discovery is off');
  }

  stop(): Promise<void> {
    const bonjour = this.#bonjour;
    this.#bonjour = undefined;
    if (!bonjour) return Promise.resolve();
    return new Promise((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve())));
  }
}
