/**
 * The uplink from the config (`uplink`), for the daemon: undefined while no upstream URL is set;
 * topic prefix, client id and outbox directory default from the node's name and data directory.
 */

import type { Logger } from '../../log.js';
import type { SecretSource } from '../detections/mqtt-config.js';
import { defaultClientId } from '../detections/mqtt-config.js';
import { resolvedPassword } from '../detections/mqtt-setup.js';
import { type UplinkConfig, uplinkOutboxDir, uplinkTopicPrefix } from './config.js';
import { Uplink } from './index.js';

export interface UplinkSetupDeps {
  nodeName: string;
  dataDir: string;
  log: Logger;
  secrets?: SecretSource;
}

export function uplinkFromConfig(config: UplinkConfig, deps: UplinkSetupDeps): Uplink | undefined {
  if (!config.url) return undefined;
  return new Uplink({
    url: config.url,
    topicPrefix: uplinkTopicPrefix(config, deps.nodeName),
    clientId: config.clientId ?? defaultClientId(deps.nodeName, 'uplink'),
    username: config.username,
    password: resolvedPassword(config, deps.secrets, 'uplink.passwordSecret'),
    tls: config.tls,
    keepaliveSeconds: config.keepaliveSeconds,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
    outboxDir: uplinkOutboxDir(config, deps.dataDir),
    maxBytes: config.maxBytes,
    maxMessageBytes: config.maxMessageBytes,
    maxInFlight: config.maxInFlight,
    retain: config.retain,
    log: deps.log,
  });
}
