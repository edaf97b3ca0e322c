import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import { nodeRetention, scheduleJobs } from './daemon-jobs.js';
import { PimeshError } from './errors.js';
import { createChargeController } from './hardware/charge-controller/index.js';
import type { ChargeController } from './hardware/charge-controller/types.js';
import { HardwareApis } from './hardware-apis.js';
import { createApp } from './http/app.js';
import { daemonDashboardDeps } from './http/dashboard/wiring.js';
import { createHandler } from './http/handler.js';
import { electionDeps, gossipDeps } from './http/mesh-deps.js';
import { HostNames } from './http/request-origin.js';
import type { ChargeControllerStatus, NodeStatus } from './http/routes/status.js';
import { createHttpServer } from './http/server.js';
import { IngestServices } from './ingest-services.js';
import { CadencePlan } from './jobs/cadence-plan.js';
import { logSample, type Sample } from './jobs/log-sample.js';
import { Scheduler } from './jobs/schedule.js';
import type { Logger } from './log.js';
import { dnsPublicName } from './mesh/dns/config.js';
import { MeshNode } from './mesh/mesh-node.js';
import { PeerData } from './mesh/peer-data.js';
import { daemonMetrics } from './metrics/sources.js';
import { ServerAnswers } from './readings/server-answers.js';
import { SolarAnswers } from './readings/solar-answers.js';
import { tracerDir } from './readings/tracer-dir.js';
import { TracerStore } from './readings/tracer-store.js';
import { nodeTimezone, VERSION } from './version.js';

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
  readonly answers: SolarAnswers;
  readonly mesh: MeshNode;
  /** The peers' recent readings (`peer-data` job), for `opendata.php?server=` and the dashboard. */
  readonly networkData: PeerData;
  readonly hardware: HardwareApis;
  /** LAN sensor boards and BLE detections, each off until configured. */
  readonly ingest: IngestServices;
  /** `sample` (the Sample) after each stored charge-controller sample: the dashboard's live view. */
  readonly events = new EventEmitter();
  /** The energy-aware cadence of gossip, election and peer data (schedule.cadence). */
  readonly cadence: CadencePlan;
  readonly #scheduler: Scheduler;
  #server: Server | undefined;
  #lastSample: Sample | undefined;
  #lastError: ChargeControllerStatus['lastError'] = null;
  /** Samples failed in a row. */
  #failures = 0;
  /** Samples failed since start. */
  #sampleErrors = 0;

  constructor(loaded: LoadedConfig, log: Logger) {
    this.#loaded = loaded;
    this.#log = log;
    const { config, profile } = loaded;
    this.store = new TracerStore(tracerDir(config), { recheckMs: 1000 });
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
    this.mesh = new MeshNode(loaded, log, {
      port: () => this.port,
      latest: (value) => this.answers.latest(value),
    });
    const self = () => this.mesh.self();
    this.networkData = new PeerData({
      dir: `${config.dataDir}/peers`,
      peers: () => this.mesh.deviceList.list(),
      self,
      local: () => this.answers.answer('opendata', 1, new Map([['day', '4']])).toString(),
      timeoutMs: config.network.peerDataTimeoutMs,
      maxBytes: config.network.peerDataMaxBytes,
      log: log.child({ module: 'peer-data' }),
    });
    const server = new ServerAnswers({
      data: this.networkData,
      peers: () => this.mesh.deviceList.list(),
      isSelf: (entry) => entry.mac === self().mac || entry.ip === self().ip,
      local: (q) => this.answers.answer('chargecontroller', 1, q),
    });
    this.answers = new SolarAnswers({
      server,
      store: this.store,
      profile: profile.raw,
      timezone: nodeTimezone(),
      peers: () => this.mesh.deviceList.list(),
      deviceListText: config.network.publicDeviceList ? () => this.mesh.deviceList.text() : undefined,
      now: () => new Date(),
    });
    this.ingest = new IngestServices(loaded, log);
    this.hardware = new HardwareApis(loaded, log, {
      nodeState: () => {
        const reasons = this.problems();
        return { status: reasons.length === 0 ? 'ok' : 'degraded', reasons };
      },
      // The TFG backend's /health key, beside piStat's (agents only need the 200).
      healthExtra: () => ({ websocket_connections: this.ingest.websocketConnections() }),
    });
    this.#scheduler = new Scheduler(log.child({ module: 'schedule' }));
    this.cadence = new CadencePlan({
      rule: config.schedule.cadence,
      latest: (value) => this.answers.latest(value),
      dataDir: config.dataDir,
    });
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
      this.#failures = 0;
      const { at, file, row, simulated } = this.#lastSample;
      void this.ingest.publish('charge-controller', { at: at.toISOString(), file, row, simulated });
      this.events.emit('sample', this.#lastSample);
      return this.#lastSample;
    } catch (error) {
      const e = error as PimeshError;
      this.#lastError = { at: new Date().toISOString(), code: e.code ?? 'ERR_UNKNOWN', message: e.message };
      this.#failures++;
      this.#sampleErrors++;
      throw error;
    }
  }

  /** Samples failed since start and in a row now (for `/metrics`). */
  sampleFailures(): { total: number; inRow: number } {
    return { total: this.#sampleErrors, inRow: this.#failures };
  }

  /** Deletes what is older than the retention limits (the daily `retention` job). */
  retention(): Promise<{ csv: string[]; peers: string[] }> {
    const today = this.store.fileFor(new Date()).slice('tracerData'.length, -'.csv'.length);
    return nodeRetention(this.#loaded.config, this.mesh.deviceList.list(), today, this.#log);
  }

  /** Why the node is not doing its job, if it is not. */
  problems(): string[] {
    const reasons: string[] = [];
    const limit = this.#loaded.config.chargeController.degradedAfterFailures;
    if (this.#failures >= limit && this.#lastError) {
      reasons.push(
        `the charge controller failed the last ${this.#failures} samples: ${this.#lastError.message}`,
      );
    }
    return [...reasons, ...this.#scheduler.problems()];
  }

  status(): NodeStatus {
    const { config, profile } = this.#loaded;
    const c = this.controller;
    const reasons = this.problems();
    return {
      status: reasons.length === 0 ? 'ok' : 'degraded',
      reasons,
      name: config.identity.name ?? profile.name,
      version: VERSION,
      uptime: (Date.now() - this.#startedAt) / 1000,
      timezone: nodeTimezone(),
      timestamp: new Date().toISOString(),
      chargeController: {
        source: c?.kind ?? 'none',
        simulated: c?.simulated ?? false,
        description: c?.description ?? 'none configured',
        lastSample: this.#lastSample
          ? { at: this.#lastSample.at.toISOString(), file: this.#lastSample.file, row: this.#lastSample.row }
          : null,
        lastError: this.#lastError,
      },
      cadence: this.cadence.status(config.schedule.enabled ? this.#scheduler : undefined),
    };
  }

  /** The node's request handler: the fast public PV path in front of the Koa app. */
  createHandler() {
    const mesh = this.mesh;
    const { config } = this.#loaded;
    const metrics = config.metrics.enabled ? daemonMetrics(this, config.metrics) : undefined;
    const app = createApp({
      answers: this.answers,
      status: () => this.status(),
      sample: () => this.sample(),
      postIp: mesh.disseminator ? () => mesh.postIp() : undefined,
      checkIp: () => mesh.checkIp(),
      elect: () => mesh.elect(),
      peerData: () => this.networkData.run(),
      retention: () => this.retention(),
      election: electionDeps(mesh, this.#loaded),
      log: this.#log,
      gossip: gossipDeps(mesh, this.#log),
      mount: (router) => {
        this.hardware.mount(router);
        this.ingest.mount(router);
      },
      origin: {
        hostNames: new HostNames([
          ...config.http.hostNames,
          config.dns && dnsPublicName(config.dns),
          config.identity.publicIp,
        ]),
        trustedProxies: config.http.trustedProxies,
      },
      site:
        config.site.dir === undefined && config.site.localDir === undefined
          ? undefined
          : { ...config.site, battery: () => this.answers.latest('battery-percentage') },
      metrics,
      dashboard: daemonDashboardDeps({
        loaded: this.#loaded,
        status: () => this.status(),
        store: this.store,
        mesh,
        hardware: this.hardware,
        ingest: this.ingest,
        election: electionDeps(mesh, this.#loaded),
        events: this.events,
        networkData: () => this.networkData.latest(),
      }),
    });
    return createHandler(app, this.answers, metrics?.requests);
  }

  async start(): Promise<void> {
    const { config } = this.#loaded;
    const c = this.controller;
    if (c?.simulated)
      this.#log.warn({ source: c.description }, 'charge controller is SIMULATED: readings are invented');
    else if (c) this.#log.info({ source: c.description }, 'charge controller');
    else this.#log.info('no charge controller: sampling disabled');

    await this.mesh.load();
    await this.ingest.start();
    await this.hardware.prepare();
    this.#server = createHttpServer(this.createHandler(), config.http.limits);
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await this.ingest.attach(server);
    this.#log.info({ host: config.http.host, port: this.port }, 'listening');

    await this.mesh.startDiscovery();
    await this.hardware.start();

    if (!config.schedule.enabled) {
      this.#log.info('PIMESH_SCHEDULE=off: no in-process jobs; cron drives the one-shots');
      return;
    }
    scheduleJobs(
      this.#scheduler,
      config,
      this.cadence,
      {
        'log-sample': c ? () => this.sample() : undefined,
        'post-ip': this.mesh.disseminator ? () => this.mesh.postIp() : undefined,
        'check-ip': this.mesh.disseminator ? () => this.mesh.checkIp() : undefined,
        elect: () => this.mesh.elect(),
        'peer-data': () => this.networkData.run(),
        retention: () => this.retention(),
      },
      this.#log,
    );
    await this.#scheduler.start();
  }

  async stop(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      ['mdns', () => this.mesh.stopDiscovery()],
      ['hardware APIs', () => this.hardware.stop()],
      ['schedule', () => this.#scheduler.stop()],
      ['websocket', () => this.ingest.detach()],
      ['http', () => closeServer(this.#server)],
      // After HTTP: closing it ended the live streams; stopping commits what is queued.
      ['ingest', () => this.ingest.stop()],
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
