import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './lib/context.js';
import { type BenchCheck, type BenchResult, fmt, mb, ms } from './lib/report.js';
import { median, type TimedResponse, timedGet } from './lib/request.js';
import { type ChildServer, childEnv, freePort, HOST, type Memory, readMemory } from './lib/servers.js';
import { writeTracerWeek } from './lib/tracer-fixture.js';

const SCRAPES = 500;
const IDLE_SEC = 2;
const LOAD_SEC = 5;
const LOAD_CONNECTIONS = 4;
/** Requests spread over the routes before scraping, so the HTTP families hold real series. */
const TRAFFIC = ['/api/status', '/api/election', '/api/v1/chargecontroller.php?value=PV-voltage', '/nope'];

const TARGET_P99_MS = 10;
const TARGET_IDLE_RSS = 80 * 1024 * 1024;
const PROM_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The baseline: node:http answering a fixed body as large as pimesh's /metrics answer. */
const BASELINE_SOURCE = `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const body = readFileSync(process.env.BASELINE_BODY, 'utf8');
createServer((req, res) => {
  res.setHeader('Content-Type', '${PROM_TYPE}');
  res.end(body);
}).listen(Number(process.env.BASELINE_PORT), '${HOST}');
`;

function fail(message: string): never {
  throw new Error(`metrics bench: ${message}`);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function sequential(port: number, path: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SCRAPES; i++) {
    const r = await timedGet(port, path);
    if (r.status !== 200) fail(`GET ${path} on ${port}: status ${r.status}`);
    times.push(r.ms);
  }
  return times;
}

function expectMetrics(response: TimedResponse): void {
  if (response.status !== 200) fail(`/metrics: status ${response.status}: ${response.body.slice(0, 200)}`);
  for (const family of [
    'pimesh_point_of_entry',
    'pimesh_http_request_duration_seconds_bucket',
    'process_resident_memory_bytes',
  ]) {
    if (!response.body.includes(family)) fail(`/metrics lacks ${family}`);
  }
}

async function startPimesh(
  ctx: BenchContext,
  name: string,
  work: string,
  extra: Record<string, string>,
): Promise<ChildServer> {
  const port = await freePort();
  const cwd = join(work, name);
  mkdirSync(cwd, { recursive: true });
  ctx.progress(`starting ${name} (node dist/cli.js serve) on ${HOST}:${port}`);
  return ctx.processes.start({
    name,
    command: process.execPath,
    args: ['--max-semi-space-size=2', join(ctx.root, 'dist', 'cli.js'), 'serve'],
    env: childEnv({
      PIMESH_PORT: String(port),
      PIMESH_HOST: HOST,
      PIMESH_DATA_DIR: join(work, 'data'),
      PIMESH_PEERS_DIR: join(cwd, 'peers'),
      PIMESH_SCHEDULE: 'off',
      PIMESH_MDNS: 'off',
      PIMESH_CHARGE_CONTROLLER: 'none',
      PIMESH_LOG_LEVEL: 'warn',
      ...extra,
    }),
    cwd,
    port,
  });
}

const memoryRow = (label: string, m: Memory) => [label, mb(m.rssBytes), mb(m.anonBytes), mb(m.fileBytes)];

/**
 * `GET /metrics` of a started node: sequential scrapes (as Prometheus makes them) against a bare
 * node:http server answering a body of the same size, one short concurrent run, and the resident
 * memory before the first scrape (prom-client not loaded), after it, and of a node with metrics off.
 */
