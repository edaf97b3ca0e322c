import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { HOST } from './servers.js';

export interface LoadOptions {
  /** Must be http://127.0.0.1:<port>/...: benchmarks never send traffic anywhere else. */
  url: string;
  connections: number;
  /** Measured seconds. */
  durationSec: number;
  /** A discarded run with the same settings first (JIT, caches, keep-alive sockets). */
  warmupSec: number;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  rps: number;
  bytes: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Socket errors, timeouts and non-2xx/3xx answers. */
  errors: number;
}

export interface LoadTool {
  /** e.g. `wrk 4.1.0 (1 thread, latency from a Lua done() hook, µs resolution)`. */
  readonly description: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

export const WRK_PATH = '/usr/bin/wrk';

function checkLoopback(url: string): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || parsed.hostname !== HOST) {
    throw new Error(`refusing to load ${url}: benchmarks only target http://${HOST}`);
  }
}

/** Prints the run's numbers as one JSON line (latencies in µs) so nothing is scraped from wrk's text. */
const WRK_DONE_SCRIPT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.3f}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const running = new Set<ChildProcess>();

/** Kills load generators still running (for the runner's signal handler; each run is bounded anyway). */
export function killLoadNow(): void {
  for (const child of running) child.kill('SIGKILL');
}

function execWrk(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      WRK_PATH,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        running.delete(child);
        if (error) reject(new Error(`wrk ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
    running.add(child);
  });
}

/**
 * wrk (C, one event-loop thread): cheap on the shared CPU, and its HdrHistogram keeps latencies in
 * microseconds, so sub-millisecond p50/p99 are real numbers rather than rounded to whole ms.
 */
export async function wrkTool(scratchDir: string, threads = 1): Promise<LoadTool> {
  const script = join(scratchDir, 'wrk-done.lua');
  writeFileSync(script, WRK_DONE_SCRIPT);
  // `wrk -v` prints its version and exits 1.
  const version = await new Promise<string>((resolve) => {
    execFile(WRK_PATH, ['-v'], { timeout: 5000 }, (_error, stdout) => {
      resolve(/^wrk (\S+)/.exec(stdout)?.[1] ?? 'unknown version');
    });
  });
  const once = async (o: LoadOptions, seconds: number): Promise<WrkJson> => {
    const args = [
      `-t${threads}`,
      `-c${o.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '5s',
      '-s',
      script,
      o.url,
    ];
    const stdout = await execWrk(args, (seconds + 15) * 1000);
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (line === undefined) throw new Error(`wrk printed no result:\n${stdout}`);
    return JSON.parse(line.slice('WRK_JSON '.length)) as WrkJson;
  };
  return {
    description:
      `wrk ${version}, ${threads} thread(s), keep-alive; latency percentiles from wrk's HdrHistogram ` +
      '(microsecond resolution, read through a Lua done() hook)',
    async run(o) {
      checkLoopback(o.url);
      if (o.warmupSec > 0) await once(o, o.warmupSec);
      const r = await once(o, o.durationSec);
      const durationSec = r.duration_us / 1e6;
      return {
        requests: r.requests,
        durationSec,
        rps: r.requests / durationSec,
        bytes: r.bytes,
        p50Ms: r.p50 / 1000,
        p90Ms: r.p90 / 1000,
        p99Ms: r.p99 / 1000,
        maxMs: r.max / 1000,
        meanMs: r.mean / 1000,
        errors: r.errors,
      };
    },
  };
}

/**
 * autocannon in the runner's own process: heavier on the shared CPU than wrk, and its latency
 * histogram has 1 ms resolution, so sub-millisecond percentiles read as 0 or 1 ms.
 */
export function autocannonTool(): LoadTool {
  const once = (o: LoadOptions, seconds: number) =>
    autocannon({ url: o.url, connections: o.connections, duration: seconds, timeout: 5 });
  return {
    description: 'autocannon (in-process), keep-alive; latency percentiles at 1 ms resolution',
    async run(o) {
      checkLoopback(o.url);
      if (o.warmupSec > 0) await once(o, o.warmupSec);
      const r = await once(o, o.durationSec);
      const durationSec = r.duration;
      return {
        requests: r.requests.total,
        durationSec,
        rps: r.requests.total / durationSec,
        bytes: r.throughput.total,
        p50Ms: r.latency.p50,
        p90Ms: r.latency.p90,
        p99Ms: r.latency.p99,
        maxMs: r.latency.max,
        meanMs: r.latency.mean,
        errors: r.errors + r.timeouts + r.non2xx,
      };
    },
  };
}

/** wrk when installed (PIMESH_BENCH_LOAD=autocannon forces autocannon). */
export async function defaultLoadTool(scratchDir: string): Promise<LoadTool> {
  if (process.env.PIMESH_BENCH_LOAD === 'autocannon' || !existsSync(WRK_PATH)) return autocannonTool();
  return wrkTool(scratchDir);
}
