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