export async function metricsBench(ctx: BenchContext): Promise<BenchResult> {
  const work = ctx.tempDir('pimesh-bench-metrics-');
  writeTracerWeek(join(work, 'data'), { days: 1, rowsPerDay: 1440, now: new Date() });
  const pimesh = await startPimesh(ctx, 'pimesh', work, {});
  const off = await startPimesh(ctx, 'pimesh-metrics-off', work, { PIMESH_METRICS: 'off' });
  let baseline: ChildServer | undefined;
  try {
    ctx.progress(`idle ${IDLE_SEC} s, then VmRSS of both nodes`);
    await sleep(IDLE_SEC * 1000);
    const idle = readMemory(pimesh.pid);
    const idleOff = readMemory(off.pid);

    for (const path of TRAFFIC) for (let i = 0; i < 20; i++) await timedGet(pimesh.port, path);
    const cold = await timedGet(pimesh.port, '/metrics');
    expectMetrics(cold);
    const firstScrape = readMemory(pimesh.pid);

    const bodyFile = join(work, 'metrics-body.txt');
    writeFileSync(bodyFile, cold.body);
    writeFileSync(join(work, 'baseline.mjs'), BASELINE_SOURCE);
    const baselinePort = await freePort();
    baseline = await ctx.processes.start({
      name: 'baseline',
      command: process.execPath,
      args: [join(work, 'baseline.mjs')],
      env: childEnv({ BASELINE_PORT: String(baselinePort), BASELINE_BODY: bodyFile }),
      cwd: work,
      port: baselinePort,
    });

    ctx.progress(`${SCRAPES} sequential scrapes each: baseline, pimesh /metrics (interleaved twice)`);
    const base: number[] = [];
    const scrape: number[] = [];
    for (let round = 0; round < 2; round++) {
      base.push(...(await sequential(baseline.port, '/')));
      scrape.push(...(await sequential(pimesh.port, '/metrics')));
    }
    ctx.progress(`/metrics under load: ${LOAD_CONNECTIONS} connections, ${LOAD_SEC} s`);
    const url = `http://${HOST}:${pimesh.port}/metrics`;
    const load = await ctx.load.run({
      url,
      connections: LOAD_CONNECTIONS,
      durationSec: LOAD_SEC,
      warmupSec: 0,
    });
    const after = readMemory(pimesh.pid);
    if (pimesh.child.exitCode !== null) fail(`pimesh died. Output:\n${pimesh.output()}`);

    const p99 = quantile(scrape, 0.99);
    const baseP99 = quantile(base, 0.99);
    const checks: BenchCheck[] = [
      {
        name: '/metrics scrape p99 (sequential)',
        target: `< ${TARGET_P99_MS} ms`,
        measured: ms(p99),
        pass: p99 < TARGET_P99_MS,
      },
      {
        name: 'idle RSS of pimesh serve (metrics on, not yet scraped)',
        target: `< ${mb(TARGET_IDLE_RSS)}`,
        measured: mb(idle.rssBytes),
        pass: idle.rssBytes < TARGET_IDLE_RSS,
      },
    ];
    const row = (label: string, t: number[]) => [
      label,
      ms(median(t)),
      ms(quantile(t, 0.9)),
      ms(quantile(t, 0.99)),
      ms(Math.max(...t)),
    ];
    return {
      name: 'Prometheus: GET /metrics',
      tables: [
        {
          title: `Sequential scrapes: ${SCRAPES * 2} each (2 interleaved rounds), fresh TCP connection each, ${fmt(Buffer.byteLength(cold.body) / 1024, 1)} KB body`,
          columns: ['server', 'p50', 'p90', 'p99', 'max'],
          rows: [
            row('baseline node:http, same body', base),
            row('pimesh /metrics', scrape),
            [
              'pimesh / baseline',
              `${fmt(median(scrape) / median(base), 2)}x`,
              '',
              `${fmt(p99 / baseP99, 2)}x`,
              '',
            ],
          ],
        },
        {
          title: `Under load: ${LOAD_CONNECTIONS} keep-alive connections, ${LOAD_SEC} s (far beyond any scrape rate)`,
          columns: ['server', 'req/s', 'p50', 'p99', 'max', 'errors'],
          rows: [
            [
              'pimesh /metrics',
              fmt(load.rps),
              ms(load.p50Ms),
              ms(load.p99Ms),
              ms(load.maxMs),
              String(load.errors),
            ],
          ],
        },
        {
          title: 'Resident memory (VmRSS, from /proc/<pid>/status)',
          columns: ['process, when', 'VmRSS', 'anon', 'file'],
          rows: [
            memoryRow(`metrics off (PIMESH_METRICS=off): idle ${IDLE_SEC} s after start`, idleOff),
            memoryRow(`metrics on: idle ${IDLE_SEC} s after start, before any scrape`, idle),
            memoryRow('metrics on: after the first scrape (prom-client loaded)', firstScrape),
            memoryRow('metrics on: after every scrape and the load run', after),
          ],
          align: ['l', 'r', 'r', 'r'],
        },
        {
          title: 'Single requests',
          columns: ['request', 'latency'],
          rows: [['first scrape (loads prom-client, builds the registry)', ms(cold.ms)]],
        },
      ],
      checks,
      notes: [
        'pimesh env: PIMESH_SCHEDULE=off PIMESH_MDNS=off PIMESH_CHARGE_CONTROLLER=none PIMESH_LOG_LEVEL=warn, ' +
          `one day of tracer rows; ${TRAFFIC.length * 20} requests over ${TRAFFIC.length} routes before scraping.`,
        'Baseline: plain node serving the captured /metrics body as a fixed string, so the ratio is the cost ' +
          'of collecting and formatting the metrics.',
        `Load: ${ctx.load.description}. Client and servers share the same CPUs.`,
      ],
    };
  } finally {
    await baseline?.stop();
    await off.stop();
    await pimesh.stop();
  }
}
