/**
 * This node's part in the mesh, built from the config: the peer list and its side state, the network
 * key, our own address, the gossip client, mDNS discovery and the point-of-entry election. The daemon
 * owns one and starts/stops it; one-shots use it without a server.
 */

import type { LoadedConfig } from '../config/load.js';
import { PimeshError } from '../errors.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { DeviceListFile } from './device-list.js';
import { DeviceListStore } from './device-list-store.js';
import { Discovery } from './discovery.js';
import { createElection, type Election } from './election-setup.js';
import type { ElectionReport } from './elector.js';
import { Disseminator } from './gossip/dissemination.js';
import { HttpTransport } from './gossip/http-transport.js';
import { NetworkKey } from './network-key.js';
import { PeerState } from './peer-state.js';
import { PublicIp } from './public-ip.js';
import { selfInfo } from './self-identity.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MeshNodeOptions {
  /** The port the HTTP server listens on (0 before it listens). */
  port: () => number;
  /** The node's latest value of a chargecontroller column, as it echoes it. */
  latest: (value: string) => string;
}

export class MeshNode {
  readonly #loaded: LoadedConfig;
  readonly #log: Logger;
  readonly #options: MeshNodeOptions;
  readonly deviceList: DeviceListFile;
  readonly peerState: PeerState;
  readonly #key: NetworkKey;
  readonly #publicIp: PublicIp;
  /** The address this node last announced, to notice a change. */
  #announcedIp: string | undefined;
  /** The gossip client; undefined without the plain network key (a hash can verify, not post). */
  readonly disseminator: Disseminator | undefined;
  #discovery: Discovery | undefined;
  /** Addresses found over mDNS and when we last exchanged a POST with each. */
  readonly #contacted = new Map<string, number>();
  #election: Election | undefined;
  /** Counts since start, read by `/metrics`. */
  readonly stats = { gossipAnswered: 0, gossipFailed: 0 };

