/**
 * The one child-process runner: an executable run without a shell, bounded in time and in output.
 * It resolves with how the command ended (exit status or signal, timed out or not, its output) and
 * rejects only when the command could not be started at all (ENOENT, EACCES: a CommandError with that
 * code). Callers decide what a non-zero status means for them.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  /** After this the command's process group gets SIGTERM, then SIGKILL `killGraceMs` later. */
  timeoutMs: number;
  /** The whole environment of the command (default: the daemon's own). */
  env?: NodeJS.ProcessEnv;
  /** Bytes kept per stream (stdout: the first, stderr: the last); default 1 MiB. */
  maxOutput?: number;
  /** Stops the command as a timeout does; the result then says `aborted`. */
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL (default 2000 ms). */
  killGraceMs?: number;
  /**
   * How long output may still arrive once the command exited: a background child of a script can
   * hold stdout open, and nobody should wait for it (default 500 ms).
   */
  exitGraceMs?: number;
}

export interface RunResult {
  /** The exit status, or null when a signal ended the command. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

/** A command that could not be run or failed; `code` is the spawn error code (ENOENT) or ETIMEDOUT. */
export class CommandError extends Error {
  readonly command: string;
  readonly code?: string;

  constructor(command: string, message: string, code?: string, cause?: unknown) {
    super(`${command}: ${message}`, { cause });
    this.name = 'CommandError';
    this.command = command;
    this.code = code;
  }
}

const MAX_OUTPUT = 1024 * 1024;

export function runCommand(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const max = options.maxOutput ?? MAX_OUTPUT;
  const line = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also stops what the command started (a `sleep` holding stdout).
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let settled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < max) stdout = (stdout + chunk).slice(0, max);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-max);
    });

    const killGroup = () => {
      const send = (sig: NodeJS.Signals) => {
        try {
          if (child.pid) process.kill(-child.pid, sig);
        } catch {}
      };
      send('SIGTERM');
      setTimeout(() => send('SIGKILL'), options.killGraceMs ?? 2000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    const done = (error: Error | undefined, code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ code, signal, stdout, stderr, timedOut, aborted });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      done(
        new CommandError(line, `cannot run: ${error.code ?? error.message}`, error.code, error),
        null,
        null,
      );
    });
    child.on('close', (code, signal) => done(undefined, code, signal));
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        done(undefined, code, signal);
      }, options.exitGraceMs ?? 500).unref();
    });
  });
}

/** "exited with status 2", "was killed by SIGKILL", "timed out after 500 ms": how a run ended, in words. */
export function describeEnd(result: RunResult, timeoutMs: number): string {
  if (result.timedOut) return `timed out after ${timeoutMs} ms`;
  if (result.aborted) return 'was stopped: the caller aborted';
  if (result.code === null) return `was killed by ${result.signal}`;
  return `exited with status ${result.code}`;
}
