/**
 * Pseudo-terminal pairs from socat, for driving serial-port code against a simulated device on the other end
 * (Modbus charge controller, GNSS receiver, LTE modem...). Linux/macOS; needs `socat` on PATH: tests
 * using it are registered through `needs('socat')` (./needs.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTool } from './needs.js';

export interface PtyPair {
  /** The directory holding both links. */
  dir: string;
  /** Give this one to the code under test (it plays the real device node, e.g. /dev/ttyUSB0). */
  devicePath: string;
  /** The simulator opens this one. */
  hostPath: string;
  /** Kills socat (both ends hang up, like an unplugged adapter); removes `dir` if this helper created it. */
  stop(): Promise<void>;
}

export interface PtyPairOptions {
  /** Link names inside the directory. */
  deviceName?: string;
  hostName?: string;
  /** How long to wait for socat to create both links (a safety net: it is quick even on a busy machine). */
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `socat -d -d pty,raw,echo=0,link=<dir>/device pty,raw,echo=0,link=<dir>/host` and resolves once both
 * links exist. Calling it again with the same `dir` after stop() brings the "device" back under the same names.
 */
export async function openPtyPair(dir?: string, options: PtyPairOptions = {}): Promise<PtyPair> {
  const socat = findTool('socat');
  if (!socat) throw new Error('socat is not installed');
  const ownsDir = dir === undefined;
  const base = dir ?? (await mkdtemp(join(tmpdir(), 'pimesh-pty-')));
  await mkdir(base, { recursive: true });
  const devicePath = join(base, options.deviceName ?? 'device');
  const hostPath = join(base, options.hostName ?? 'host');
  // Links left by a socat that was killed hard would look "ready" before the new ones exist.
  await Promise.all([devicePath, hostPath].map((path) => unlink(path).catch(() => undefined)));

  const child = spawn(
    socat,
    ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  child.once('error', (error) => {
    stderr += String(error);
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    }
    if (ownsDir) await rm(base, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`socat exited before creating ${devicePath}: ${stderr.trim()}`);
    }
    const ready = await Promise.all(
      [devicePath, hostPath].map((path) =>
        stat(path).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (ready.every(Boolean)) return { dir: base, devicePath, hostPath, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`socat did not create ${devicePath} and ${hostPath} in time: ${stderr.trim()}`);
    }
    await sleep(10);
  }
}
