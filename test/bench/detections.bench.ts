/**
 * BLE detections (the TFG backend's API): how many detections a second HTTP bulk makes durable, and
 * how fast the statistics answer over a million stored detections. The service (dist/, the daemon's
 * V8 flags, a real HTTP server with /ws) runs in a child process on a fresh database: the SQLite
 * file (synchronous=FULL) and, when PostgreSQL's server binaries are installed, a PostgreSQL cluster
 * started for the run (fsync on). The client posts 1,000,000 detections in 500-detection bulks over
 * 4 keep-alive connections (three agents, the week before now, ~40 devices in range at a time and
 * the population turning over about every hour), checks they are all counted, then times the queries.
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { BenchContext } from './lib/context.js';
import { type CpuUse, watchCpu } from './lib/cpu.js';
import type { LoadResult } from './lib/load.js';
import { type BenchCheck, type BenchResult, fmt, mb, ms } from './lib/report.js';
import { childEnv, freePort, HOST, readMemory } from './lib/servers.js';

const TOTAL = Number(process.env.PIMESH_BENCH_DETECTIONS ?? 1_000_000);
const BATCH = 500;
const CONNECTIONS = 4;
const AGENT_BATCH = 25;
const AGENT_SEC = 5;
const KEY = 'bench-key';
const TARGET_RATE = 50_000;
const TARGET_P99_MS = 50;
const SEQUENTIAL = 200;
const DAY_MS = 86_400_000;

/** The routes timed, and whether a target applies. */
const QUERIES: { path: string; target: boolean }[] = [
  { path: '/api/v1/statistics/realtime', target: true },
  { path: '/api/v1/statistics/histogram?range=week', target: true },
  { path: '/api/v1/statistics/histogram?range=today', target: false },
  { path: '/api/v1/statistics/histogram?range=hour', target: false },
  { path: '/api/v1/statistics/realtime?minutes=1440', target: false },
  { path: '/api/v1/statistics/realtime?minutes=10080', target: false },
  { path: '/api/v1/statistics/daily', target: false },
  { path: '/api/v1/detections/count', target: false },
  { path: '/api/v1/detections/recent', target: false },
];

const CHILD_SOURCE = `import { createRequire } from 'node:module';
const root = process.env.PIMESH_DIST;
const require = createRequire(process.env.PIMESH_ROOT + 'package.json');
await import(root + 'low-memory.js');
const Koa = require('koa');
const Router = require('@koa/router');
const { Detections, detectionsConfigSchema } = await import(root + 'ingest/detections/index.js');
const { detectionsRoutes } = await import(root + 'http/routes/detections.js');
const { attachDetectionsWebSocket } = await import(root + 'http/detections-ws.js');
const { createHttpServer } = await import(root + 'http/server.js');
const { errorMiddleware } = await import(root + 'http/errors.js');
const { createLogger } = await import(root + 'log.js');
const log = createLogger('warn');
const config = detectionsConfigSchema.parse({
  key: '${KEY}',
  dbPath: process.env.DETECTIONS_DB,
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
});
const detections = new Detections({ config, dataDir: '.', log });
await detections.start();
const app = new Koa();
app.use(errorMiddleware);
const router = new Router();
detectionsRoutes(router, { detections });
app.use(router.routes());
const server = createHttpServer(app.callback());
const ws = attachDetectionsWebSocket(server, { detections, log });
server.listen(Number(process.env.BENCH_PORT), '${HOST}');
process.once('SIGTERM', async () => {
  await ws.close();
  server.close();
  server.closeAllConnections();
  await detections.stop();
  process.exit(0);
});
`;

function fail(message: string): never {
  throw new Error(`detections bench: ${message}`);
}

/** One request on a keep-alive agent; status, body and milliseconds to the last byte. */
function call(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const headers: Record<string, string> = { 'X-API-Key': KEY };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const req = request({ host: HOST, port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        }),
      );
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Batch `b` of the week: its agent, and detections in time order, ~40 devices at a time. */
function batchBody(b: number, batches: number, size: number, weekStart: number): string {
  const agent = `rpi-00${b % 3}`;
  const t0 = weekStart + Math.floor((b / batches) * 7 * DAY_MS);
  const detections = [];
  for (let i = 0; i < size; i++) {
    const k = b * size + i;
    const device = (Math.floor(k / 6600) * 37 + (k % 40)) % 50_000;
    detections.push({
      device_hash: device.toString(16).padStart(64, '0'),
      rssi: -40 - (k % 60),
      zone: 'near',
      timestamp: new Date(t0 + i * 100).toISOString(),
    });
  }
  return JSON.stringify({ device_id: agent, detections });
}

