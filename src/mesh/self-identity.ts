import { networkInterfaces } from 'node:os';
import type { NodeProfile } from '../config/profile.js';
import type { Config } from '../config/schema.js';
import { nodeTimezone } from '../version.js';
import type { SelfInfo } from './gossip/dissemination.js';

const NO_MAC = '00:00:00:00:00:00';

type Nic = ReturnType<typeof networkInterfaces>[string] extends (infer A)[] | undefined ? A : never;

/** Interfaces change rarely (a new DHCP lease); listing them costs a system call per interface. */
const NIC_TTL_MS = 10_000;
let cached: { at: number; nic: Nic | undefined } | undefined;

/** The first non-internal IPv4 interface, as `os.networkInterfaces()` lists them (cached for 10 s). */
function firstInterface(now = Date.now()): Nic | undefined {
  if (cached && now - cached.at < NIC_TTL_MS) return cached.nic;
  let nic: Nic | undefined;
  search: for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.internal && a.family === 'IPv4' && a.mac !== NO_MAC) {
        nic = a;
        break search;
      }
    }
  }
  cached = { at: now, nic };
  return nic;
}

/**
 * What this node says about itself in gossip posts: PIMESH_PUBLIC_IP or the first LAN address, with
 * `:port` unless it serves on 80 (as the original appends local.json's httpPort); PIMESH_MAC or that
 * interface's MAC; the name stripped to [A-Za-z0-9_ ] as the original client does.
 */
export function selfInfo(
  config: Readonly<Config>,
  profile: NodeProfile,
  log: () => readonly string[],
  /** The port actually listened on (config may say 0: any free port). */
  listening: number = config.http.port,
  /** The address a what-is-my-IP lookup gave, if any. */
  looked?: string,
): SelfInfo {
  const nic = firstInterface();
  const host = config.identity.publicIp ?? looked ?? nic?.address ?? '127.0.0.1';
  const port = listening;
  const hasPort = /:\d+$/.test(host) && !host.includes('::');
  const ip = hasPort || port === 80 ? host : `${host}:${port}`;
  const name = (config.identity.name ?? profile.name).replace(/[^A-Za-z0-9_ ]/g, '');
  return {
    mac: (config.identity.mac ?? nic?.mac ?? NO_MAC).toLowerCase(),
    ip,
    name,
    tz: nodeTimezone(),
    log: log(),
  };
}
