import type { RequestListener } from 'node:http';
import { loadConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { tempCwd } from './pimesh-process.js';

/** Every optional feature of a node on: gossip, admin key, poller, metrics, LAN sensors, BLE detections. */
export const EVERY_FEATURE: NodeJS.ProcessEnv = {
  PIMESH_NETWORK_KEY: 'network-key-for-tests',
  PIMESH_ADMIN_KEY: 'admin-key-for-tests',
  PIMESH_DETECTIONS_KEY: 'detections-key-for-tests',
  PIMESH_SENSORS_PORT: '0',
  PIMESH_SENSORS_HOST: '127.0.0.1',
  PIMESH_POLLER: 'on',
  PIMESH_METRICS: 'on',
  PIMESH_MDNS: 'off',
  PIMESH_SCHEDULE: 'off',
};

/**
 * The request handler of a real node, as `pimesh serve` builds it (the daemon's services prepared,
 * every route mounted), without listening or scheduling. `stop` closes what it opened.
 */
export async function fullNode(
  env: NodeJS.ProcessEnv = EVERY_FEATURE,
): Promise<{ handler: RequestListener; stop: () => Promise<void> }> {
  const loaded = loadConfig({ cwd: tempCwd(), env });
  const daemon = new Daemon(loaded, silentLogger());
  await daemon.mesh.load();
  await daemon.ingest.start();
  await daemon.hardware.prepare();
  return {
    handler: daemon.createHandler(),
    stop: async () => {
      await daemon.ingest.stop();
      await daemon.hardware.stop();
    },
  };
}
