import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { DeviceEntry } from './device-entry.js';
import type { DnsUpdater } from './dns/updater.js';
import type { ElectionRules } from './election.js';
import { Elector, type ElectorSelf } from './elector.js';
import { PoeLog } from './poe-log.js';

export interface Election {
  elector: Elector;
  poeLog: PoeLog;
  rules: ElectionRules;
  dns: DnsUpdater | undefined;
}

export interface ElectionInputs {
  self: () => ElectorSelf;
  latest: (value: string) => string;
  peers: () => readonly DeviceEntry[];
  /** The DNS updater, when a provider is configured. */
  dns?: DnsUpdater;
  log: Logger;
}

export function electionRules(config: Readonly<Config>): ElectionRules {
  const e = config.election;
  return {
    mode: e.rule,
    maxSampleAgeSeconds: e.maxSampleAgeSeconds,
    maxClockSkewSeconds: e.maxClockSkewSeconds,
    margin: e.margin,
    holdSeconds: e.holdSeconds,
  };
}

/** The address to publish: our advertised address without the `:port` gossip adds. */
export function bareAddress(advertised: string): string {
  const v6 = /^\[(.+)\](?::\d+)?$/.exec(advertised);
  if (v6) return v6[1];
  return advertised.includes('::') ? advertised : advertised.replace(/:\d+$/, '');
}

/** The election of this node: the point-of-entry log, the holder state and the elector, not yet loaded. */
export function createElection(config: Readonly<Config>, inputs: ElectionInputs): Election {
  const poeLog = new PoeLog(join(config.dataDir, 'poe.log'));
  const rules = electionRules(config);
  const dns = inputs.dns;
  const elector = new Elector({
    rules,
    metric: config.election.metric,
    timeoutMs: config.election.timeoutMs,
    retries: config.election.retries,
    self: inputs.self,
    latest: inputs.latest,
    peers: inputs.peers,
    poeLog,
    dns: dns && { updater: dns, address: () => bareAddress(inputs.self().address) },
    statePath: join(config.dataDir, 'election.json'),
    log: inputs.log,
  });
  return { elector, poeLog, rules, dns };
}
