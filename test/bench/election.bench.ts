/**
 * Election round time with 50 peers: 35 answering, 10 refusing connections, 5 accepting and never
 * answering. pimesh samples every peer at once with one 5 s budget each, so a round should take one
 * timeout, not the sum; the baseline, measured in the same run, is the original's loop (one peer after
 * the other, 5 s timeout each). `node --import tsx test/bench/election.bench.ts` runs it alone.
 */
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../src/log.js';
import type { DeviceEntry } from '../../src/mesh/device-entry.js';
import { Elector } from '../../src/mesh/elector.js';
import { samplePeer } from '../../src/mesh/peer-sample.js';
import { PoeLog } from '../../src/mesh/poe-log.js';
import { formatLocalDatetime } from '../../src/readings/tracer-csv.js';
import { closedAddress, type PvPeer, startPvPeer } from '../helpers/pv-peer.js';
import type { Benchmark } from './lib/context.js';
import { type BenchResult, fmt, formatChecks, formatTable } from './lib/report.js';

const TIMEOUT_MS = 5000;
const COUNTS = { answering: 35, refused: 10, hanging: 5 };

async function peers(): Promise<{ entries: DeviceEntry[]; servers: PvPeer[] }> {
  const servers: PvPeer[] = [];
  const entries: DeviceEntry[] = [];
  const entry = (i: number, ip: string): DeviceEntry => ({
    mac: `b8:27:eb:00:01:${i.toString(16).padStart(2, '0')}`,
    ip,
    'time stamp': '1',
    name: `peer ${i}`,
    tz: 'UTC',
    log: [''],
  });
  let i = 0;
  for (let k = 0; k < COUNTS.answering; k++) {
    const peer = await startPvPeer(String((k % 7) + 0.5), formatLocalDatetime(new Date()));
    servers.push(peer);
    entries.push(entry(i++, peer.address));
  }
  for (let k = 0; k < COUNTS.refused; k++) entries.push(entry(i++, await closedAddress()));
  for (let k = 0; k < COUNTS.hanging; k++) {
    const peer = await startPvPeer('99');
    peer.hang = true;
    servers.push(peer);
    entries.push(entry(i++, peer.address));
  }
  return { entries, servers };
}

export async function electionTiming(progress: (m: string) => void, tempDir: (p: string) => string) {
  const { entries, servers } = await peers();
  try {
    const elector = new Elector({
      rules: {
        mode: 'stable',
        maxSampleAgeSeconds: 600,
        maxClockSkewSeconds: 120,
        margin: 0.1,
        holdSeconds: 900,
      },
      metric: 'scaled-wattage',
      timeoutMs: TIMEOUT_MS,
      retries: 1,
      self: () => ({ mac: 'b8:27:eb:00:00:01', name: 'bench', address: '127.0.0.1:1' }),
      latest: (v) => (v === 'datetime' ? formatLocalDatetime(new Date()) : '3'),
      peers: () => entries,
      poeLog: new PoeLog(`${tempDir('pimesh-bench-elect-')}/poe.log`),
      log: silentLogger(),
    });
    await elector.load();
    progress('election: 50 peers, pimesh round');
    const report = await elector.run();
    const statuses = { ok: 0, unreachable: 0, other: 0 };
    for (const c of report.candidates.slice(1)) {
      if (c.status === 'ok') statuses.ok++;
      else if (c.status === 'unreachable') statuses.unreachable++;
      else statuses.other++;
    }
    progress('election: 50 peers, the original loop (one after the other; about 25 s)');
    const started = performance.now();
    for (const e of entries) {
      await samplePeer(
        { mac: e.mac, name: e.name, address: e.ip },
        { metric: 'scaled-wattage', withTime: false, timeoutMs: TIMEOUT_MS, retries: 0 },
      );
    }
    const sequentialMs = performance.now() - started;
    return { pimeshMs: report.durationMs, sequentialMs, statuses, winner: report.winnerName };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

function result(t: Awaited<ReturnType<typeof electionTiming>>): BenchResult {
  const limit = TIMEOUT_MS + 1000;
  return {
    name: 'Election round with 50 peers (35 answering, 10 refused, 5 hanging)',
    tables: [
      {
        title: 'Round time',
        columns: ['scheme', 'round', 'ratio to baseline'],
        rows: [
          [
            'original loop, one peer after the other (baseline)',
            `${fmt(t.sequentialMs / 1000, 2)} s`,
            '1.00x',
          ],
          [
            'pimesh, all peers at once',
            `${fmt(t.pimeshMs / 1000, 2)} s`,
            `${fmt(t.pimeshMs / t.sequentialMs, 2)}x`,
          ],
        ],
      },
    ],
    checks: [
      {
        name: 'election round, 50 peers',
        measured: `${fmt(t.pimeshMs, 0)} ms`,
        target: `< ${limit} ms (per-peer timeout + 1 s)`,
        pass: t.pimeshMs < limit,
      },
      {
        name: 'election candidates',
        measured: `${t.statuses.ok} ok, ${t.statuses.unreachable} unreachable, ${t.statuses.other} other`,
        target: '35 ok, 15 unreachable',
        pass: t.statuses.ok === 35 && t.statuses.unreachable === 15,
      },
    ],
    notes: [
      `per-peer budget ${TIMEOUT_MS} ms (retries included); peers are node:http servers on 127.0.0.1 in the bench process`,
      `winner: ${t.winner}`,
    ],
  };
}

export const electionBench: Benchmark = async (ctx) =>
  result(await electionTiming(ctx.progress, ctx.tempDir));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const r = result(await electionTiming(console.error, (p) => mkdtempSync(join(tmpdir(), p))));
  for (const table of r.tables) console.log(formatTable(table));
  console.log(`\n${formatChecks(r.checks)}`);
}
