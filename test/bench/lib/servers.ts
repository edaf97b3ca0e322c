import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Benchmarks only ever talk to the loopback interface. */
export const HOST = '127.0.0.1';

/** A port the kernel reports free on 127.0.0.1 right now (a tiny race with other processes is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ServerSpec {
  /** For messages. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  port: number;
  /** How long to wait for the port to accept connections. */
  startTimeoutMs?: number;
}

export interface ChildServer {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly child: ChildProcess;
  /** Time from spawn until the port accepted a TCP connection. */
  readonly startMs: number;
  /** The last few KB of the child's stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 16 * 1024;

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Keeps every child it starts so that all of them can be stopped at the end, even on error
 * (`stopAll` in a finally) or when the runner itself is interrupted (`killAllNow`).
 */
export class ProcessRegistry {
  readonly #children = new Set<ChildProcess>();

  /** Spawns the server directly (no shell, no npm), so `pid` is the server process itself. */
  async start(spec: ServerSpec): Promise<ChildServer> {
    const startedAt = performance.now();
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });

    const deadline = startedAt + (spec.startTimeoutMs ?? 15_000);
    for (;;) {
      if (spawnError) throw new Error(`${spec.name}: could not start: ${spawnError.message}`);
      if (exited(child)) {
        throw new Error(
          `${spec.name} exited (code ${child.exitCode}, signal ${child.signalCode}) before its port ` +
            `${spec.port} answered. Output:\n${output || '(none)'}`,
        );
      }
      if (await portAnswers(spec.port)) break;
      if (performance.now() > deadline) {
        await this.#stop(child);
        throw new Error(
          `${spec.name}: port ${spec.port} did not answer in time. Output:\n${output || '(none)'}`,
        );
      }
      await sleep(25);
    }
    const startMs = performance.now() - startedAt;
    if (child.pid === undefined) throw new Error(`${spec.name}: no pid`);
    return {
      name: spec.name,
      pid: child.pid,
      port: spec.port,
      child,
      startMs,
      output: () => output,
      stop: () => this.#stop(child),
    };
  }

  /** SIGTERM, then SIGKILL after 3 s. */
  async #stop(child: ChildProcess): Promise<void> {
    if (exited(child)) return;
    child.kill('SIGTERM');
    if (await waitForExit(child, 3000)) return;
    child.kill('SIGKILL');
    await waitForExit(child, 2000);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#children].map((child) => this.#stop(child)));
  }

  /** Synchronous last resort for process 'exit' and signal handlers. */
  killAllNow(): void {
    for (const child of this.#children) if (!exited(child)) child.kill('SIGKILL');
  }
}

export interface Memory {
  /** Resident set size now (VmRSS). */
  rssBytes: number;
  /** Of which private memory: heaps, JIT code (RssAnon). */
  anonBytes: number;
  /** Of which file-backed pages, mostly the node binary and native addons (RssFile + RssShmem). */
  fileBytes: number;
  /** Peak resident set size since the process started (VmHWM). */
  hwmBytes: number;
}

/** Resident memory of a process, from /proc/<pid>/status (Linux only). */
export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) * 1024;
  };
  return {
    rssBytes: field('VmRSS'),
    anonBytes: field('RssAnon'),
    fileBytes: field('RssFile') + field('RssShmem'),
    hwmBytes: field('VmHWM'),
  };
}

/**
 * The environment for a child: the runner's own minus every PIMESH_* variable (so nothing from the
 * shell leaks into the configuration) and NODE_OPTIONS (so no loader or flag sneaks in), plus `extra`.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PIMESH_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}
