import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import { PimeshError } from './errors.js';
import { createChargeController } from './hardware/charge-controller/index.js';
import type { ChargeController } from './hardware/charge-controller/types.js';
import { createApp } from './http/app.js';
import { createHandler } from './http/handler.js';
import type { ChargeControllerStatus, NodeStatus } from './http/routes/status.js';
import { cronEvery } from './jobs/cron-every.js';
import { logSample, type Sample } from './jobs/log-sample.js';
import { postIp } from './jobs/post-ip.js';
import { Scheduler } from './jobs/schedule.js';
import type { Logger } from './log.js';
import { DeviceListFile } from './mesh/device-list.js';
import { DeviceListStore } from './mesh/device-list-store.js';
import { Discovery } from './mesh/discovery.js';
import { createDnsUpdater } from './mesh/dns/index.js';
import type { DnsStatus } from './mesh/dns/updater.js';
import { createElection, type Election } from './mesh/election-setup.js';
import type { ElectionReport } from './mesh/elector.js';
import { Disseminator } from './mesh/gossip/dissemination.js';
import { HttpTransport } from './mesh/gossip/http-transport.js';
import { NetworkKey } from './mesh/network-key.js';
import { PeerState } from './mesh/peer-state.js';
import { PublicIp } from './mesh/public-ip.js';
import { FailureLimiter } from './mesh/rate-limit.js';
import { selfInfo } from './mesh/self-identity.js';
import { SolarAnswers } from './readings/solar-answers.js';
import { TracerStore } from './readings/tracer-store.js';
import { nodeTimezone, VERSION } from './version.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the simulator stands when local.json gives no usable lat/long (the original's New York). */
const DEFAULT_LOCATION = { latitude: 40.65, longitude: -73.94 };

/**
 * The composition root: builds every service from the config, starts them in order (store,
 * charge controller, HTTP, schedule) and stops them in reverse, each stop on its own.
 */
export class Daemon {
  readonly #loaded: LoadedConfig;
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  readonly store: TracerStore;
  readonly controller: ChargeController | undefined;
  readonly #scheduler: Scheduler;
  readonly deviceList: DeviceListFile;
  readonly peerState: PeerState;
  readonly #key: NetworkKey;
  readonly #publicIp: PublicIp;
  /** The address this node last announced, to notice a change. */
  #announcedIp: string | undefined;
  /** The gossip client; undefined without the plain network key (a hash can verify, not post). */
  readonly disseminator: Disseminator | undefined;
  #server: Server | undefined;
  #discovery: Discovery | undefined;
  /** Addresses found over mDNS and when we last exchanged a POST with each. */
  readonly #contacted = new Map<string, number>();
  readonly answers: SolarAnswers;
  #election: Election | undefined;
  #lastSample: Sample | undefined;
  #lastError: ChargeControllerStatus['lastError'] = null;

  constructor(loaded: LoadedConfig, log: Logger) {
    this.#loaded = loaded;
    this.#log = log;
    const { config, profile } = loaded;
    this.store = new TracerStore(`${config.dataDir}/charge-controller`, { recheckMs: 1000 });
    const cc = config.chargeController;
    this.controller = createChargeController(cc.source, {
      baudRate: cc.baudRate,
      slaveId: cc.slaveId,
      timeoutMs: cc.timeoutMs,
      retries: cc.retries,
      latitude: profile.latitude ?? DEFAULT_LOCATION.latitude,
      longitude: profile.longitude ?? DEFAULT_LOCATION.longitude,
      pvWatts: profile.pvWatts,
    });
    this.answers = new SolarAnswers({
      store: this.store,
      profile: profile.raw,
      timezone: nodeTimezone(),
      peers: () => this.deviceList.list(),
      now: () => new Date(),
    });
    this.#scheduler = new Scheduler(log.child({ module: 'schedule' }));
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
            self: () => this.#self(),
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

  #self() {
    const { config, profile } = this.#loaded;
    const log = () => {
      const entries = this.#election?.poeLog.recent() ?? [];
      return entries.length > 0 ? entries : [''];
    };
    return selfInfo(config, profile, log, this.port || config.http.port, this.#publicIp.current());
  }

  /**
   * Checks our own address (the public-IP URL if configured, else config and interfaces); when it
   * changed since the last announcement, announces at once instead of waiting for the next round.
   */
  async checkIp(): Promise<{ ip: string; changed: boolean }> {
    await this.#publicIp.refresh();
    const { ip } = this.#self();
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
      this.#announcedIp = this.#self().ip;
    }
    const report = await postIp({
      disseminator: this.disseminator,
      log: this.#log.child({ module: 'gossip-client' }),
    });
    await this.#record(report);
    return report;
  }

