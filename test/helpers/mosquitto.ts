/**
 * A real mosquitto broker on 127.0.0.1 for MQTT tests: a port of its own, anonymous access, and
 * persistence in a temp directory, so a broker stopped with stop() (SIGTERM: it saves its database)
 * and started again keeps every persistent session's subscriptions and queued QoS 1 messages. The
 * queue per client is unbounded (mosquitto's default keeps 1000). Register tests with
 * `needs(MOSQUITTO)` (./needs.ts).
 *
 * Run as root, mosquitto drops to the `mosquitto` user, which cannot write a root-owned temp dir:
 * the config says `user root` then. No pid_file (it fails after the drop); the child's pid is used.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { findTool } from './needs.js';

const run = promisify(execFile);

/** What startMosquitto() runs (and mosquitto_passwd, for `users`). */
export const MOSQUITTO = 'mosquitto';

export interface MosquittoOptions {
  /** Default: a free port. */
  port?: number;
  /** Lines added to the config (a TLS listener, a password file...). */
  extraConfig?: string[];
  /** Default true. */
  persistence?: boolean;
  /** `user: password` pairs: anonymous clients are refused, these log in (needs mosquitto_passwd). */
  users?: Record<string, string>;
  startTimeoutMs?: number;
}

export interface Mosquitto {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** The temp directory: config, persistence database. */
  readonly dir: string;
  readonly running: boolean;
  /** How many times it has been started. */
  readonly starts: number;
  /** SIGTERM and wait: mosquitto saves its database first. */
  stop(): Promise<void>;
  /** SIGKILL: what was not saved is lost (a power cut). */
  kill(): Promise<void>;
  /** Starts it again on the same port, from the same database. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** mosquitto's log so far, every run. */
  log(): string;
  /** Stops it and removes the directory. */
  dispose(): Promise<void>;
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A TCP port free on 127.0.0.1 right now. */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts mosquitto; with `t`, it is disposed of when the test ends. Throws when it is not installed. */
export async function startMosquitto(
  t?: ExecutionContext,
  options: MosquittoOptions = {},
): Promise<Mosquitto> {
  const binary = findTool(MOSQUITTO);
  if (!binary) throw new Error('mosquitto is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-mosquitto-'));
  dirs.add(dir);
  const port = options.port ?? (await freeTcpPort());
  const config = join(dir, 'mosquitto.conf');
  const persistence = options.persistence ?? true;
  const passwords = join(dir, 'passwords');
  const users = Object.entries(options.users ?? {});
  for (const [i, [user, password]] of users.entries()) {
    const args = [...(i === 0 ? ['-c'] : []), '-b', passwords, user, password];
    await run(findTool('mosquitto_passwd') ?? 'mosquitto_passwd', args);
  }
  await writeFile(
    config,
    [
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} 127.0.0.1`,
      ...(users.length > 0
        ? ['allow_anonymous false', `password_file ${passwords}`]
        : ['allow_anonymous true']),
      `persistence ${persistence}`,
      `persistence_location ${dir}/`,
      'max_queued_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let output = '';
  let starts = 0;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const start = async () => {
    if (alive()) return;
    const proc = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    children.add(proc);
    starts++;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.once('exit', () => children.delete(proc));
    let seen = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.startTimeoutMs ?? 30_000);
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        seen += chunk.toString();
        if (/mosquitto version \S+ running/.test(seen)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      proc.once('error', (error) => {
        output += String(error);
      });
      void exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      proc.kill('SIGKILL');
      await exited;
      throw new Error(`mosquitto did not start on 127.0.0.1:${port}:\n${seen}`);
    }
  };

  const signal = async (name: NodeJS.Signals) => {
    const proc = child;
    if (!proc || !alive()) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(name);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  const broker: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    get running() {
      return alive();
    },
    get starts() {
      return starts;
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    async restart() {
      await signal('SIGTERM');
      await start();
    },
    log: () => output,
    async dispose() {
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  t?.teardown(() => broker.dispose());
  return broker;
}
