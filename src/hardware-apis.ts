/**
 * The endpoints of the two seed systems on this node, pi_backend (hardware, keys, weather, data, the
 * poller) and piStat (the system monitor), with the drivers behind them. Built from the config; ports
 * and GPIO lines open on first use, so a node without a modem, HAT or GNSS starts the same and answers
 * 503 naming what is missing. Started after the HTTP server, stopped before it.
 */
import type Router from '@koa/router';
import type { LoadedConfig } from './config/load.js';
import { gpsAnswer } from './hardware/gnss/gps-answer.js';
import { createGnss, type Gnss } from './hardware/gnss/index.js';
import { OnoffGpioFactory } from './hardware/gpio.js';
import { GpioToolsFactory } from './hardware/gpio-tools.js';
import { LteControl } from './hardware/lte/control.js';
import { LteModems } from './hardware/lte/modem.js';
import { SenseHat } from './hardware/sensehat/sense-hat.js';
import { AdminKey } from './http/admin-auth.js';
import { gnssRoutes } from './http/routes/gnss.js';
import { lteRoutes } from './http/routes/lte.js';
import { piBackendRoutes } from './http/routes/pi-backend.js';
import { polledRoutes } from './http/routes/polled.js';
import { senseHatRoutes } from './http/routes/sensehat.js';
import { type SystemMonitorDeps, systemMonitorRoutes } from './http/routes/system-monitor.js';
import type { Logger } from './log.js';
import { createPiBackend, type PiBackend } from './pi-backend/index.js';
import { POLL_SOURCES, type PollerSetup, setupPoller } from './poller/index.js';
import { SystemCollector } from './system/collector.js';
import { VERSION } from './version.js';

export class HardwareApis {
  readonly #loaded: LoadedConfig;
  readonly #log: Logger;
  readonly adminKey: AdminKey;
  readonly gnss: Gnss;
  readonly modems: LteModems;
  readonly lteControl: LteControl;
  readonly senseHat: SenseHat;
  readonly piBackend: PiBackend;
  readonly system: SystemCollector;
  #poller: PollerSetup | undefined;

  readonly #health: Pick<SystemMonitorDeps, 'nodeState' | 'healthExtra'>;

  constructor(
    loaded: LoadedConfig,
    log: Logger,
    health: Pick<SystemMonitorDeps, 'nodeState' | 'healthExtra'> = {},
  ) {
    this.#health = health;
    this.#loaded = loaded;
    this.#log = log;
    const { config } = loaded;
    this.adminKey = new AdminKey({ key: config.adminKey, keyHash: config.adminKeyHash });
    this.gnss = createGnss(config.gnss, log.child({ module: 'gnss' }));
    const lte = config.lte;
    this.modems = new LteModems({
      baudRate: lte.baudRate,
      commandTimeoutMs: lte.commandTimeoutMs,
      cfunTimeoutMs: lte.cfunTimeoutMs,
    });
    const gpio =
      lte.gpioDriver === 'onoff' ? new OnoffGpioFactory() : new GpioToolsFactory({ chip: lte.gpioChip });
    this.lteControl = new LteControl({ config: lte, gpio, modems: this.modems });
    this.senseHat = new SenseHat({
      sysfsRoot: config.sensehat.sysfsRoot,
      readTimeoutMs: config.sensehat.readTimeoutMs,
    });
    this.piBackend = createPiBackend(config.piBackend, {
      dataDir: config.dataDir,
      adminKey: this.adminKey,
      log,
      gnssFix: async () => this.#fix(),
    });
    this.system = new SystemCollector({
      vcgencmd: config.systemMonitor.vcgencmd,
      commandTimeoutMs: config.systemMonitor.commandTimeoutMs,
    });
  }

  /** The GNSS fix as latitude/longitude, or undefined without a fresh one. */
  #fix(): { latitude: number; longitude: number } | undefined {
    const gpsd = this.gnss.gpsd;
    if (!gpsd) return undefined;
    try {
      const answer = gpsAnswer(gpsd.snapshot(), {
        now: Date.now(),
        staleAfterMs: this.#loaded.config.gnss.staleAfterSeconds * 1000,
      });
      const { latitude, longitude } = answer as { latitude?: unknown; longitude?: unknown };
      return typeof latitude === 'number' && typeof longitude === 'number'
        ? { latitude, longitude }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Reads poller_config.ini (a bad file is a ConfigError, as for the config) and builds the poller. */
  async #setupPoller(): Promise<PollerSetup> {
    this.#poller ??= await setupPoller(this.#loaded.config.poller, {
      dataDir: this.#loaded.config.dataDir,
      log: this.#log,
      backend: this.piBackend,
      piBackendConfig: this.#loaded.config.piBackend,
      timeZone: this.#loaded.config.timezone,
      extra: {
        gps: async () => {
          const gpsd = this.gnss.gpsd;
          if (!gpsd) return { error: 'gpsd disabled' };
          return gpsAnswer(gpsd.snapshot(), {
            now: Date.now(),
            staleAfterMs: this.#loaded.config.gnss.staleAfterSeconds * 1000,
          });
        },
        sensehat: () => this.senseHat.read(),
        lte: () => this.modems.get(this.#loaded.config.lte.defaultPort).status(),
      },
    });
    return this.#poller;
  }

  /** Reads the poller's file before the routes are mounted. */
  async prepare(): Promise<void> {
    await this.#setupPoller();
  }

  mount(router: Router): void {
    const { config } = this.#loaded;
    piBackendRoutes(router, this.piBackend);
    gnssRoutes(router, this.gnss.routes);
    lteRoutes(router, {
      config: config.lte,
      modems: this.modems,
      control: this.lteControl,
      adminKey: this.adminKey,
    });
    senseHatRoutes(router, { read: () => this.senseHat.read() });
    if (this.#poller) polledRoutes(router, { store: this.#poller.store, sources: POLL_SOURCES });
    if (config.systemMonitor.enabled) {
      systemMonitorRoutes(router, {
        config: config.systemMonitor,
        source: this.system,
        server: { port: config.http.port, host: config.http.host, logLevel: config.log.level },
        version: VERSION,
        ...this.#health,
      });
    }
  }

  /** The gpsd client and the poller (when enabled). */
  async start(): Promise<void> {
    this.gnss.start();
    await (await this.#setupPoller()).poller?.start();
  }

  async stop(): Promise<void> {
    await this.#poller?.poller?.stop();
    await this.lteControl.close();
    await this.gnss.stop();
  }
}
