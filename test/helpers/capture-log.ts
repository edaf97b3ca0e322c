import { createLogger, type Logger } from '../../src/log.js';

export interface CapturedLine {
  level: number;
  msg: string;
  err?: { stack?: string; message?: string };
  [key: string]: unknown;
}

/** A real pino logger writing into an array, so a test can read what the node logged. */
export function captureLog(level = 'debug'): { log: Logger; lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const log = createLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

export const WARN = 40;
export const ERROR = 50;