  constructor(loaded: LoadedConfig, log: Logger, options: MeshNodeOptions) {
    this.#loaded = loaded;
    this.#log = log;
    this.#options = options;
    const { config } = loaded;
    this.deviceList = new DeviceListFile({ dir: config.peersDir, log: log.child({ module: 'device-list' }) });
    this.peerState = new PeerState({ dir: config.peersDir, log: log.child({ module: 'peer-state' }) });
    this.#key = new NetworkKey({ key: config.network.key, keyHash: config.network.keyHash });
    this.#publicIp = new PublicIp({
      url: config.identity.publicIpUrl,
      log: log.child({ module: 'public-ip' }),
    });
    const apiKey = config.network.key;
    this.disseminator =
      apiKey === undefined
        ? undefined
        : new Disseminator({
            self: () => this.self(),
            store: new DeviceListStore(this.deviceList),
            transport: new HttpTransport(),
            apiKey,
            seeds: config.network.seeds,
            options: {
              fanout: config.network.fanout,
              staleAfterMs: config.network.staleAfterDays * DAY_MS,
              dropAfterMs: config.network.dropAfterDays * DAY_MS,
            },
            log: log.child({ module: 'gossip-client' }),
          });
  }

  /** What this node says about itself in gossip; `log` is its last 216 point-of-entry wins. */
  self() {
    const { config, profile } = this.#loaded;
    const log = () => {
      const entries = this.#election?.poeLog.recent() ?? [];
      return entries.length > 0 ? entries : [''];
    };
    return selfInfo(config, profile, log, this.#options.port() || config.http.port, this.#publicIp.current());
  }

  /** Reads the peer list, the side state and the election state. */
  async load(): Promise<void> {
    await this.deviceList.load();
    await this.peerState.load();
    await this.prepareElection();
    if (!this.#key.configured()) {
      this.#log.warn(
        'no network key (PIMESH_NETWORK_KEY or PIMESH_NETWORK_KEY_HASH): api.php POSTs are refused',
      );
    }
  }

  /**
   * Checks our own address (the public-IP URL if configured, else config and interfaces); when it
   * changed since the last announcement, announces at once instead of waiting for the next round.
   */
  async checkIp(): Promise<{ ip: string; changed: boolean }> {
    await this.#publicIp.refresh();
    const { ip } = this.self();
    const changed = this.#announcedIp !== undefined && this.#announcedIp !== ip;
    if (this.#announcedIp === undefined || changed) this.#announcedIp = ip;
    if (changed && this.disseminator) {
      this.#log.info({ ip }, 'own address changed: announcing');
      await this.#record(await this.disseminator.selfChanged());
    }
    return { ip, changed };
  }

  /** Writes who answered and who failed into peers/peer-state.json (by MAC, through the list). */
  async #record(report: { answered: string[]; failed: { address: string }[] }): Promise<void> {
    this.stats.gossipAnswered += report.answered.length;
    this.stats.gossipFailed += report.failed.length;
    const macOf = new Map(this.deviceList.list().map((e) => [e.ip, e.mac]));
    for (const address of report.answered) {
      const mac = macOf.get(address);
      if (mac) await this.peerState.answered(mac);
    }
    for (const { address } of report.failed) {
      const mac = macOf.get(address);
      if (mac) await this.peerState.failed(mac);
    }
  }

  /** One gossip round now. */
  async postIp() {
    if (this.disseminator === undefined) {
      throw new PimeshError('gossip needs the plain network key (PIMESH_NETWORK_KEY)', {
        code: 'ERR_NO_NETWORK_KEY',
        status: 503,
      });
    }
    if (this.#announcedIp === undefined) {
      await this.#publicIp.refresh();
      this.#announcedIp = this.self().ip;
    }
    const report = await this.disseminator.round();
    this.#log.info(
      {
        module: 'gossip-client',
        posted: report.posted.length,
        answered: report.answered.length,
        failed: report.failed,
        learned: report.learned,
        followed: report.followed.length,
        announce: report.announce,
      },
      'gossip round',
    );
    await this.#record(report);
    return report;
  }

  /** Builds the election (and its DNS updater) and reads its state; idempotent. */
  async prepareElection(): Promise<Election> {
    if (this.#election) return this.#election;
    const { config } = this.#loaded;
    const election = createElection(config, {
      self: () => {
        const me = this.self();
        return { mac: me.mac, name: me.name, address: me.ip };
      },
      latest: this.#options.latest,
      peers: () => this.deviceList.list(),
      // The providers (and dns-packet) are loaded only when a provider is configured.
      dns: config.dns
        ? await (await import('./dns/index.js')).createDnsUpdater(config, this.#log.child({ module: 'dns' }))
        : undefined,
      log: this.#log.child({ module: 'election' }),
    });
    await election.elector.load();
    this.#election = election;
    return election;
  }

  /** One election round now. */
  async elect(): Promise<ElectionReport> {
    return (await this.prepareElection()).elector.run();
  }

  /** The network key api.php POSTs are checked against. */
  get key(): NetworkKey {
    return this.#key;
  }

  /** The election, once prepared (load() prepares it). */
  get election(): Election | undefined {
    return this.#election;
  }

  /** A peer POSTed to us from `ip`: it is alive, whatever the schedule says. */
  heard(ip: string): void {
    this.disseminator?.heard(ip);
  }

  /** mDNS, when enabled and the node can authenticate the exchange (the plain network key). */
  async startDiscovery(): Promise<void> {
    const { config } = this.#loaded;
    const disseminator = this.disseminator;
    if (config.mdns === 'off') return;
    if (disseminator === undefined) {
      this.#log.info('mDNS discovery needs the plain network key (PIMESH_NETWORK_KEY): not started');
      return;
    }
    const me = this.self();
    this.#discovery = new Discovery({
      mode: config.mdns,
      port: this.#options.port(),
      txt: { name: me.name, mac: me.mac, version: VERSION, api: '/api/v1/api.php' },
      log: this.#log.child({ module: 'mdns' }),
      onFound: (address) => {
        const last = this.#contacted.get(address) ?? Number.NEGATIVE_INFINITY;
        if (Date.now() - last < 10 * 60_000) return;
        this.#contacted.set(address, Date.now());
        void disseminator.contact(address).then((report) => {
          this.stats.gossipAnswered += report.answered.length;
          this.stats.gossipFailed += report.failed.length;
          this.#log.info(
            { peer: address, answered: report.answered.length > 0, learned: report.learned },
            'mDNS peer contacted',
          );
        });
      },
    });
    await this.#discovery.start();
  }

  async stopDiscovery(): Promise<void> {
    await this.#discovery?.stop();
  }
}
