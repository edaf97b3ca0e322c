/**
 * What the dashboard shows, gathered from the node's parts into one plain object: the page, the
 * JSON (`/api/dashboard`) and the live stream are all rendered from it. Every part is optional;
 * what a node does not have is said, never invented.
 */
import type { EventEmitter } from 'node:events';
import type { DeviceEntry } from '../../mesh/device-entry.js';
import type { PeerRecord } from '../../mesh/peer-state.js';
import type { ElectionDeps } from '../routes/election.js';
import type { NodeStatus } from '../routes/status.js';
import type { HardwareItem } from './hardware.js';
import type { DashboardReadings, NowFigures, Series } from './series.js';

/** One peer as the network data (the peer-data job) last fetched it. */
export interface PeerData {
  name: string;
  ip: string;
  /** ISO time or epoch ms of the fetch. */
  fetchedAt: string | number;
  pvPower?: number;
  batteryPercent?: number;
  ok: boolean;
  error?: string;
}

export interface DashboardDeps {
  status: () => NodeStatus;
  readings: DashboardReadings;
  /** The peer list and pimesh's side state about each peer. */
  peers?: () => readonly DeviceEntry[];
  peerState?: (mac: string) => Readonly<PeerRecord> | undefined;
  /** The network data (peers' PV and battery); absent until that job is wired: "no network data yet". */
  networkData?: () => readonly PeerData[];
  election?: ElectionDeps;
  /** The hardware panel (CPU temperature, throttling, disk, GNSS, LTE, LAN sensors, detections). */
  hardware?: () => Promise<HardwareItem[]>;
  /** Emits `sample` ({ at: Date, ... }) after each charge-controller sample is stored. */
  events?: EventEmitter;
  /** Below this battery percentage the low-power page is served (the site's threshold; default 50). */
  lowBatteryPercent?: () => number;
  /** Serve the dashboard at `/` too (when no site is configured). Default true. */
  serveRoot?: () => boolean;
  now?: () => number;
}

export interface PeerRow {
  name: string;
  /** The address the device list holds for it. */
  ip: string;
  city: string;
  /** ISO, or null when never seen. */
  lastSeen: string | null;
  reachable: 'yes' | 'no' | 'unknown';
  reachableNote: string;
  pvW: number | null;
  batteryPct: number | null;
  dataNote: string;
}

export interface EntryView {
  holderName: string | null;
  since: string | null;
  selfIsEntry: boolean;
  lastRound: { at: string; rule: string; metric: string } | null;
  reasons: { name: string; self: boolean; metric: number | null; verdict: string; reason: string }[];
}

export interface DashboardView {
  name: string;
  version: string;
  simulated: boolean;
  source: string;
  status: NodeStatus['status'];
  problems: string[];
  now: NowFigures | null;
  generatedAt: number;
  charts?: { day: Series; week: Series };
  peers: PeerRow[] | null;
  networkData: boolean;
  entry: EntryView | null;
  cadence: unknown;
  hardware: HardwareItem[] | null;
  lite: boolean;
  /** Why the low-power page was chosen ('' for the full page). */
  liteReason: string;
}

/** `America/New_York` → `New York`; the tz is where the original shows a node's city from. */
export function cityOf(tz: string | undefined): string {
  if (!tz) return '';
  const last = tz.split('/').at(-1) ?? '';
  return last.replaceAll('_', ' ');
}

/** The device list's `time stamp` (epoch seconds) as ISO, or null. */
function stampIso(stamp: string): string | null {
  const n = Number(stamp);
  return stamp.trim() !== '' && Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : null;
}

export function peerRows(deps: DashboardDeps): PeerRow[] | null {
  if (!deps.peers) return null;
  const data = deps.networkData?.();
  const byIp = new Map((data ?? []).map((d) => [d.ip, d]));
  const byName = new Map((data ?? []).map((d) => [d.name, d]));
  return deps.peers().map((e) => {
    const record = deps.peerState?.(e.mac);
    const d = byIp.get(e.ip) ?? byName.get(e.name);
    const candidates = [record?.lastSeen, stampIso(e['time stamp'])].filter((s): s is string => !!s);
    const lastSeen = candidates.sort().at(-1) ?? null;
    let reachable: PeerRow['reachable'] = 'unknown';
    let reachableNote = 'not contacted yet';
    if (d) {
      reachable = d.ok ? 'yes' : 'no';
      reachableNote = d.ok ? 'answered the last fetch' : (d.error ?? 'the last fetch failed');
    } else if (record && record.failures > 0) {
      reachable = 'no';
      reachableNote = `${record.failures} failed request(s) since it last answered`;
    } else if (record?.lastAnswered) {
      reachable = 'yes';
      reachableNote = 'answered our last request';
    }
    return {
      name: e.name || e.mac,
      ip: e.ip,
      city: cityOf(e.tz),
      lastSeen,
      reachable,
      reachableNote,
      pvW: d?.ok ? (d.pvPower ?? null) : null,
      batteryPct: d?.ok ? (d.batteryPercent ?? null) : null,
      dataNote: data === undefined ? 'no network data yet' : d ? '' : 'not in the network data',
    };
  });
}

export function entryView(election: ElectionDeps | undefined): EntryView | null {
  if (!election) return null;
  const last = election.elector.last();
  const holder = election.elector.holder();
  const holderName = last?.candidates.find((c) => c.mac === holder?.mac)?.name ?? holder?.mac ?? null;
  return {
    holderName,
    since: holder ? new Date(holder.since).toISOString() : null,
    selfIsEntry: last?.selfWins ?? false,
    lastRound: last ? { at: last.at, rule: last.rule, metric: last.metric } : null,
    reasons: (last?.candidates ?? []).map((c) => ({
      name: c.name || (c.self ? 'this node' : 'a peer'),
      self: c.self,
      metric: c.metric ?? null,
      verdict: c.verdict,
      reason: c.reason,
    })),
  };
}

/** Which page: `?lite` asks for the low-power one, `?full` for the full one, else the battery decides. */
export function chooseLite(
  query: { lite?: unknown; full?: unknown },
  batteryPct: number | null,
  threshold: number,
): { lite: boolean; reason: string } {
  if (query.lite !== undefined) return { lite: true, reason: 'asked for (?lite)' };
  if (query.full !== undefined) return { lite: false, reason: '' };
  if (batteryPct !== null && batteryPct < threshold) {
    return { lite: true, reason: `battery at ${Math.round(batteryPct)}%, below ${threshold}%` };
  }
  return { lite: false, reason: '' };
}

export async function buildView(
  deps: DashboardDeps,
  query: { lite?: unknown; full?: unknown } = {},
): Promise<DashboardView> {
  const now = (deps.now ?? Date.now)();
  const status = deps.status();
  const figures = deps.readings.now();
  const choice = chooseLite(query, figures?.batteryPct ?? null, deps.lowBatteryPercent?.() ?? 50);
  const cc = status.chargeController;
  return {
    name: status.name,
    version: status.version,
    simulated: cc.simulated,
    source: cc.description,
    status: status.status,
    problems: status.reasons,
    now: figures,
    generatedAt: now,
    charts: choice.lite ? undefined : deps.readings.series(now),
    peers: peerRows(deps),
    networkData: deps.networkData !== undefined,
    entry: entryView(deps.election),
    cadence: (status as NodeStatus & { cadence?: unknown }).cadence,
    hardware: deps.hardware ? await deps.hardware() : null,
    lite: choice.lite,
    liteReason: choice.reason,
  };
}
