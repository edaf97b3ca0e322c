import type { SerialPort } from 'serialport';
import { DeviceUnavailableError } from '../../errors.js';
import { type FinalResult, finalResult, frameCommand, splitLines } from './at-codec.js';

/** What one command got back: every line (echo included) and its final result code. */
export interface AtReply {
  command: string;
  lines: string[];
  /** `undefined`: no final result code (`OK`, `ERROR`, ...) arrived within the timeout. */
  final: FinalResult | undefined;
}

interface Pending {
  onLine(line: string): void;
  fail(error: Error): void;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface AtLinkOptions {
  path: string;
  baudRate: number;
  /** serialport's `binding` option (e.g. `SerialPortMock.binding`); the native one when absent. */
  binding?: unknown;
  /** Opening and closing the port. */
  openTimeoutMs: number;
  /** The name errors carry, e.g. "LTE modem /dev/ttyUSB2". */
  device: string;
}

/** One open AT port: a command at a time, lines read until a final result code or the timeout. */
export class AtLink {
  private rx = '';
  private pending?: Pending;
  private failure?: Error;

  private constructor(
    private readonly port: SerialPort,
    private readonly options: AtLinkOptions,
  ) {
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (error: Error) => this.fail(`serial port error: ${error.message}`, error));
    port.on('close', (error: Error | null) =>
      this.fail(error ? `disconnected (${error.message})` : 'port closed', error ?? undefined),
    );
  }

  /** Opens the port (serialport is loaded on first use); DeviceUnavailableError naming it otherwise. */
  static async open(options: AtLinkOptions): Promise<AtLink> {
    const { SerialPort } = await import('serialport');
    const unavailable = (reason: string, cause?: unknown) =>
      new DeviceUnavailableError(options.device, reason, cause);
    return new Promise((resolve, reject) => {
      let port: SerialPort;
      try {
        const binding = options.binding ? { binding: options.binding } : {};
        const settings = { path: options.path, baudRate: options.baudRate, dataBits: 8, stopBits: 1 };
        port = new SerialPort({ ...settings, parity: 'none', ...binding, autoOpen: false } as never);
      } catch (error) {
        reject(unavailable(`cannot open serial port: ${reasonOf(error)}`, error));
        return;
      }
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(unavailable(`opening the serial port took over ${options.openTimeoutMs} ms`));
      }, options.openTimeoutMs);
      port.on('error', () => undefined);
      port.open((error) => {
        clearTimeout(timer);
        if (settled) {
          if (!error) port.close(() => undefined);
          return;
        }
        settled = true;
        if (error) reject(unavailable(`cannot open serial port: ${error.message}`, error));
        else resolve(new AtLink(port, options));
      });
    });
  }

  /** Writes `command` after flushing the input and collects its reply for up to `timeoutMs`. */
  send(command: string, timeoutMs: number): Promise<AtReply> {
    const frame = frameCommand(command);
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      const lines: string[] = [];
      const finish = (result: AtReply | Error) => {
        if (this.pending !== pending) return;
        this.pending = undefined;
        clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const timer = setTimeout(() => finish({ command, lines, final: undefined }), timeoutMs);
      const pending: Pending = {
        onLine: (line) => {
          lines.push(line);
          const final = finalResult(line);
          if (final) finish({ command, lines, final });
        },
        fail: finish,
      };
      this.pending = pending;
      // A late answer to an earlier command that timed out must not be taken for this one.
      this.rx = '';
      this.port.flush(() => {
        if (this.pending !== pending) return;
        this.rx = '';
        this.port.write(frame, (error) => {
          if (error) this.fail(`write failed: ${error.message}`, error);
        });
      });
    });
  }

  /** Closes the port; never throws (a port that went away is already closed). */
  async close(): Promise<void> {
    const port = this.port;
    this.failure ??= new DeviceUnavailableError(this.options.device, 'port closed');
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.openTimeoutMs);
      port.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onData(chunk: Buffer): void {
    const { lines, rest } = splitLines(this.rx + chunk.toString('latin1'));
    this.rx = rest;
    for (const line of lines) this.pending?.onLine(line);
  }

  private fail(reason: string, cause?: unknown): void {
    if (this.failure) return;
    this.failure = new DeviceUnavailableError(this.options.device, reason, cause);
    this.pending?.fail(this.failure);
  }
}
