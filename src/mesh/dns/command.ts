import { type CommandError, describeEnd, type RunResult, runCommand } from '../../util/run-command.js';
import type { CommandConfig } from './config.js';
import { redact, requireIpv4 } from './namecheap.js';
import { type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

/** Variables the command inherits from the daemon: enough to run a script, nothing of pimesh's. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];
/** Output kept per stream; the rest is dropped. */
const MAX_OUTPUT = 64 * 1024;

const cut = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max)}…` : text);
const firstLine = (text: string): string => text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
const lastLine = (text: string): string =>
  text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .pop() ?? '';

export function createCommand(config: CommandConfig, secrets: Secrets): DnsProvider {
  const name = 'command';
  const passed = Object.fromEntries(config.passSecrets.map((key) => [key, secrets.require(name, key)]));
  const hide = (text: string) => redact(text, ...Object.values(passed));

  return {
    name,
    target: config.target,
    async update(ip, signal) {
      requireIpv4(name, ip);
      const env: Record<string, string> = {};
      for (const key of INHERITED) if (process.env[key] !== undefined) env[key] = process.env[key];
      Object.assign(env, passed, { PIMESH_DNS_IP: ip, PIMESH_DNS_TARGET: config.target });

      let result: RunResult;
      try {
        result = await runCommand(config.path, config.args, {
          env,
          timeoutMs: config.timeoutMs,
          maxOutput: MAX_OUTPUT,
          signal,
        });
      } catch (error) {
        const code = (error as CommandError).code;
        throw new DnsUpdateError(
          name,
          'ERR_DNS_CONFIG',
          `cannot run ${config.path}: ${code ?? 'spawn failed'}`,
        );
      }
      if (result.timedOut)
        throw new DnsUpdateError(
          name,
          'ERR_DNS_UNREACHABLE',
          `${config.path} did not finish within ${config.timeoutMs} ms`,
        );
      if (result.aborted)
        throw new DnsUpdateError(
          name,
          'ERR_DNS_UNREACHABLE',
          `${config.path} was stopped: the update was aborted`,
        );
      if (result.code === 0)
        return cut(hide(firstLine(result.stdout).trim())) || `${config.path} exited with status 0`;
      const said = cut(hide(lastLine(result.stderr).trim()));
      throw new DnsUpdateError(
        name,
        'ERR_DNS_REJECTED',
        `${config.path} ${describeEnd(result, config.timeoutMs)}${said ? `: ${said}` : ''}`,
      );
    },
  };
}
