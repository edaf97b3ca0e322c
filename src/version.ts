import { readFileSync } from 'node:fs';

/**
 * The package version, read once from package.json: one level above src/ and dist/, two above a
 * checkout's build directory (.build/<id>/, which dist links to).
 */
export const VERSION: string = (() => {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8'));
      if (pkg.name === 'pimesh') return pkg.version as string;
    } catch {}
  }
  return '0.0.0';
})();

let systemZone: string | undefined;

/**
 * The node's IANA time zone (TZ, or the system's), as PHP's date_default_timezone_get() reports it.
 * The system's is asked once: a new Intl.DateTimeFormat costs tens of microseconds, on every status.
 */
export function nodeTimezone(): string {
  if (process.env.TZ) return process.env.TZ;
  systemZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return systemZone;
}
