/**
 * The detections subscriber from the config (`detections.mqtt`), for the daemon: undefined while no
 * broker URL is set; the client id defaults to one per node; the password comes from the config or
 * the secrets file.
 */
import type { Logger } from '../../log.js';
import {
  type DetectionsMqttConfig,
  defaultClientId,
  mqttPassword,
  type SecretSource,
} from './mqtt-config.js';
import { MqttConfigError } from './mqtt-options.js';
import { MqttSubscriber } from './mqtt-subscriber.js';
import type { IngestBatch } from './types.js';

export interface MqttSetupDeps {
  /** The node's name (identity.name), for the default client id. */
  nodeName: string;
  ingest: IngestBatch;
  log: Logger;
  /** Where `passwordSecret` is looked up. */
  secrets?: SecretSource;
}

/** A password named by `passwordSecret` and missing from the secrets: the subscriber is not started. */
export function resolvedPassword(
  config: { password?: string; passwordSecret?: string },
  secrets: SecretSource | undefined,
  what: string,
): string | undefined {
  const password = mqttPassword(config, secrets);
  if (config.passwordSecret !== undefined && !password) {
    throw new MqttConfigError(
      `${what}: the secret ${config.passwordSecret} is missing from the secrets file`,
    );
  }
  return password;
}

export function mqttSubscriberFromConfig(
  config: DetectionsMqttConfig,
  deps: MqttSetupDeps,
): MqttSubscriber | undefined {
  if (!config.url) return undefined;
  return new MqttSubscriber({
    url: config.url,
    topic: config.topic,
    clientId: config.clientId ?? defaultClientId(deps.nodeName, 'detections'),
    username: config.username,
    password: resolvedPassword(config, deps.secrets, 'detections.mqtt.passwordSecret'),
    tls: config.tls,
    keepaliveSeconds: config.keepaliveSeconds,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
    maxInFlight: config.maxInFlight,
    maxPayloadBytes: config.maxPayloadBytes,
    ingest: deps.ingest,
    log: deps.log,
  });
}
