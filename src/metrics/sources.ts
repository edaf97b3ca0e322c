/**
 * What `/metrics` reads, at scrape time, from the parts of a running node: the counters they already
 * keep, no state of its own beside the HTTP request stats. Built without prom-client, so a node
 * nobody scrapes never loads it.
 */
import type { Daemon } from '../daemon.js';
import type { DetectionsCounters } from '../ingest/detections/index.js';
import type { MqttSubscriberCounters } from '../ingest/detections/mqtt-subscriber.js';
import type { LanSensorsCounters } from '../ingest/lan-sensors/index.js';
import type { UplinkCounters } from '../ingest/uplink/index.js';
import { normalizeMac } from '../mesh/election.js';
import type { MeshNode } from '../mesh/mesh-node.js';
import { nodeTimezone, VERSION } from '../version.js';
import type { MetricsConfig } from './config.js';
import { RequestStats } from './request-stats.js';

export interface ChargeControllerFacts {
  /** `tracer`, `simulator` or `none`. */
  source: string;
  simulated: boolean;
  /** Samples that failed since start, and in a row now. */
  sampleErrors: number;
  consecutiveFailures: number;
}

export interface ElectionFacts {
  /** This node holds the point of entry (the holder it believes in is itself). */
  pointOfEntry: boolean;
  rounds: number;
  /** Epoch ms of the last round's start. */
  lastRoundAt: number | undefined;
  /** The DNS updater's counts, when a provider is configured. */
  dns: { updates: number; consecutiveFailures: number } | undefined;
}

export interface IngestFacts {
  sensors: LanSensorsCounters | undefined;
  detections: DetectionsCounters | undefined;
  mqtt: MqttSubscriberCounters | undefined;
  uplink: UplinkCounters | undefined;
  websocketConnections: number;
}

export interface MetricsSources {
  version: string;
  /** The node's IANA zone: the tracer files' naive datetimes are in it. */
  timezone(): string;
  /** The newest row's cell of a charge-controller column ('' when there is none). */
  latest(column: string): string;
  chargeController(): ChargeControllerFacts;
  /** Other nodes in deviceList.json, and those whose last request from us was answered. */
  peers(): { known: number; reachable: number };
  election(): ElectionFacts | undefined;
  /** Gossip POSTs this node sent and how they ended; undefined without the plain network key. */
  gossipSent(): { answered: number; failed: number } | undefined;
  ingest(): IngestFacts;
}

/** What the HTTP app needs to serve `/metrics`. */
export interface MetricsDeps {
  config: MetricsConfig;
  requests: RequestStats;
  sources: MetricsSources;
}

/** Peers known (other MACs in the list) and reachable (answered our last request to them). */
export function peerCounts(mesh: MeshNode): { known: number; reachable: number } {
  const self = normalizeMac(mesh.self().mac);
  const macs = new Set(mesh.deviceList.list().map((e) => normalizeMac(e.mac)));
  macs.delete(self);
  let reachable = 0;
  for (const mac of macs) {
    const record = mesh.peerState.get(mac);
    if (record?.lastAnswered !== undefined && record.failures === 0) reachable++;
  }
  return { known: macs.size, reachable };
}

export function electionFacts(mesh: MeshNode): ElectionFacts | undefined {
  const election = mesh.election;
  if (!election) return undefined;
  const holder = election.elector.holder();
  const last = election.elector.last();
  const dns = election.dns?.status();
  return {
    // `compatible` keeps no holder: there the last round's winner holds the name.
    pointOfEntry: holder ? holder.mac === normalizeMac(mesh.self().mac) : (last?.selfWins ?? false),
    rounds: election.elector.rounds(),
    lastRoundAt: last ? Date.parse(last.at) : undefined,
    dns: dns && { updates: dns.updates, consecutiveFailures: dns.consecutiveFailures },
  };
}

/** The metrics of a running daemon. */
export function daemonMetrics(daemon: Daemon, config: MetricsConfig): MetricsDeps {
  const { mesh, ingest } = daemon;
  const sources: MetricsSources = {
    version: VERSION,
    timezone: nodeTimezone,
    latest: (column) => daemon.answers.latest(column),
    chargeController: () => {
      const failures = daemon.sampleFailures();
      return {
        source: daemon.controller?.kind ?? 'none',
        simulated: daemon.controller?.simulated ?? false,
        sampleErrors: failures.total,
        consecutiveFailures: failures.inRow,
      };
    },
    peers: () => peerCounts(mesh),
    election: () => electionFacts(mesh),
    gossipSent: () =>
      mesh.disseminator && { answered: mesh.stats.gossipAnswered, failed: mesh.stats.gossipFailed },
    ingest: () => ({
      sensors: ingest.sensors?.counters(),
      detections: ingest.detections?.counters(),
      mqtt: ingest.mqtt?.counters(),
      uplink: ingest.uplink?.counters(),
      websocketConnections: ingest.websocketConnections(),
    }),
  };
  return { config, requests: new RequestStats(), sources };
}
