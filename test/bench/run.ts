/**
 * `npm run bench`: builds dist/ (in the npm script), then runs every benchmark in sequence and prints
 * one report on stdout (progress goes to stderr). A target MISS is reported, not an error; the exit
 * code is non-zero only when a benchmark could not run or an answer was wrong.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardBench } from './dashboard.bench.js';
import { detectionsBench } from './detections.bench.js';
import { electionBench } from './election.bench.js';
import { gossipBench } from './gossip-sim.js';
import { lanSensorsBench } from './lan-sensors.bench.js';
import type { BenchContext, Benchmark } from './lib/context.js';
import { defaultLoadTool, killLoadNow } from './lib/load.js';
import { type BenchCheck, formatChecks, formatResult } from './lib/report.js';
import { ProcessRegistry } from './lib/servers.js';
import { memoryRecoveryBench } from './memory-recovery.bench.js';
import { metricsBench } from './metrics.bench.js';
import { mqttIngestBench } from './mqtt-ingest.bench.js';
import { solarApiBench } from './solar-api.bench.js';
import { systemMonitorBench } from './system-monitor.bench.js';

/** In order. */
export const ALL_BENCHMARKS: Benchmark[] = [
  solarApiBench,
  gossipBench,
  electionBench,
  systemMonitorBench,
  memoryRecoveryBench,
  lanSensorsBench,
  detectionsBench,
  mqttIngestBench,
  metricsBench,
  dashboardBench,
];

/** `npm run bench -- mqtt lan`: only the benchmarks whose function name contains one of the words. */
const words = process.argv.slice(2).map((w) => w.toLowerCase());
const BENCHMARKS =
  words.length === 0
    ? ALL_BENCHMARKS
    : ALL_BENCHMARKS.filter((b) => words.some((w) => b.name.toLowerCase().includes(w)));

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function header(loadDescription: string): string {
  const cpuList = cpus();
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const lines = [
    ['date', `${new Date().toISOString()} (local zone ${process.env.TZ || zone})`],
    ['node', `${process.version} (${process.execPath})`],
    ['cpu', `${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'} (client and servers share them)`],
    ['os', `${process.platform} ${release()} ${process.arch}; load average at start ${loadAverage()}`],
    ['pimesh', `${version}, dist/ built by tsc just before this run`],
    ['load', loadDescription],
  ];
  const rows = lines.map(([k, v]) => `${k.padEnd(7)} ${v}`);
  return ['pimesh benchmarks', '=================', ...rows].join('\n');
}

async function main(): Promise<number> {
  const started = performance.now();
  const processes = new ProcessRegistry();
  const tempDirs: string[] = [];
  const removeTempDirs = () => {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
  };
  process.on('exit', () => processes.killAllNow());
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping child processes`);
      killLoadNow();
      processes.killAllNow();
      removeTempDirs();
      process.exit(code);
    });
  }

  let failures = 0;
  try {
    const load = await defaultLoadTool(tempDir('pimesh-bench-load-'));
    const ctx: BenchContext = {
      root: ROOT,
      processes,
      load,
      tempDir,
      progress: (message) =>
        console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`),
    };
    console.log(`${header(load.description)}\n`);
    const allChecks: BenchCheck[] = [];
    for (const bench of BENCHMARKS) {
      try {
        const result = await bench(ctx);
        allChecks.push(...result.checks);
        console.log(`${formatResult(result)}\n`);
      } catch (error) {
        failures++;
        console.log(`== ${bench.name} FAILED ==\n${(error as Error).stack ?? String(error)}\n`);
      } finally {
        await processes.stopAll();
      }
    }
    const missed = allChecks.filter((c) => !c.pass);
    const summary = ['== Summary =='];
    if (BENCHMARKS.length > 1 && allChecks.length > 0) summary.push(formatChecks(allChecks));
    summary.push(
      [
        `${allChecks.length} targets: ${allChecks.length - missed.length} PASS, ${missed.length} MISS` +
          `${missed.length > 0 ? ` (${missed.map((c) => c.name).join(', ')})` : ''}; speed is reported, not asserted.`,
        `${BENCHMARKS.length - failures} of ${BENCHMARKS.length} benchmark(s) ran` +
          `${failures > 0 ? `, ${failures} FAILED` : ''}; ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s in all; load average at end ${loadAverage()}.`,
      ].join('\n'),
    );
    console.log(summary.join('\n\n'));
  } finally {
    await processes.stopAll();
    removeTempDirs();
  }
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
