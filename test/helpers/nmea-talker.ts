/**
 * A simulated GNSS receiver: writes NMEA lines to the host end of a socat PTY pair, over and over, the
 * way a receiver streams on its UART.
 */
import { readFile } from 'node:fs/promises';
import { SerialPort } from 'serialport';

/** The sentences of an NMEA log fixture (comment lines dropped). */
export async function nmeaFixture(path: string): Promise<string[]> {
  const text = await readFile(path, 'latin1');
  return text.split(/\r?\n/).filter((line) => line.startsWith('$'));
}

export interface NmeaTalker {
  /** Lines written so far. */
  readonly written: number;
  stop(): Promise<void>;
}

/** Writes `lines` (each + CRLF, cycling) to `path`, one every `intervalMs`. Raw bytes go as they are. */
export async function startNmeaTalker(
  path: string,
  lines: readonly (string | Buffer)[],
  options: { intervalMs?: number; baudRate?: number } = {},
): Promise<NmeaTalker> {
  const port = new SerialPort({ path, baudRate: options.baudRate ?? 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  // The reader hanging up makes socat exit: later writes fail, and that is fine.
  port.on('error', () => undefined);
  let written = 0;
  const timer = setInterval(() => {
    const line = lines[written % lines.length];
    written++;
    if (port.isOpen) port.write(typeof line === 'string' ? `${line}\r\n` : line);
  }, options.intervalMs ?? 20);
  return {
    get written() {
      return written;
    },
    async stop() {
      clearInterval(timer);
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
