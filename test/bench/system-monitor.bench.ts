/**
 * piStat's /stats under load (cached, the default 2 s cache) beside a bare node:http server answering
 * a body of the same size, both child processes on 127.0.0.1; then single uncached /stats and
 * /processes requests, timed one after the other.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './lib/context.js';
import { type BenchCheck, type BenchResult, fmt, ms } from './lib/report.js';
import { median, type TimedResponse, timedGet } from './lib/request.js';
import { childEnv, freePort, HOST } from './lib/servers.js';

const WARMUP_SEC = 1;
const DURATION_SEC = 5;
const CONNECTIONS = 10;
const SAMPLES = 20;
const TARGET_CACHED_P99_MS = 5;
const TARGET_UNCACHED_MS = 300;

const baselineSource = (body: string) => `import { createServer } from 'node:http';
const body = ${JSON.stringify(body)};
createServer((req, res) => {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(body);
}).listen(Number(process.env.BASELINE_PORT), '${HOST}');
`;

function expectJson(name: string, r: TimedResponse, keys: string[]): void {
  if (r.status !== 200)
    throw new Error(`system monitor bench: ${name} answered ${r.status}: ${r.body.slice(0, 200)}`);
  const parsed = JSON.parse(r.body) as Record<string, unknown>;
  for (const key of keys) {
    if (!(key in parsed)) throw new Error(`system monitor bench: ${name} has no "${key}"`);
  }
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: median(values),
    p95: sorted[Math.ceil(sorted.length * 0.95) - 1],
    max: sorted.at(-1) as number,
  };
};

export async function systemMonitorBench(ctx: BenchContext): Promise<BenchResult> {
  const work = ctx.tempDir('pimesh-bench-stats-');
  const cwd = join(work, 'cwd');
  mkdirSync(cwd, { recursive: true });
  const pimeshPort = await freePort();
  ctx.progress(`starting pimesh serve on ${HOST}:${pimeshPort} (rate limit off for the load run)`);
  const pimesh = await ctx.processes.start({
    name: 'pimesh serve',
    command: process.execPath,
    args: [join(ctx.root, 'dist', 'cli.js'), 'serve'],
    env: childEnv({
      PIMESH_PORT: String(pimeshPort),
      PIMESH_HOST: HOST,
      PIMESH_DATA_DIR: join(work, 'data'),
      PIMESH_PEERS_DIR: join(work, 'peers'),
      PIMESH_SCHEDULE: 'off',
      PIMESH_MDNS: 'off',
      PIMESH_GPSD: 'off',
      PIMESH_CHARGE_CONTROLLER: 'none',
      PIMESH_LOG_LEVEL: 'warn',
      PISTAT_RATE_LIMIT_ENABLED: 'false',
    }),
    cwd,
    port: pimeshPort,
  });

  const first = await timedGet(pimesh.port, '/stats');
  expectJson('/stats', first, ['cpu_usage', 'memory', 'disk', 'network', 'timestamp']);
  const baselineScript = join(work, 'baseline.mjs');
  writeFileSync(baselineScript, baselineSource(first.body));
  const baselinePort = await freePort();
  const baseline = await ctx.processes.start({
    name: 'baseline',
    command: process.execPath,
    args: [baselineScript],
    env: childEnv({ BASELINE_PORT: String(baselinePort) }),
    cwd,
    port: baselinePort,
  });

  ctx.progress(`uncached /stats x${SAMPLES}, /processes x${SAMPLES} (one after the other)`);
  const uncached: number[] = [];
  const processes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const u = await timedGet(pimesh.port, '/stats?cache=false');
    expectJson('/stats?cache=false', u, ['cpu_usage', 'memory']);
    uncached.push(u.ms);
    const p = await timedGet(pimesh.port, '/processes?limit=100');
    expectJson('/processes', p, ['processes']);
    processes.push(p.ms);
  }

  const cases = [
    { label: 'baseline node:http (same body)', port: baseline.port, path: '/' },
    { label: 'pimesh GET /stats (cached)', port: pimesh.port, path: '/stats' },
  ];
  const results = [];
  for (const c of cases) {
    ctx.progress(
      `load: ${c.label} (${WARMUP_SEC} s warm-up + ${DURATION_SEC} s, ${CONNECTIONS} connections)`,
    );
    const url = `http://${HOST}:${c.port}${c.path}`;
    await ctx.load.run({ url, connections: CONNECTIONS, durationSec: WARMUP_SEC, warmupSec: 0 });
    results.push(
      await ctx.load.run({ url, connections: CONNECTIONS, durationSec: DURATION_SEC, warmupSec: 0 }),
    );
  }
  const [base, cached] = results;
  const u = stats(uncached);
  const p = stats(processes);
  const checks: BenchCheck[] = [
    {
      name: 'cached /stats p99 under load',
      target: `< ${TARGET_CACHED_P99_MS} ms`,
      measured: ms(cached.p99Ms),
      pass: cached.p99Ms < TARGET_CACHED_P99_MS,
    },
    {
      name: 'uncached /stats (slowest of 20)',
      target: `< ${TARGET_UNCACHED_MS} ms`,
      measured: ms(u.max),
      pass: u.max < TARGET_UNCACHED_MS,
    },
  ];
  return {
    name: 'System monitor (piStat): /stats and /processes',
    tables: [
      {
        title: `Load: ${CONNECTIONS} keep-alive connections, ${DURATION_SEC} s measured after ${WARMUP_SEC} s warm-up`,
        columns: ['server / path', 'req/s', 'p50', 'p99', 'max', 'errors', 'vs baseline'],
        rows: [base, cached].map((r, k) => [
          cases[k].label,
          fmt(r.rps),
          ms(r.p50Ms),
          ms(r.p99Ms),
          ms(r.maxMs),
          String(r.errors),
          `${fmt(r.rps / base.rps, 2)}x`,
        ]),
      },
      {
        title: `Single requests on fresh connections, ${SAMPLES} each`,
        columns: ['request', 'median', 'p95', 'max'],
        rows: [
          ['GET /stats?cache=false', ms(u.median), ms(u.p95), ms(u.max)],
          ['GET /processes?limit=100', ms(p.median), ms(p.p95), ms(p.max)],
        ],
      },
    ],
    checks,
    notes: [
      `/stats body ${fmt(Buffer.byteLength(first.body))} bytes (no Accept-Encoding, so not gzipped); the baseline serves the same bytes`,
      'the rate limit (60 per 60 s per address) is switched off with PISTAT_RATE_LIMIT_ENABLED=false for the load run',
    ],
  };
}
