/**
 * Does the node give memory back after a burst? `pimesh serve` (dist/) gets 60 s of 200 keep-alive
 * connections rotating over four paths (the fast PV path, a 7-day answer, and two Koa JSON routes),
 * then its VmRSS is read every second for 30 s. Run twice: with the node's low-memory V8 flags (the
 * default) and with PIMESH_LOW_MEMORY=off, in the same run, so the flags' effect is a ratio.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './lib/context.js';
import { WRK_PATH } from './lib/load.js';
import { type BenchCheck, type BenchResult, fmt, mb } from './lib/report.js';
import { timedGet } from './lib/request.js';
import { childEnv, freePort, HOST, readMemory } from './lib/servers.js';
import { writeTracerWeek } from './lib/tracer-fixture.js';

const PATHS = [
  '/api/v1/chargecontroller.php?value=PV-voltage',
  '/api/v1/chargecontroller.php?value=PV-power-L&duration=7',
  '/api/status',
  '/api/election',
];
const CONNECTIONS = 200;
const LOAD_SEC = Number(process.env.PIMESH_BENCH_MEMORY_SEC ?? 60);
const WATCH_SEC = 30;
const IDLE_SEC = 2;
const TARGET_BACK_BYTES = 15 * 1024 * 1024;

/** wrk's request() hook, one path after the other on every connection. */
const ROTATE_SCRIPT = `local paths = { ${PATHS.map((p) => `"${p}"`).join(', ')} }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
`;

interface Trace {
  mode: string;
  idle: number;
  afterLoad: number;
  peak: number;
  /** VmRSS every second after the load, index 0 = 1 s. */
  after: number[];
  /** Seconds until VmRSS was within the target of idle, or undefined. */
  backAfterSec: number | undefined;
  rps: number;
}

function runWrk(script: string, port: number): Promise<number> {
  const args = [
    `-t1`,
    `-c${CONNECTIONS}`,
    `-d${LOAD_SEC}s`,
    '--timeout',
    '5s',
    '-s',
    script,
    `http://${HOST}:${port}/`,
  ];
  return new Promise((resolve, reject) => {
    execFile(WRK_PATH, args, { timeout: (LOAD_SEC + 20) * 1000, killSignal: 'SIGKILL' }, (error, stdout) => {
      if (error) reject(error);
      else resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN));
    });
  });
}

async function trace(ctx: BenchContext, mode: 'on' | 'off', dirs: Record<string, string>, script: string) {
  const port = await freePort();
  const server = await ctx.processes.start({
    name: `pimesh serve (low memory ${mode})`,
    command: process.execPath,
    // As the launch lines start it (package.json, deploy/pimesh.service, the shebang), or with V8's defaults.
    args: [...(mode === 'on' ? ['--max-semi-space-size=2'] : []), join(ctx.root, 'dist', 'cli.js'), 'serve'],
    env: childEnv({
      PIMESH_PORT: String(port),
      PIMESH_HOST: HOST,
      PIMESH_DATA_DIR: dirs.data,
      PIMESH_PEERS_DIR: dirs.peers,
      PIMESH_SCHEDULE: 'off',
      PIMESH_MDNS: 'off',
      PIMESH_CHARGE_CONTROLLER: 'none',
      PIMESH_LOG_LEVEL: 'warn',
      PIMESH_LOW_MEMORY: mode,
    }),
    cwd: dirs.cwd,
    port,
  });
  try {
    // Every route once, so modules loaded on first use count as idle, not as growth.
    for (const path of PATHS) {
      const res = await timedGet(port, path);
      if (res.status !== 200) throw new Error(`memory bench: ${path} answered ${res.status}`);
    }
    await sleep(IDLE_SEC * 1000);
    const idle = readMemory(server.pid).rssBytes;
    ctx.progress(`low memory ${mode}: ${CONNECTIONS} connections for ${LOAD_SEC} s`);
    const rps = await runWrk(script, port);
    const load = readMemory(server.pid);
    const after: number[] = [];
    let backAfterSec: number | undefined;
    for (let s = 1; s <= WATCH_SEC; s++) {
      await sleep(1000);
      const rss = readMemory(server.pid).rssBytes;
      after.push(rss);
      if (backAfterSec === undefined && rss - idle <= TARGET_BACK_BYTES) backAfterSec = s;
    }
    return { mode, idle, afterLoad: load.rssBytes, peak: load.hwmBytes, after, backAfterSec, rps } as Trace;
  } finally {
    await server.stop();
  }
}

export async function memoryRecoveryBench(ctx: BenchContext): Promise<BenchResult> {
  const work = ctx.tempDir('pimesh-bench-memory-');
  const dirs = { data: join(work, 'data'), peers: join(work, 'peers'), cwd: join(work, 'cwd') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  writeTracerWeek(dirs.data, { days: 7, rowsPerDay: 1440, now: new Date() });
  const script = join(work, 'rotate.lua');
  writeFileSync(script, ROTATE_SCRIPT);

  const traces = [await trace(ctx, 'on', dirs, script), await trace(ctx, 'off', dirs, script)];
  const above = (t: Trace, i: number) => mb(t.after[i] - t.idle);
  const checks: BenchCheck[] = traces
    .filter((t) => t.mode === 'on')
    .map((t) => ({
      name: `RSS back within ${mb(TARGET_BACK_BYTES)} of idle after ${LOAD_SEC} s of ${CONNECTIONS} connections`,
      target: `within ${WATCH_SEC} s`,
      measured:
        t.backAfterSec === undefined
          ? `still ${above(t, WATCH_SEC - 1)} above at ${WATCH_SEC} s`
          : `${t.backAfterSec} s`,
      pass: t.backAfterSec !== undefined,
    }));
  return {
    name: 'Memory after a load burst',
    tables: [
      {
        title: `VmRSS of pimesh serve: idle, right after ${LOAD_SEC} s of ${CONNECTIONS} connections, then every few seconds`,
        columns: [
          'V8 flags',
          'req/s',
          'idle',
          'end of load',
          'peak',
          '+5 s',
          '+10 s',
          '+30 s',
          'back within 15 MB after',
        ],
        rows: traces.map((t) => [
          t.mode === 'on' ? 'low memory (default)' : 'PIMESH_LOW_MEMORY=off',
          fmt(t.rps, 0),
          mb(t.idle),
          mb(t.afterLoad),
          mb(t.peak),
          mb(t.after[4]),
          mb(t.after[9]),
          mb(t.after[WATCH_SEC - 1]),
          t.backAfterSec === undefined ? `not in ${WATCH_SEC} s` : `${t.backAfterSec} s`,
        ]),
      },
    ],
    checks,
    notes: [
      `Paths rotated on every connection: ${PATHS.join(', ')}; each answered once before the idle reading.`,
      'Low memory = --max-semi-space-size=2 on the command line (as every launch line has it) and --optimize-for-size (src/low-memory.ts); off = neither.',
    ],
  };
}
