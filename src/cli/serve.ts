/** `pimesh serve` and `pimesh config`. */
import type { LoadedConfig } from '../config/load.js';
import { Daemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { SystemdNotifier } from '../service/sd-notify.js';
import { VERSION } from '../version.js';

/** Runs the node until SIGTERM/SIGINT; -1: the process keeps running. */
export async function serve(loaded: LoadedConfig): Promise<number> {
  const log = createLogger(loaded.config.log.level);
  log.info({ version: VERSION, sources: loaded.sources }, 'pimesh starting');
  const daemon = new Daemon(loaded, log);
  const notifier = new SystemdNotifier();
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    notifier.stopping();
    const hard = setTimeout(() => process.exit(128 + code), 5000);
    hard.unref();
    void daemon.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM', 15));
  process.once('SIGINT', () => shutdown('SIGINT', 2));
  try {
    await daemon.start();
  } catch (error) {
    notifier.status(`failed to start: ${(error as Error).message}`);
    await daemon.stop().catch(() => {});
    throw error;
  }
  const { host } = loaded.config.http;
  notifier.ready(`serving on ${host}:${daemon.port}`);
  // A stalled event loop stops these pings; systemd (WatchdogSec=) then restarts the service.
  notifier.startWatchdog();
  if (notifier.watchdogMs !== undefined)
    log.info({ pingMs: Math.round(notifier.watchdogMs / 3) }, 'systemd watchdog on');
  return -1;
}

export async function printConfig(loaded: LoadedConfig): Promise<number> {
  console.log(JSON.stringify(redact(loaded.config), null, 2));
  console.error(`configuration OK (${loaded.sources.join('; ') || 'defaults'})`);
  return 0;
}

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  // A database or broker URL may carry a password: postgres://user:secret@host/db.
  if (typeof value === 'string')
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1(hidden)@');
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      /key|secret|password|token/i.test(k) && v ? '(hidden)' : redact(v),
    ]),
  );
}