/** Posts `batches` bulks over CONNECTIONS connections; detections counted by the service. */
async function postAll(port: number, batches: number, body: (b: number) => string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let next = 0;
  let stored = 0;
  const worker = async () => {
    for (let b = next++; b < batches; b = next++) {
      const res = await call(agent, port, 'POST', '/api/v1/detections/bulk', body(b));
      if (res.status !== 200) fail(`bulk ${b} answered ${res.status}: ${res.body.slice(0, 300)}`);
      stored += (JSON.parse(res.body) as { count: number }).count;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  return stored;
}

interface QueryResult {
  path: string;
  target: boolean;
  sequential: { p50: number; p99: number; max: number };
  load?: LoadResult;
}

interface BackendResult {
  label: string;
  rate: number;
  seconds: number;
  cpu: CpuUse;
  agentRate: number;
  queries: QueryResult[];
  idleRss: number;
  peakRss: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function timeQueries(ctx: BenchContext, port: number): Promise<QueryResult[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const results: QueryResult[] = [];
  for (const q of QUERIES) {
    const times: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const res = await call(agent, port, 'GET', q.path);
      if (res.status !== 200) fail(`${q.path} answered ${res.status}: ${res.body.slice(0, 300)}`);
      times.push(res.ms);
    }
    times.sort((a, b) => a - b);
    const sequential = {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      max: times[times.length - 1],
    };
    const load = q.target
      ? await ctx.load.run({
          url: `http://${HOST}:${port}${q.path}`,
          connections: 10,
          durationSec: 5,
          warmupSec: 1,
        })
      : undefined;
    if (load && load.errors > 0) fail(`${q.path} under load: ${load.errors} errors`);
    results.push({ path: q.path, target: q.target, sequential, load });
  }
  agent.destroy();
  return results;
}

async function runBackend(
  ctx: BenchContext,
  script: string,
  label: string,
  databaseUrl?: string,
): Promise<BackendResult> {
  const dir = ctx.tempDir('pimesh-bench-detections-');
  const port = await freePort();
  const child = await ctx.processes.start({
    name: `detections (${label})`,
    command: process.execPath,
    args: ['--max-semi-space-size=2', script],
    env: childEnv({
      PIMESH_DIST: `${pathToFileURL(join(ctx.root, 'dist')).href}/`,
      PIMESH_ROOT: `${ctx.root.replace(/\/?$/, '/')}`,
      BENCH_PORT: String(port),
      DETECTIONS_DB: join(dir, 'detections.db'),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
    cwd: dir,
    port,
    startTimeoutMs: 30_000,
  });
  try {
    await sleep(1000);
    const idleRss = readMemory(child.pid).rssBytes;
    let peakRss = idleRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, readMemory(child.pid).rssBytes);
    }, 200);
    const batches = Math.ceil(TOTAL / BATCH);
    const weekStart = Date.now() - 7 * DAY_MS;
    ctx.progress(`detections on ${label}: ${fmt(TOTAL)} detections in bulks of ${BATCH}`);
    const watch = watchCpu([child.pid]);
    const started = performance.now();
    const stored = await postAll(port, batches, (b) => batchBody(b, batches, BATCH, weekStart));
    const seconds = (performance.now() - started) / 1000;
    const cpu = watch.stop();
    if (stored !== batches * BATCH) fail(`${batches * BATCH} detections posted, ${stored} stored`);
    const all = await call(
      new Agent(),
      port,
      'GET',
      '/api/v1/statistics/range?start_time=2000-01-01T00:00:00Z&end_time=2100-01-01T00:00:00Z',
    );
    const counted = (JSON.parse(all.body) as { total: { total_detections: number } }).total.total_detections;
    if (counted !== stored) fail(`${stored} detections stored, ${counted} counted by statistics/range`);
    ctx.progress(`detections on ${label}: queries over ${fmt(stored)} detections`);
    const queries = await timeQueries(ctx, port);
    ctx.progress(`detections on ${label}: agent-sized bulks of ${AGENT_BATCH} for ${AGENT_SEC} s`);
    const agentStart = performance.now();
    let agentStored = 0;
    for (let round = 0; performance.now() - agentStart < AGENT_SEC * 1000; round++) {
      agentStored += await postAll(port, 40, (b) =>
        batchBody(round * 40 + b, 1_000_000, AGENT_BATCH, Date.now() - DAY_MS),
      );
    }
    const agentRate = agentStored / ((performance.now() - agentStart) / 1000);
    clearInterval(sampler);
    if (child.child.exitCode !== null) fail(`the service died. Output:\n${child.output()}`);
    return { label, rate: stored / seconds, seconds, cpu, agentRate, queries, idleRss, peakRss };
  } finally {
    await child.stop();
  }
}

function checksOf(r: BackendResult): BenchCheck[] {
  if (r.label !== 'SQLite') return [];
  const checks: BenchCheck[] = [
    {
      name: `HTTP bulk detections/s stored (${r.label})`,
      target: `>= ${fmt(TARGET_RATE)}`,
      measured: fmt(r.rate, 0),
      pass: r.rate >= TARGET_RATE,
    },
  ];
  for (const q of r.queries.filter((x) => x.target && x.load)) {
    const p99 = Math.max(q.load?.p99Ms ?? Number.POSITIVE_INFINITY, q.sequential.p99);
    checks.push({
      name: `${q.path.replace('/api/v1/', '')} p99 over ${fmt(TOTAL)} detections (${r.label})`,
      target: `< ${TARGET_P99_MS} ms`,
      measured: `${ms(q.sequential.p99)} one at a time, ${ms(q.load?.p99Ms ?? Number.NaN)} at 10 connections`,
      pass: p99 < TARGET_P99_MS,
    });
  }
  return checks;
}

export async function detectionsBench(ctx: BenchContext): Promise<BenchResult> {
  const script = join(ctx.tempDir('pimesh-bench-detections-child-'), 'detections-child.mjs');
  writeFileSync(script, CHILD_SOURCE);
  const results = [await runBackend(ctx, script, 'SQLite')];
  const notes: string[] = [];
  // Loaded here: the helper is shared with the tests, which load ava only when they use it.
  const { PostgresCluster, postgresServer } = await import('../helpers/postgres.js');
  if (!postgresServer.ok) notes.push(`PostgreSQL not measured: ${postgresServer.missing}.`);
  const pg = postgresServer.ok
    ? await PostgresCluster.start({ durable: true }).catch((error: Error) => {
        notes.push(`PostgreSQL not measured: ${error.message.split('\n')[0]}`);
        return undefined;
      })
    : undefined;
  if (pg) {
    try {
      results.push(await runBackend(ctx, script, 'PostgreSQL', pg.url));
    } finally {
      await pg.stop();
    }
  }
  return {
    name: 'BLE detections (TFG backend API)',
    tables: [
      {
        title: `HTTP bulk: ${fmt(TOTAL)} detections in bulks of ${BATCH} over ${CONNECTIONS} keep-alive connections; agent-sized bulks of ${AGENT_BATCH} for ${AGENT_SEC} s after`,
        columns: [
          'store',
          'detections/s',
          'seconds',
          'service CPU',
          'client CPU',
          'agent-sized detections/s',
          'idle RSS',
          'peak RSS',
        ],
        rows: results.map((r) => [
          r.label,
          fmt(r.rate, 0),
          fmt(r.seconds, 1),
          `${fmt(r.cpu.servers, 2)} cores`,
          `${fmt(r.cpu.client, 2)} cores`,
          fmt(r.agentRate, 0),
          mb(r.idleRss),
          mb(r.peakRss),
        ]),
      },
      {
        title: `Queries over the ${fmt(TOTAL)} detections: ${SEQUENTIAL} one after the other on one keep-alive connection, then the targets under the load tool (10 connections, 5 s)`,
        columns: ['store', 'path', 'p50', 'p99', 'max', 'load req/s', 'load p99'],
        rows: results.flatMap((r) =>
          r.queries.map((q) => [
            r.label,
            q.path.replace('/api/v1/', ''),
            ms(q.sequential.p50),
            ms(q.sequential.p99),
            ms(q.sequential.max),
            q.load ? fmt(q.load.rps, 0) : '-',
            q.load ? ms(q.load.p99Ms) : '-',
          ]),
        ),
      },
    ],
    checks: results.flatMap(checksOf),
    notes: [
      'Stored: answered 200 by the bulk route, i.e. committed (SQLite synchronous=FULL, PostgreSQL fsync on); the bench checks statistics/range counts every one of them.',
      'realtime is the dashboard default (the last 5 minutes, ~500 detections); minutes=1440 and 10080 cover a day and the week, read from the hour and day buckets of the rollup plus raw rows at the edges.',
      'histogram?range=week reads seven day buckets of distinct-device counters; today reads the hours of the day; hour reads the raw rows of the current hour.',
      ...notes,
    ],
  };
}
