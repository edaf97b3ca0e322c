import { execFile } from 'node:child_process';

/**
 * Runs one command without a shell and answers its stdout. Rejects on a non-zero exit, a missing
 * executable (`code: 'ENOENT'`) or when `timeoutMs` passes (the child is killed). Tests inject a fake
 * answering recorded output; the daemon uses `execFileRunner`.
 */
export type CommandRunner = (cmd: string, args: string[], timeoutMs: number) => Promise<string>;

/** A command that could not be run or failed; `code` is the spawn error code when there was one. */
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

/** The real runner: node:child_process execFile, no shell, SIGKILL on timeout, 1 MiB of output at most. */
export const execFileRunner: CommandRunner = (cmd, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    const line = [cmd, ...args].join(' ');
    execFile(
      cmd,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, stdout) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const spawnCode = typeof error.code === 'string' ? error.code : undefined;
        if (error.killed)
          reject(new CommandError(line, `timed out after ${timeoutMs} ms`, 'ETIMEDOUT', error));
        else if (spawnCode) reject(new CommandError(line, error.message, spawnCode, error));
        else
          reject(new CommandError(line, `exited with status ${error.code ?? 'unknown'}`, undefined, error));
      },
    );
  });
