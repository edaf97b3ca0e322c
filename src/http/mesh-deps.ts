import { FailureLimiter } from '../auth/failure-limiter.js';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { DnsStatus } from '../mesh/dns/updater.js';
import type { MeshNode } from '../mesh/mesh-node.js';
import type { ElectionDeps } from './routes/election.js';
import type { GossipDeps } from './routes/gossip.js';

/** The api.php POST handler's dependencies, from the node's mesh part. */
export function gossipDeps(mesh: MeshNode, log: Logger): GossipDeps {
  return {
    deviceList: mesh.deviceList,
    peerState: mesh.peerState,
    key: mesh.key,
    limiter: new FailureLimiter(),
    log: log.child({ module: 'gossip' }),
    onPosted: (entry) => mesh.heard(entry.ip),
  };
}

/** `/api/election`'s dependencies, once the mesh has prepared its election. */
export function electionDeps(mesh: MeshNode, loaded: LoadedConfig): ElectionDeps | undefined {
  const election = mesh.election;
  if (!election) return undefined;
  const { config } = loaded;
  return {
    elector: election.elector,
    rules: election.rules,
    metric: config.election.metric,
    intervalSeconds: config.election.intervalSeconds,
    poeLog: election.poeLog,
    dns: election.dns && (() => election.dns?.status() as DnsStatus),
    selfMac: () => mesh.self().mac,
  };
}