  /** Builds the election (and its DNS updater) and reads its state; idempotent. */
  async prepareElection(): Promise<Election> {
    if (this.#election) return this.#election;
    const { config } = this.#loaded;
    const log = this.#log.child({ module: 'election' });
    const election = createElection(config, {
      self: () => {
        const me = this.#self();
        return { mac: me.mac, name: me.name, address: me.ip };
      },
      latest: (value) => this.answers.latest(value),
      peers: () => this.deviceList.list(),
      dns: await createDnsUpdater(config, this.#log.child({ module: 'dns' })),
      log,
    });
    await election.elector.load();
    this.#election = election;
    return election;
  }

  /** One election round now. */
  async elect(): Promise<ElectionReport> {
    const election = await this.prepareElection();
    return election.elector.run();
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** One sample now, recorded in the status. */
  async sample(): Promise<Sample> {
    if (this.controller === undefined) {
      throw new PimeshError('no charge controller configured (PIMESH_CHARGE_CONTROLLER=none)', {
        code: 'ERR_NO_CHARGE_CONTROLLER',
        status: 503,
      });
    }
    try {
      this.#lastSample = await logSample({ controller: this.controller, store: this.store, log: this.#log });
      this.#lastError = null;
      return this.#lastSample;
    } catch (error) {
      const e = error as PimeshError;
      this.#lastError = { at: new Date().toISOString(), code: e.code ?? 'ERR_UNKNOWN', message: e.message };
      throw error;
    }
  }

  status(): NodeStatus {
    const { config, profile } = this.#loaded;
    const c = this.controller;
    return {
      status: 'ok',
      name: config.identity.name ?? profile.name,
      version: VERSION,
      uptime: (Date.now() - this.#startedAt) / 1000,
      timezone: nodeTimezone(),
      chargeController: {
        source: c?.kind ?? 'none',
        simulated: c?.simulated ?? false,
        description: c?.description ?? 'none configured',
        lastSample: this.#lastSample
          ? { at: this.#lastSample.at.toISOString(), file: this.#lastSample.file, row: this.#lastSample.row }
          : null,
        lastError: this.#lastError,
      },
    };
  }

  /** The node's request handler: the fast public PV path in front of the Koa app. */
  createHandler() {
    const { config } = this.#loaded;
    const answers = this.answers;
    const gossip = {
      deviceList: this.deviceList,
      peerState: this.peerState,
      key: this.#key,
      limiter: new FailureLimiter(),
      log: this.#log.child({ module: 'gossip' }),
      onPosted: (entry: { ip: string }) => this.disseminator?.heard(entry.ip),
    };
    const app = createApp({
      answers,
      status: () => this.status(),
      sample: () => this.sample(),
      postIp: this.disseminator ? () => this.postIp() : undefined,
      checkIp: () => this.checkIp(),
      elect: () => this.elect(),
      election: this.#election && {
        elector: this.#election.elector,
        rules: this.#election.rules,
        metric: config.election.metric,
        intervalSeconds: config.election.intervalSeconds,
        poeLog: this.#election.poeLog,
        dns: this.#election.dns && (() => this.#election?.dns?.status() as DnsStatus),
        selfMac: () => this.#self().mac,
      },
      log: this.#log,
      gossip,
    });
    return createHandler(app, answers);
  }

  async start(): Promise<void> {
    const { config } = this.#loaded;
    const c = this.controller;
    if (c?.simulated)
      this.#log.warn({ source: c.description }, 'charge controller is SIMULATED: readings are invented');
    else if (c) this.#log.info({ source: c.description }, 'charge controller');
    else this.#log.info('no charge controller: sampling disabled');

    await this.deviceList.load();
    await this.peerState.load();
    await this.prepareElection();
    if (!this.#key.configured()) {
      this.#log.warn(
        'no network key (PIMESH_NETWORK_KEY or PIMESH_NETWORK_KEY_HASH): api.php POSTs are refused',
      );
    }
    this.#server = createServer(this.createHandler());
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#log.info({ host: config.http.host, port: this.port }, 'listening');

    await this.#startDiscovery();

    if (!config.schedule) {
      this.#log.info('PIMESH_SCHEDULE=off: no in-process jobs; cron drives the one-shots');
      return;
    }
    if (c) {
      const every = cronEvery(config.chargeController.sampleIntervalSeconds) as string;
      this.#scheduler.add('log-sample', every, () => this.sample(), { runAtStart: true });
    }
    if (this.disseminator) {
      const every = cronEvery(config.network.gossipIntervalSeconds) as string;
      this.#scheduler.add('post-ip', every, () => this.postIp(), { runAtStart: true });
      this.#scheduler.add('check-ip', '30 * * * * *', () => this.checkIp());
    }
    const electEvery = cronEvery(config.election.intervalSeconds) as string;
    this.#scheduler.add('elect', electEvery, () => this.elect());
    await this.#scheduler.start();
  }

  /** mDNS, when enabled and the node can authenticate the exchange (the plain network key). */
  async #startDiscovery(): Promise<void> {
    const { config } = this.#loaded;
    const disseminator = this.disseminator;
    if (config.mdns === 'off') return;
    if (disseminator === undefined) {
      this.#log.info('mDNS discovery needs the plain network key (PIMESH_NETWORK_KEY): not started');
      return;
    }
    const me = this.#self();
    this.#discovery = new Discovery({
      mode: config.mdns,
      port: this.port,
      txt: { name: me.name, mac: me.mac, version: VERSION, api: '/api/v1/api.php' },
      log: this.#log.child({ module: 'mdns' }),
      onFound: (address) => {
        const last = this.#contacted.get(address) ?? Number.NEGATIVE_INFINITY;
        if (Date.now() - last < 10 * 60_000) return;
        this.#contacted.set(address, Date.now());
        void disseminator.contact(address).then((report) => {
          this.#log.info(
            { peer: address, answered: report.answered.length > 0, learned: report.learned },
            'mDNS peer contacted',
          );
        });
      },
    });
    await this.#discovery.start();
  }

  async stop(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['mdns', async () => this.#discovery?.stop()],
      ['schedule', () => this.#scheduler.stop()],
      ['http', () => closeServer(this.#server)],
      ['charge controller', async () => this.controller?.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        this.#log.error({ err: error }, `failed to stop ${name}`);
      }
    }
  }
}

function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
