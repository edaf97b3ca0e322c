/**
 * What this node takes in from its LAN besides its own charge controller, and what it sends upstream:
 * poe-backend's sensor boards (4-byte TCP frames), the TFG backend's BLE detections (HTTP bulk, the
 * MQTT subscriber, the /ws WebSocket) and the uplink to an upstream broker. Each is off until
 * configured, and its modules (SQLite, PostgreSQL, mqtt.js, ws) are loaded only then, so a node
 * without them does not hold them in memory. Started before the HTTP server listens, the WebSocket
 * attached to it once it exists, stopped after it.
 */
import type { Server } from 'node:http';
import type Router from '@koa/router';
import type { FailureLimiter } from './auth/failure-limiter.js';
import type { LoadedConfig } from './config/load.js';
import type { DetectionsWebSocket } from './http/detections-ws.js';
import { lanSensorsRoutes } from './http/routes/lan-sensors.js';
import type { Detections } from './ingest/detections/index.js';
import type { MqttSubscriber } from './ingest/detections/mqtt-subscriber.js';
import type { LanSensors } from './ingest/lan-sensors/index.js';
import type { Uplink } from './ingest/uplink/index.js';
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
  mqtt: MqttSubscriber | undefined;
  uplink: Uplink | undefined;
  #detectionRoutes: ((router: Router) => void) | undefined;
  #ws: DetectionsWebSocket | undefined;
  #summaries: NodeJS.Timeout | undefined;

  constructor(loaded: LoadedConfig, log: Logger, options: { limiter?: FailureLimiter } = {}) {
    this.#loaded = loaded;
    this.#log = log;
    this.#limiter = options.limiter;
  }

  /** Opens the databases and starts the listeners of what is configured. */
  async start(): Promise<void> {
    const { config, profile } = this.#loaded;
    const nodeName = config.identity.name ?? profile.name;
    const needSecrets = config.detections.mqtt.passwordSecret ?? config.uplink.passwordSecret;
    const secrets = needSecrets
      ? await (await import('./mesh/dns/secrets.js')).readSecrets(config.dns?.secretsFile, this.#log)
      : undefined;
    if (config.uplink.url) {
      const { uplinkFromConfig } = await import('./ingest/uplink/setup.js');
      this.uplink = uplinkFromConfig(config.uplink, {
        nodeName,
        dataDir: config.dataDir,
        log: this.#log.child({ module: 'uplink' }),
        secrets,
      });
      await this.uplink?.start();
    }
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
      if (config.detections.mqtt.url) {
        const { mqttSubscriberFromConfig } = await import('./ingest/detections/mqtt-setup.js');
        this.mqtt = mqttSubscriberFromConfig(config.detections.mqtt, {
          nodeName,
          ingest: detections.ingest,
          log: this.#log.child({ module: 'detections-mqtt' }),
          secrets,
        });
        await this.mqtt?.start();
      }
    }
    if (this.uplink) this.#summaries = setInterval(() => void this.#summarise(), 60_000).unref();
  }

  /**
   * A reading of this node for the upstream broker (`<topicPrefix><suffix>`), kept on disk until the
   * broker has it; nothing without an uplink. Never throws: a refused reading is counted by the uplink.
   */
  async publish(suffix: string, payload: unknown): Promise<void> {
    await this.uplink?.publish(suffix, payload).catch((error) => {
      this.#log.debug({ err: error, suffix }, 'uplink refused a reading');
    });
  }

  /** Once a minute: the sensors' latest values and the detections of the last minutes. */
  async #summarise(): Promise<void> {
    const at = new Date().toISOString();
    if (this.sensors) await this.publish('sensors/latest', { at, readings: this.sensors.latest({}) });
    if (this.detections?.ready)
      await this.publish('detections/summary', { at, ...this.detections.realtime() });
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
    clearInterval(this.#summaries);
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['detections mqtt', this.mqtt && (() => (this.mqtt as MqttSubscriber).stop())],
      ['lan sensors', this.sensors && (() => (this.sensors as LanSensors).stop())],
      ['detections', this.detections && (() => (this.detections as Detections).stop())],
      ['uplink', this.uplink && (() => (this.uplink as Uplink).stop())],
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
