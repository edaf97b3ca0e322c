import { fstatSync } from 'node:fs';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * How lines are written: `json` (one object a line), `journal` (the same, each line prefixed with its
 * syslog priority, `<4>` for a warning, which journald reads as the entry's priority: sd-daemon(3)),
 * `pretty` (for a person at a terminal).
 */
export type LogFormat = 'json' | 'journal' | 'pretty';

/** pino's levels as syslog priorities: fatal crit, error err, warn warning, info info, debug/trace debug. */
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };
const NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * PIMESH_LOG_FORMAT when set; else `journal` when stdout is the journal (systemd sets JOURNAL_STREAM
 * to its device:inode), `pretty` on a terminal, `json` otherwise.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env, fd = 1): LogFormat {
  const wanted = env.PIMESH_LOG_FORMAT;
  if (wanted === 'json' || wanted === 'journal' || wanted === 'pretty') return wanted;
  if (env.JOURNAL_STREAM) {
    try {
      const s = fstatSync(fd);
      if (env.JOURNAL_STREAM === `${s.dev}:${s.ino}`) return 'journal';
    } catch {}
  }
  return (fd === 1 ? process.stdout : process.stderr).isTTY ? 'pretty' : 'json';
}

const levelOf = (line: string) => Number(/"level":(\d+)/.exec(line)?.[1] ?? 30);

/** A JSON line for a person: time, level, module, message, then the other fields as key=value. */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { level, time, msg, module, pid: _pid, hostname: _host, err, ...rest } = entry;
  const at = typeof time === 'string' ? time.slice(11, 23) : '';
  const fields = Object.entries(rest).map(
    ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  const stack =
    err && typeof err === 'object' && 'stack' in err ? `\n${String((err as { stack: unknown }).stack)}` : '';
  const name = NAMES[Number(level)] ?? String(level);
  return `${at} ${name.padEnd(5)} ${module ? `[${module}] ` : ''}${msg ?? ''}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}

function streamWrite(format: LogFormat): ((s: string) => string) | undefined {
  if (format === 'journal') return (s) => `<${PRIORITY[levelOf(s)] ?? 6}>${s}`;
  if (format === 'pretty') return prettyLine;
  return undefined;
}

/** One JSON logger for the process; parts take `log.child({ module: 'x' })`. */
export function createLogger(level = 'info', destination?: DestinationStream, format?: LogFormat): Logger {
  const write = streamWrite(format ?? (destination ? 'json' : logFormat()));
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(write ? { hooks: { streamWrite: write } } : {}),
    },
    destination,
  );
}

/** A logger that drops everything, for tests and one-shot commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** For one-shot commands: logs go to stderr (synchronously), so stdout carries only the result. */
export function stderrLogger(level = 'warn'): Logger {
  return createLogger(level, pino.destination({ fd: 2, sync: true }), logFormat(process.env, 2));
}
