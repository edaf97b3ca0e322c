import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './lib/context.js';
import { type CpuUse, watchCpu } from './lib/cpu.js';
import type { LoadResult } from './lib/load.js';
import { type BenchCheck, type BenchResult, fmt, mb, ms } from './lib/report.js';
import { median, type TimedResponse, timedGet } from './lib/request.js';
import { type ChildServer, childEnv, freePort, HOST, type Memory, readMemory } from './lib/servers.js';
import { type TracerWeek, writeTracerWeek } from './lib/tracer-fixture.js';

const PV_VOLTAGE = '/api/v1/chargecontroller.php?value=PV-voltage';
const SEVEN_DAYS = '/api/v1/chargecontroller.php?value=PV-power-L&duration=7';
const PHP_TYPE = 'text/html; charset=UTF-8';

const WARMUP_SEC = 1;
const DURATION_SEC = 2;
const CONNECTIONS = 10;
/** Load runs are repeated, interleaved, and the best round kept: other work on a shared machine only slows. */
const ROUNDS = 8;
const IDLE_SEC = 2;
const WARM_SAMPLES = 20;

const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 20;
const TARGET_IDLE_RSS = 80 * 1024 * 1024;

/** The baseline: node:http and nothing else, answering what `value=PV-voltage` answers. */
const BASELINE_SOURCE = `import { createServer } from 'node:http';
const body = '13.23';
createServer((req, res) => {
  res.setHeader('Content-Type', '${PHP_TYPE}');
  res.end(body);
}).listen(Number(process.env.BASELINE_PORT), '${HOST}');
`;

function fail(message: string): never {
  throw new Error(`solar API bench: ${message}`);
}

function expectPhpText(name: string, response: TimedResponse): void {
  if (response.status !== 200)
    fail(`${name}: status ${response.status}, body ${response.body.slice(0, 200)}`);
  if (response.headers['content-type'] !== PHP_TYPE) {
    fail(`${name}: Content-Type ${String(response.headers['content-type'])}, expected ${PHP_TYPE}`);
  }
}

