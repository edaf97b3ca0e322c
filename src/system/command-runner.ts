import { CommandError, describeEnd, runCommand } from '../util/run-command.js';

export { CommandError };

/**
 * Runs one command without a shell and answers its stdout. Rejects on a non-zero exit, a missing
 * executable (`code: 'ENOENT'`) or when `timeoutMs` passes (the child is killed). Tests inject a fake
 * answering recorded output; the daemon uses `execFileRunner`.
 */
export type CommandRunner = (cmd: string, args: string[], timeoutMs: number) => Promise<string>;

/** The real runner: the shared runCommand (no shell, killed on timeout, 1 MiB of output at most). */
export const execFileRunner: CommandRunner = async (cmd, args, timeoutMs) => {
  const result = await runCommand(cmd, args, { timeoutMs, killGraceMs: 0 });
  if (result.code === 0 && !result.timedOut) return result.stdout;
  const line = [cmd, ...args].join(' ');
  throw new CommandError(line, describeEnd(result, timeoutMs), result.timedOut ? 'ETIMEDOUT' : undefined);
};
