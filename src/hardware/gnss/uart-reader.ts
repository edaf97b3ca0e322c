import type { SerialPort } from 'serialport';
import { DeviceProtocolError, DeviceTimeoutError, DeviceUnavailableError } from '../../errors.js';
import { parseNmeaLine } from './nmea.js';
import { type NmeaFix, summariseNmea } from './nmea-fix.js';

export interface UartSentence {
  /** The line as received (`$GPGGA,...*HH`). */
  raw: string;
  /** Talker + type, e.g. `GPGGA`. */
  type: string;
  checksum_ok: boolean;
}

/** `GET /api/hardware/gps/uart`. */
export interface UartRead {
  port: string;
  baud_rate: number;
  /** How long the port was read. */
  duration_ms: number;
  /** Every `$` line, in order; a corrupted one is kept, flagged `checksum_ok: false`. */
  sentences: UartSentence[];
  valid: number;
  corrupted: number;
  /** Lines that are not NMEA sentences (no `$`), including the fragment read mid-sentence at open. */
  ignored: number;
  /** From the valid sentences only. */
  fix: NmeaFix | null;
}

export interface UartReadOptions {
  path: string;
  baudRate: number;
  /** Read this long at most... */
  durationMs: number;
  /** ...or until this many sentences. */
  maxSentences: number;
  openTimeoutMs?: number;
  /** Longer lines are noise (a sentence is at most 82 characters): dropped and counted as ignored. */
  maxLineBytes?: number;
  /** A serialport BindingInterface instead of the native one (tests). */
  binding?: unknown;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Splits bytes into lines, dropping any line longer than `max` (told to `onDrop`): nothing grows without bound. */
function lineSplitter(max: number, onDrop: () => void) {
  let pending = '';
  let overlong = false;
  return (chunk: Buffer): string[] => {
    const parts = (pending + chunk.toString('latin1')).split('\n');
    pending = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      if (overlong) overlong = false;
      else lines.push(part.replace(/\r$/, ''));
    }
    if (pending.length > max) {
      pending = '';
      overlong = true;
      onDrop();
    }
    return lines;
  };
}

async function openPort(options: UartReadOptions): Promise<SerialPort> {
  const { path } = options;
  // Loaded on first use: a node that never reads a UART never maps the native addon.
  const { SerialPort } = await import('serialport');
  const binding = options.binding ? { binding: options.binding } : {};
  let port: SerialPort;
  try {
    port = new SerialPort({ path, baudRate: options.baudRate, ...binding, autoOpen: false } as never);
  } catch (error) {
    throw new DeviceUnavailableError(path, `cannot open serial port: ${reasonOf(error)}`, error);
  }
  const timeoutMs = options.openTimeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new DeviceTimeoutError(path, timeoutMs));
    }, timeoutMs);
    port.open((error) => {
      clearTimeout(timer);
      if (late) {
        if (!error) port.close(() => undefined);
      } else if (error) {
        reject(new DeviceUnavailableError(path, `cannot open serial port: ${reasonOf(error)}`, error));
      } else {
        resolve(port);
      }
    });
  });
}

function closePort(port: SerialPort): Promise<void> {
  if (!port.isOpen) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    port.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Opens the port, reads NMEA for a bounded time (or until `maxSentences`), closes it. Rejects with 503s:
 * the port cannot be opened (naming it), nothing arrived (timeout), or only non-NMEA bytes arrived.
 */
export async function readNmea(options: UartReadOptions): Promise<UartRead> {
  const { path, durationMs, maxSentences } = options;
  const port = await openPort(options);
  const sentences: UartSentence[] = [];
  const parsed: NonNullable<ReturnType<typeof parseNmeaLine>>[] = [];
  let ignored = 0;
  const split = lineSplitter(options.maxLineBytes ?? 256, () => ignored++);
  let bytes = 0;
  const started = performance.now();
  let elapsed = 0;

  const failure = await new Promise<Error | undefined>((resolve) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      elapsed ||= performance.now() - started;
      port.removeAllListeners('data');
      resolve(error);
    };
    const timer = setTimeout(() => done(), durationMs);
    port.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (const line of split(chunk)) {
        const sentence = parseNmeaLine(line);
        if (!sentence) {
          if (line) ignored++;
          continue;
        }
        parsed.push(sentence);
        const type = sentence.talker === 'P' ? `P${sentence.type}` : `${sentence.talker}${sentence.type}`;
        sentences.push({ raw: sentence.raw, type, checksum_ok: sentence.checksumOk });
        if (sentences.length >= maxSentences) return done();
      }
    });
    // Kept after done(): a late error must find a listener.
    port.on('close', (error: Error | null) => done(error ?? new Error('port closed')));
    port.on('error', (error: Error) => done(error));
  });
  await closePort(port);

  if (sentences.length === 0) {
    if (failure) throw new DeviceUnavailableError(path, `disconnected: ${failure.message}`, failure);
    if (bytes > 0) {
      const message = `${bytes} bytes in ${durationMs} ms but no NMEA sentence (is ${options.baudRate} baud right?)`;
      throw new DeviceProtocolError(path, message, 'ERR_NMEA_NONE');
    }
    throw new DeviceTimeoutError(`GNSS receiver on ${path}`, durationMs);
  }
  const valid = sentences.filter((s) => s.checksum_ok).length;
  return {
    port: path,
    baud_rate: options.baudRate,
    duration_ms: Math.round(elapsed),
    sentences,
    valid,
    corrupted: sentences.length - valid,
    ignored,
    fix: summariseNmea(parsed),
  };
}

export interface UartReaderDefaults {
  port: string;
  /** The only other ports `?port=` may name: the route is public and must not open any file it is told. */
  allowedPorts: readonly string[];
  baudRate: number;
  readMs: number;
  maxReadMs: number;
  maxSentences: number;
  binding?: unknown;
}

/**
 * Reads of the GNSS UART for the HTTP route: the configured defaults, the ports a client may name, and
 * one read per port at a time (a request arriving during a read of the same port shares its result).
 */
export class UartReader {
  readonly defaults: UartReaderDefaults;
  private readonly inFlight = new Map<string, Promise<UartRead>>();

  constructor(defaults: UartReaderDefaults) {
    this.defaults = defaults;
  }

  /** The ports a client may name: the configured one first, then `allowedPorts`. */
  get ports(): string[] {
    return [...new Set([this.defaults.port, ...this.defaults.allowedPorts])];
  }

  allows(path: string): boolean {
    return this.ports.includes(path);
  }

  read(options: { port?: string; durationMs?: number } = {}): Promise<UartRead> {
    const path = options.port ?? this.defaults.port;
    const running = this.inFlight.get(path);
    if (running) return running;
    const durationMs = Math.min(options.durationMs ?? this.defaults.readMs, this.defaults.maxReadMs);
    const read = readNmea({
      path,
      baudRate: this.defaults.baudRate,
      durationMs,
      maxSentences: this.defaults.maxSentences,
      binding: this.defaults.binding,
    }).finally(() => this.inFlight.delete(path));
    this.inFlight.set(path, read);
    return read;
  }
}
