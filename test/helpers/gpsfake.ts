/**
 * A real gpsd fed from an NMEA log by gpsfake (gpsd-clients), listening on 127.0.0.1 only (gpsd binds the
 * loopback addresses unless given -G). Linux; needs `gpsfake` and `gpsd` on PATH.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTool } from './needs.js';

export interface Gpsfake {
  port: number;
  /** Freezes the feed (SIGSTOP to gpsfake): gpsd stays up and hears nothing, like a receiver gone quiet. */
  pause(): void;
  resume(): void;
  /** Stops gpsfake and its gpsd (gpsd goes away: clients see the connection close). */
  stop(): Promise<void>;
}

export interface GpsfakeOptions {
  /** Seconds between sentences (gpsfake -c). */
  cycleSeconds?: number;
  startTimeoutMs?: number;
}

/**
 * What startGpsfake() runs: gpsfake and the gpsd it starts (findTool also looks in /usr/sbin, where
 * gpsd lives, often off a user's PATH). Register its tests with `needs(...GPSFAKE_TOOLS)` (./needs.ts).
 */
export const GPSFAKE_TOOLS = ['gpsfake', 'gpsd'];

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Process ids of `pid`'s children (its gpsd), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `gpsfake -n -q -P <port> -c <cycle> <log>`: loops the log into a fresh gpsd; resolves once that gpsd
 * accepts connections on 127.0.0.1:<port>.
 */
export async function startGpsfake(
  log: string,
  port: number,
  options: GpsfakeOptions = {},
): Promise<Gpsfake> {
  const args = ['-n', '-q', '-P', String(port), '-c', String(options.cycleSeconds ?? 0.05), log];
  // gpsd's control socket goes to $TMPDIR/gpsfake-<pid>.sock and outlives it: a directory of our own.
  const dir = await mkdtemp(join(tmpdir(), 'pimesh-gpsfake-'));
  const child = spawn(findTool('gpsfake') ?? 'gpsfake', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: dir },
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const alive = () => child.exitCode === null && child.signalCode === null;
  let daemons: number[] = [];

  const stop = async () => {
    if (!alive()) return rm(dir, { recursive: true, force: true });
    child.kill('SIGCONT');
    // gpsfake's SIGTERM handler kills its gpsd; SIGKILL both if it does not exit.
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      for (const pid of daemons) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await accepts(port))) {
    if (!alive()) {
      await stop();
      throw new Error(`gpsfake exited before gpsd listened on ${port}: ${stderr.trim()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gpsd did not listen on 127.0.0.1:${port} in time: ${stderr.trim()}`);
    }
    await sleep(50);
  }
  daemons = child.pid ? await childrenOf(child.pid) : [];
  return {
    port,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop,
  };
}
