/**
 * What this node takes in from its LAN besides its own charge controller: poe-backend's sensor boards
 * (4-byte TCP frames) and the TFG backend's BLE detections (HTTP bulk, MQTT, the /ws WebSocket). Each
 * is off until configured, and its modules (SQLite, PostgreSQL, MQTT, ws) are loaded only then, so a
 * node without them does not hold them in memory. Started before the HTTP server listens, the
 * WebSocket attached to it once it exists, stopped after it.
 */
import type { Server } from 'node:http';
import type Router from '@koa/router';
import type { FailureLimiter } from './auth/failure-limiter.js';
import type { LoadedConfig } from './config/load.js';
import type { DetectionsWebSocket } from './http/detections-ws.js';
import { lanSensorsRoutes } from './http/routes/lan-sensors.js';
import type { Detections } from './ingest/detections/index.js';
import type { LanSensors } from './ingest/lan-sensors/index.js';
import type { Logger } from './log.js';
import { nodeTimezone } from './version.js';

/** The TFG API's paths, answered 503 while detections are off. */
const DETECTION_PATHS = /^\/api\/v1\/(?:detections|statistics|devices|export|settings)(?:\/|$)/;

export class IngestServices {
  readonly #loaded: LoadedConfig;
  readonly #log: Logger;
  readonly #limiter: FailureLimiter | undefined;
  sensors: LanSensors | undefined;
  detections: Detections | undefined;
  #detectionRoutes: ((router: Router) => void) | undefined;
  #ws: DetectionsWebSocket | undefined;

  constructor(loaded: LoadedConfig, log: Logger, options: { limiter?: FailureLimiter } = {}) {
    this.#loaded = loaded;
    this.#log = log;
    this.#limiter = options.limiter;
  }

  /** Opens the databases and starts the listeners of what is configured. */
  async start(): Promise<void> {
    const { config } = this.#loaded;
    if (config.sensors.port !== undefined) {
      const { LanSensors } = await import('./ingest/lan-sensors/index.js');
      this.sensors = LanSensors.fromConfig(config.sensors, { dataDir: config.dataDir, log: this.#log });
      await this.sensors.start();
    }
    if (config.detections.enabled) {
      const [{ Detections }, { detectionsRoutes }] = await Promise.all([
        import('./ingest/detections/index.js'),
        import('./http/routes/detections.js'),
      ]);
      this.detections = Detections.fromConfig(config.detections, {
        dataDir: config.dataDir,
        timezone: config.timezone ?? nodeTimezone(),
        log: this.#log.child({ module: 'detections' }),
        limiter: this.#limiter,
      });
      await this.detections.start();
      const detections = this.detections;
      this.#detectionRoutes = (router) => detectionsRoutes(router, { detections });
    }
  }

  mount(router: Router): void {
    lanSensorsRoutes(router, { sensors: () => this.sensors });
    if (this.#detectionRoutes) {
      this.#detectionRoutes(router);
      return;
    }
    router.all(DETECTION_PATHS, (ctx) => {
      ctx.status = 503;
      ctx.body = {
        detail: 'detections are off: set PIMESH_DETECTIONS_KEY (or detections.enabled) to take them in',
      };
    });
  }

  /** The `/ws` WebSocket on the node's server, once it exists. */
  async attach(server: Server): Promise<void> {
    if (!this.detections) return;
    const { attachDetectionsWebSocket } = await import('./http/detections-ws.js');
    this.#ws = attachDetectionsWebSocket(server, { detections: this.detections, log: this.#log });
  }

  /** `/ws` clients now (`websocket_connections` in `/health`). */
  websocketConnections(): number {
    return this.#ws?.websocketConnections() ?? 0;
  }

  /** Before the HTTP server closes: the WebSocket holds upgraded sockets the server would wait for. */
  async detach(): Promise<void> {
    await this.#ws?.close();
  }

  /** After the HTTP server closed: commits what is queued and closes the databases. */
  async stop(): Promise<void> {
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['lan sensors', this.sensors && (() => (this.sensors as LanSensors).stop())],
      ['detections', this.detections && (() => (this.detections as Detections).stop())],
    ];
    for (const [name, step] of steps) {
      try {
        await step?.();
      } catch (error) {
        this.#log.error({ err: error }, `failed to stop ${name}`);
      }
    }
  }
}
