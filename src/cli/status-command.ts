/**
 * `pimesh status` and `pimesh peers`: the running daemon's view, read from its own JSON
 * (`/api/status`, `/api/dashboard`) and put in words and a table. No daemon answering is exit 1 with
 * a line that says so.
 */
import type { LoadedConfig } from '../config/load.js';
import { PimeshError } from '../errors.js';
import type { DashboardView, PeerRow } from '../http/dashboard/model.js';
import type { NodeStatus } from '../http/routes/status.js';
import { daemonBase } from '../one-shot.js';
import { boundedRequest, MiB } from '../util/bounded-request.js';

async function ask<T>(loaded: LoadedConfig, path: string): Promise<T> {
  const base = daemonBase(loaded);
  try {
    const response = await boundedRequest(`${base}${path}`, { timeoutMs: 10_000, maxBytes: 4 * MiB });
    // /api/status answers 503 with the same body when the node is degraded.
    if (response.statusCode !== 200 && response.statusCode !== 503) {
      throw new PimeshError(`the daemon on ${base} answered ${path} with ${response.statusCode}`, {
        code: 'ERR_DAEMON_ANSWER',
      });
    }
    return JSON.parse(response.body) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'ECONNREFUSED') {
      throw new PimeshError(`no daemon answers on ${base} (is it running? systemctl status pimesh)`, {
        code: 'ERR_NO_DAEMON',
      });
    }
    throw error;
  }
}

/** "3 min ago", "2 h ago", "5 d ago". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return 'unknown';
  if (s < 0) return 'in the future';
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

const num = (value: number | null | undefined, unit: string, digits = 1) =>
  value === null || value === undefined ? 'unknown' : `${value.toFixed(digits)} ${unit}`;

/** The status in sentences, one fact per line. */
export function describeStatus(
  status: NodeStatus,
  view: DashboardView | undefined,
  now = Date.now(),
): string {
  const cc = status.chargeController;
  const lines = [
    `${status.name} (pimesh ${status.version}) is ${status.status === 'ok' ? 'running normally' : 'DEGRADED'}, up ${duration(status.uptime)}, time zone ${status.timezone}.`,
  ];
  for (const reason of status.reasons) lines.push(`  problem: ${reason}`);
  const kind = cc.simulated ? 'SIMULATED (the readings are invented)' : cc.description;
  lines.push(`Charge controller: ${kind}; last sample ${ago(cc.lastSample?.at, now)}.`);
  if (cc.lastError) lines.push(`  last error (${ago(cc.lastError.at, now)}): ${cc.lastError.message}`);
  const figures = view?.now;
  if (figures) {
    lines.push(
      `Now: PV ${num(figures.pvW, 'W')}, battery ${num(figures.batteryPct, '%', 0)}, load ${num(figures.loadW, 'W')}.`,
    );
  }
  const entry = view?.entry;
  if (entry) {
    const holder = entry.selfIsEntry ? 'this node' : (entry.holderName ?? 'nobody yet');
    lines.push(
      `Point of entry: ${holder}${entry.since ? `, since ${ago(entry.since, now).replace(' ago', '')} ago` : ''}.`,
    );
  }
  const peers = view?.peers;
  if (peers) {
    const reachable = peers.filter((p) => p.reachable === 'yes').length;
    lines.push(`Peers: ${peers.length} known, ${reachable} reachable (pimesh peers lists them).`);
  }
  const cadence = status.cadence;
  if (cadence) {
    lines.push(
      cadence.enabled
        ? `Cadence: every ${cadence.minutes} min (${cadence.reason}).`
        : 'Cadence: off; jobs run at their fixed intervals.',
    );
    for (const job of cadence.jobs) {
      lines.push(
        `  ${job.name}: last ${ago(job.lastRun, now)}, next ${job.nextRun ? new Date(job.nextRun).toISOString() : 'not scheduled'}`,
      );
    }
  }
  return lines.join('\n');
}

/** The peers as a fixed-width table. */
export function peerTable(rows: readonly PeerRow[], now = Date.now()): string {
  const table = [
    ['NAME', 'ADDRESS', 'LAST SEEN', 'REACHABLE', 'PV', 'BATTERY'],
    ...rows.map((p) => [
      p.name,
      p.ip,
      ago(p.lastSeen, now),
      p.reachable,
      p.pvW === null ? '-' : `${p.pvW.toFixed(1)} W`,
      p.batteryPct === null ? '-' : `${Math.round(p.batteryPct)} %`,
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function statusCommand(loaded: LoadedConfig, json: boolean): Promise<number> {
  const status = await ask<NodeStatus>(loaded, '/api/status');
  const view = await ask<DashboardView>(loaded, '/api/dashboard').catch(() => undefined);
  console.log(json ? JSON.stringify({ status, dashboard: view }, null, 2) : describeStatus(status, view));
  return status.status === 'ok' ? 0 : 1;
}

export async function peersCommand(loaded: LoadedConfig, json: boolean): Promise<number> {
  const view = await ask<DashboardView>(loaded, '/api/dashboard');
  const rows = view.peers ?? [];
  if (json) console.log(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) console.log('No peers known yet (the device list is empty).');
  else console.log(peerTable(rows));
  return 0;
}