/** The 7-day answer must be one JSON object: every row's datetime plus the "datetime" header key. */
function checkSevenDays(response: TimedResponse, week: TracerWeek): number {
  expectPhpText('7-day query', response);
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch (error) {
    fail(`7-day query: body is not JSON (${(error as Error).message}): ${response.body.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail(`7-day query: body is not a JSON object: ${response.body.slice(0, 200)}`);
  }
  const keys = Object.keys(parsed).length;
  const expected = week.rows + 1;
  if (keys !== expected)
    fail(`7-day query: ${keys} keys, expected ${expected} (${week.rows} rows + "datetime")`);
  return keys;
}

const memoryCells = (m: Memory) => [mb(m.rssBytes), mb(m.anonBytes), mb(m.fileBytes)];

interface Run {
  round: number;
  result: LoadResult;
  cpu: CpuUse;
}

interface LoadCase {
  label: string;
  server: ChildServer;
  path: string;
}

/**
 * The Solar Protocol API under load against a bare node:http baseline, both child processes on
 * 127.0.0.1, plus cold/warm single-request latency and the daemon's resident memory.
 */
export async function solarApiBench(ctx: BenchContext): Promise<BenchResult> {
  const work = ctx.tempDir('pimesh-bench-solar-');
  const dataDir = join(work, 'data');
  const peersDir = join(work, 'peers');
  const cwd = join(work, 'cwd');
  for (const dir of [dataDir, peersDir, cwd]) mkdirSync(dir, { recursive: true });

  ctx.progress('writing 7 days of tracerData (1,440 rows a day)');
  const week = writeTracerWeek(dataDir, { days: 7, rowsPerDay: 1440, now: new Date() });

  const baselineScript = join(work, 'baseline.mjs');
  writeFileSync(baselineScript, BASELINE_SOURCE);
  const baselinePort = await freePort();
  ctx.progress(`starting baseline (node ${baselineScript}) on ${HOST}:${baselinePort}`);
  const baseline = await ctx.processes.start({
    name: 'baseline',
    command: process.execPath,
    args: [baselineScript],
    env: childEnv({ BASELINE_PORT: String(baselinePort) }),
    cwd,
    port: baselinePort,
  });

  const pimeshPort = await freePort();
  const cli = join(ctx.root, 'dist', 'cli.js');
  ctx.progress(`starting pimesh (node ${cli} serve) on ${HOST}:${pimeshPort}`);
  const pimesh = await ctx.processes.start({
    name: 'pimesh serve',
    command: process.execPath,
    args: ['--max-semi-space-size=2', cli, 'serve'],
    env: childEnv({
      PIMESH_PORT: String(pimeshPort),
      PIMESH_HOST: HOST,
      PIMESH_DATA_DIR: dataDir,
      PIMESH_PEERS_DIR: peersDir,
      PIMESH_SCHEDULE: 'off',
      PIMESH_MDNS: 'off',
      PIMESH_CHARGE_CONTROLLER: 'none',
      PIMESH_LOG_LEVEL: 'warn',
      // The site and the dashboard on, as a node serving its website runs.
      PIMESH_SITE_DIR: join(ctx.root, 'test', 'fixtures', 'site'),
    }),
    cwd,
    port: pimeshPort,
  });

  try {
    ctx.progress(`idle ${IDLE_SEC} s, then VmRSS of pid ${pimesh.pid}`);
    await sleep(IDLE_SEC * 1000);
    const idle = readMemory(pimesh.pid);
    const baselineIdle = readMemory(baseline.pid);
    // The first views of the dashboard and the site load their modules; then idle again.
    for (const path of ['/dashboard', '/dashboard.css', '/', '/style.css', '/api/dashboard'])
      await timedGet(pimesh.port, path);
    await sleep(IDLE_SEC * 1000);
    const viewed = readMemory(pimesh.pid);

    ctx.progress('single requests: cold and warm 7-day query');
    const cold = await timedGet(pimesh.port, SEVEN_DAYS);
    const keys = checkSevenDays(cold, week);
    const firstWarm = await timedGet(pimesh.port, SEVEN_DAYS);
    if (firstWarm.body !== cold.body) fail('7-day query: a second request answered differently');
    const warmTimes: number[] = [];
    for (let i = 0; i < WARM_SAMPLES; i++) warmTimes.push((await timedGet(pimesh.port, SEVEN_DAYS)).ms);

    const pv = await timedGet(pimesh.port, PV_VOLTAGE);
    expectPhpText('value=PV-voltage', pv);
    const expectedPv = week.latest['PV voltage'];
    if (pv.body !== expectedPv) fail(`value=PV-voltage answered "${pv.body}", expected "${expectedPv}"`);
    const base = await timedGet(baseline.port, '/');
    expectPhpText('baseline', base);
    const cached = readMemory(pimesh.pid);

    const cases: LoadCase[] = [
      { label: 'baseline node:http', server: baseline, path: '/' },
      { label: 'pimesh value=PV-voltage', server: pimesh, path: PV_VOLTAGE },
      { label: 'pimesh 7-day PV-power-L', server: pimesh, path: SEVEN_DAYS },
    ];
    const runs: Run[][] = cases.map(() => []);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [0, 1, 2] : [1, 0, 2];
      for (const k of order) {
        const c = cases[k];
        ctx.progress(
          `load round ${round}/${ROUNDS}: ${c.label} (${WARMUP_SEC} s warm-up + ${DURATION_SEC} s, ` +
            `${CONNECTIONS} connections)`,
        );
        const url = `http://${HOST}:${c.server.port}${c.path}`;
        const options = { url, connections: CONNECTIONS, durationSec: DURATION_SEC, warmupSec: 0 };
        await ctx.load.run({ ...options, durationSec: WARMUP_SEC });
        const watch = watchCpu([baseline.pid, pimesh.pid]);
        const result = await ctx.load.run(options);
        runs[k].push({ round, result, cpu: watch.stop() });
        if (c.server.child.exitCode !== null || c.server.child.signalCode !== null) {
          fail(`${c.server.name} died during the load run. Output:\n${c.server.output()}`);
        }
      }
    }
    const after = readMemory(pimesh.pid);

    const best = runs.map((r) => r.reduce((a, b) => (b.result.rps > a.result.rps ? b : a)).result);
    const [baseRun, pvRun, weekRun] = best;
    const paired = runs[1].map((run, i) => run.result.rps / runs[0][i].result.rps);
    const ratio = median(paired);
    const pct = (r: number) => `${fmt(r * 100, 1)}%`;
    const checks: BenchCheck[] = [
      {
        name: "value=PV-voltage throughput (median of the rounds' paired ratios)",
        target: `>= ${TARGET_RATIO * 100}% of baseline req/s`,
        measured:
          `${pct(ratio)} (rounds: ${paired.map(pct).join(', ')}; ` +
          `best against best ${pct(pvRun.rps / baseRun.rps)}: ${fmt(pvRun.rps)} / ${fmt(baseRun.rps)})`,
        pass: ratio >= TARGET_RATIO,
      },
      {
        name: '7-day query p99 under load',
        target: `< ${TARGET_P99_MS} ms`,
        measured: ms(weekRun.p99Ms),
        pass: weekRun.p99Ms < TARGET_P99_MS,
      },
      {
        name: 'idle RSS of pimesh serve (site and dashboard on)',
        target: `< ${mb(TARGET_IDLE_RSS)}`,
        measured: mb(idle.rssBytes),
        pass: idle.rssBytes < TARGET_IDLE_RSS,
      },
    ];

    const bodyKb = (body: string) => `${fmt(Buffer.byteLength(body) / 1024, 0)} KB`;
    return {
      name: 'Solar Protocol API: GET /api/v1/chargecontroller.php',
      tables: [
        {
          title:
            `Load: ${CONNECTIONS} keep-alive connections, ${WARMUP_SEC} s warm-up (discarded) + ` +
            `${DURATION_SEC} s measured; ${ROUNDS} interleaved rounds, the round with the most req/s shown ` +
            '(every round in the next table)',
          columns: ['server / query', 'req/s', 'p50', 'p90', 'p99', 'max', 'MB/s', 'errors', 'vs baseline'],
          rows: cases.map((c, k) => {
            const r = best[k];
            return [
              c.label,
              fmt(r.rps),
              ms(r.p50Ms),
              ms(r.p90Ms),
              ms(r.p99Ms),
              ms(r.maxMs),
              fmt(r.bytes / r.durationSec / 1024 / 1024, 1),
              String(runs[k].reduce((sum, run) => sum + run.result.errors, 0)),
              `${fmt(r.rps / baseRun.rps, 2)}x`,
            ];
          }),
        },
        {
          title:
            `Every round. CPU in cores (of ${cpus().length}) over the measured seconds: servers under test, client ` +
            '(runner + load generator), irq (interrupts, mostly loopback TCP), others (other processes: noise)',
          columns: ['server / query', 'round', 'req/s', 'p99', 'servers', 'client', 'irq', 'others'],
          rows: cases.flatMap((c, k) =>
            runs[k].map((run) => [
              c.label,
              String(run.round),
              fmt(run.result.rps),
              ms(run.result.p99Ms),
              fmt(run.cpu.servers, 2),
              fmt(run.cpu.client, 2),
              fmt(run.cpu.irq, 2),
              fmt(run.cpu.others, 2),
            ]),
          ),
        },
        {
          title: `Single requests: 7-day query (${keys} keys, ${bodyKb(cold.body)}), fresh TCP connection each`,
          columns: ['request', 'latency'],
          rows: [
            ['cold: first request after start (parses 7 files)', ms(cold.ms)],
            ['warm: next request (cache filled)', ms(firstWarm.ms)],
            [`warm: median of ${WARM_SAMPLES} sequential requests`, ms(median(warmTimes))],
            [`warm: fastest of ${WARM_SAMPLES}`, ms(Math.min(...warmTimes))],
          ],
        },
        {
          title: 'Resident memory (VmRSS = RssAnon + RssFile/RssShmem, from /proc/<pid>/status)',
          columns: ['process, when', 'VmRSS', 'anon', 'file'],
          rows: [
            [`pimesh: idle, ${IDLE_SEC} s after the port answered, no request yet`, ...memoryCells(idle)],
            [
              'pimesh: after the first dashboard and site views (a week of rows parsed for the charts)',
              ...memoryCells(viewed),
            ],
            ['pimesh: after the single requests (7-day answer cached)', ...memoryCells(cached)],
            ['pimesh: after the load runs', ...memoryCells(after)],
            ['pimesh: peak (VmHWM) over the whole run', mb(after.hwmBytes), '', ''],
            ['baseline node:http: idle, for reference', ...memoryCells(baselineIdle)],
          ],
          align: ['l', 'r', 'r', 'r'],
        },
        {
          title:
            'Processes (spawned directly with this node, no npm/shell; time from spawn to port accepting TCP)',
          columns: ['process', 'pid', 'start'],
          rows: [
            [`baseline: node ${baselineScript}`, String(baseline.pid), ms(baseline.startMs)],
            [`pimesh: node dist/cli.js serve`, String(pimesh.pid), ms(pimesh.startMs)],
          ],
        },
      ],
      checks,
      notes: [
        `Data: ${week.files.length} files ${week.files[0]} .. ${week.files.at(-1)} (local dates ending today), ` +
          `${fmt(week.rows, 0)} rows, generated deterministically in a temp dir.`,
        `pimesh env: PIMESH_SCHEDULE=off PIMESH_MDNS=off PIMESH_CHARGE_CONTROLLER=none PIMESH_LOG_LEVEL=warn, ` +
          'cwd a temp dir (no pimesh.config.json, no local.json); NODE_OPTIONS and other PIMESH_* unset.',
        'Baseline: a generated .mjs run by plain node (no loader, no framework): node:http answering ' +
          `"13.23" as ${PHP_TYPE}, a body the size of a value=PV-voltage answer.`,
        `Load: ${ctx.load.description}. Client and servers share the same CPUs.`,
        'Single requests: node:http client, agent off (new TCP connection each), timed to the last body byte.',
        'The 7-day body was checked once: a JSON object of rows + 1 keys; value=PV-voltage was checked ' +
          "against today's last row.",
        'MB = 1024 x 1024 bytes. The RSS target is on VmRSS, which includes the file-backed pages of ' +
          'the node binary itself (compare the baseline row).',
        'Other processes on the machine (the "others" CPU column, the load average in the header) and a ' +
          "virtual CPU's changing speed move the figures from one window to the next: each case runs in " +
          'interleaved rounds, its best round is shown, and the throughput target is judged on the median ' +
          "of the rounds' paired ratios (PV case / baseline, measured back to back), which one lucky or " +
          'unlucky window cannot decide.',
      ],
    };
  } finally {
    await pimesh.stop();
    await baseline.stop();
  }
}
