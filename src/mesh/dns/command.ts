/**
 * Any other DNS service: an executable run without a shell, with the address in `PIMESH_DNS_IP` and the
 * name in `PIMESH_DNS_TARGET`. Exit 0 is success (the first line of stdout describes it); anything else
 * is a rejection quoting the last line of stderr. The command gets a minimal environment: no variable of
 * the daemon's own (the network and admin keys live there) and no secret unless `passSecrets` lists it.
 */
import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { redact, requireIpv4 } from './namecheap.js';
import { type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const commandConfigSchema = z.strictObject({
  provider: z.literal('command'),
  /** Absolute path of the executable. */
  path: z.string().refine(isAbsolute, 'must be an absolute path to an executable'),
  args: z.array(z.string()).default([]),
  /** The name the command updates: PIMESH_DNS_TARGET, and the name in logs and status. */
  target: z.string().min(1),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Secrets-file keys passed to the command as environment variables of the same name. */
  passSecrets: z.array(z.string().regex(envName, 'must be an environment variable name')).default([]),
});
export type CommandConfig = z.output<typeof commandConfigSchema>;

/** Variables the command inherits from the daemon: enough to run a script, nothing of pimesh's. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];
/** Output kept per stream; the rest is dropped. */
const MAX_OUTPUT = 64 * 1024;
/** How long output may still arrive after the command exited. */
const EXIT_GRACE_MS = 500;
/** Time between SIGTERM and SIGKILL for a command that overran. */
const KILL_GRACE_MS = 2000;

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

      return new Promise<string>((resolve, reject) => {
        // Its own process group, so a timeout kills the script's children too (a `sleep` holding stdout).
        const child = spawn(config.path, config.args, { env, shell: false, detached: true, stdio: 'pipe' });
        child.stdin.end();
        let stdout = '';
        let stderr = '';
        let settled = false;
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          if (stdout.length < MAX_OUTPUT) stdout += chunk;
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          if (stderr.length < MAX_OUTPUT) stderr = (stderr + chunk).slice(-MAX_OUTPUT);
        });

        const finish = (error: DnsUpdateError | undefined, description = '') => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve(description);
        };
        const kill = () => {
          const group = (sig: NodeJS.Signals) => {
            try {
              if (child.pid) process.kill(-child.pid, sig);
            } catch {}
          };
          group('SIGTERM');
          // The whole group: the script may be gone while a child of it ignores SIGTERM.
          setTimeout(() => group('SIGKILL'), KILL_GRACE_MS).unref();
        };
        const onAbort = () => {
          kill();
          finish(
            new DnsUpdateError(
              name,
              'ERR_DNS_UNREACHABLE',
              `${config.path} was stopped: the update was aborted`,
            ),
          );
        };
        const timer = setTimeout(() => {
          kill();
          finish(
            new DnsUpdateError(
              name,
              'ERR_DNS_UNREACHABLE',
              `${config.path} did not finish within ${config.timeoutMs} ms`,
            ),
          );
        }, config.timeoutMs);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });

        child.on('error', (error: NodeJS.ErrnoException) => {
          finish(
            new DnsUpdateError(
              name,
              'ERR_DNS_CONFIG',
              `cannot run ${config.path}: ${error.code ?? error.message}`,
            ),
          );
        });
        const exited = (code: number | null, killedBy: NodeJS.Signals | null) => {
          if (code === 0) {
            finish(undefined, cut(hide(firstLine(stdout).trim())) || `${config.path} exited with status 0`);
            return;
          }
          const how = code === null ? `was killed by ${killedBy}` : `exited with status ${code}`;
          const said = cut(hide(lastLine(stderr).trim()));
          finish(
            new DnsUpdateError(name, 'ERR_DNS_REJECTED', `${config.path} ${how}${said ? `: ${said}` : ''}`),
          );
        };
        child.on('close', exited);
        // A background process of the script can hold stdout open after the script exits: do not wait
        // for it (or for the timeout) longer than a moment.
        child.on('exit', (code, killedBy) => {
          setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
            exited(code, killedBy);
          }, EXIT_GRACE_MS).unref();
        });
      });
    },
  };
}
