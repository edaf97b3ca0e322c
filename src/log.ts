import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** One JSON logger for the process; parts take `log.child({ module: 'x' })`. journald keeps the output. */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that drops everything, for tests and one-shot commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** For one-shot commands: logs go to stderr (synchronously), so stdout carries only the result. */
export function stderrLogger(level = 'warn'): Logger {
  return createLogger(level, pino.destination({ fd: 2, sync: true }));
}
