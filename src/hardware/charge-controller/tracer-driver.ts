import pRetry, { AbortError } from 'p-retry';
import type { SerialPort } from 'serialport';
import { DeviceProtocolError, DeviceTimeoutError, DeviceUnavailableError } from '../../errors.js';
import {
  type DecodeResult,
  decodeReadResponse,
  encodeReadInputRegisters,
  type ReadRequest,
} from './modbus-rtu.js';
import { readingFromRegisters, TRACER_BLOCKS } from './registers.js';
import type { ChargeController, TracerReading } from './types.js';

export interface TracerDriverOptions {
  /** Serial device, e.g. /dev/ttyUSB0. */
  path: string;
  baudRate?: number;
  slaveId?: number;
  /** Per request (one Modbus transaction). */
  timeoutMs?: number;
  /** Extra attempts per request after a timeout, a bad CRC or a malformed frame. */
  retries?: number;
  /** A serialport BindingInterface (e.g. `SerialPortMock.binding`) instead of the native one: for tests. */
  binding?: unknown;
}

interface Pending {
  request: ReadRequest;
  settle(result: DecodeResult | Error): void;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** EPEver Tracer MPPT controller over Modbus RTU, read exactly as the Solar Protocol Python logger does. */
export class TracerDriver implements ChargeController {
  readonly kind = 'tracer' as const;
  readonly simulated = false;
  readonly description: string;

  private readonly path: string;
  private readonly baudRate: number;
  private readonly slaveId: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly binding?: unknown;

  private port?: SerialPort;
  private rx = Buffer.alloc(0);
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped by close(): a port whose open completes after a close() is closed again at once. */
  private generation = 0;

  constructor(options: TracerDriverOptions) {
    this.path = options.path;
    this.baudRate = options.baudRate ?? 115200;
    this.slaveId = options.slaveId ?? 1;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.retries = options.retries ?? 2;
    this.binding = options.binding;
    this.description = `${this.path} @${this.baudRate} 8N1 slave ${this.slaveId}`;
  }

  /** One sample; concurrent calls are queued so only one request is on the wire at a time. */
  read(_now?: Date): Promise<TracerReading> {
    const run = this.queue.then(() => this.sample());
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.generation++;
    const port = this.port;
    this.forget(port, new DeviceUnavailableError(this.path, 'port closed by the driver'));
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async sample(): Promise<TracerReading> {
    const blocks: number[][] = [];
    for (const { address, count } of TRACER_BLOCKS) {
      blocks.push(await this.readInputRegisters(address, count));
    }
    return readingFromRegisters(blocks[0], blocks[1]);
  }

  private readInputRegisters(address: number, count: number): Promise<number[]> {
    const request: ReadRequest = { slave: this.slaveId, address, count };
    return pRetry(
      async () => {
        const port = await this.ensurePort().catch((error: unknown) => {
          throw new AbortError(error as Error);
        });
        const result = await this.transact(port, request);
        if (result instanceof DeviceUnavailableError) throw new AbortError(result);
        if (result instanceof Error) throw result;
        if (result.kind === 'registers') return result.registers;
        if (result.kind === 'exception') {
          const message = `Modbus exception ${result.code} (${result.name}) reading ${count} registers at 0x${address.toString(16)}`;
          throw new AbortError(new DeviceProtocolError(this.path, message, 'ERR_MODBUS_EXCEPTION'));
        }
        if (result.kind === 'error') throw new DeviceProtocolError(this.path, result.message, result.code);
        throw new DeviceProtocolError(this.path, 'incomplete frame', 'ERR_MODBUS_FRAME');
      },
      { retries: this.retries, minTimeout: Math.min(100, this.timeoutMs / 4), factor: 2 },
    );
  }

  /** Sends one request and settles with the decoded answer, a timeout or the port going away. */
  private transact(port: SerialPort, request: ReadRequest): Promise<DecodeResult | Error> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => settle(new DeviceTimeoutError(this.path, this.timeoutMs)),
        this.timeoutMs,
      );
      const settle = (result: DecodeResult | Error) => {
        if (this.pending !== pending) return;
        this.pending = undefined;
        clearTimeout(timer);
        resolve(result);
      };
      const pending: Pending = { request, settle };
      this.pending = pending;
      // Stale bytes (a late answer to a timed-out attempt, line noise) must not be taken for this answer.
      this.rx = Buffer.alloc(0);
      port.flush(() => {
        if (this.pending !== pending) return;
        this.rx = Buffer.alloc(0);
        if (!port.isOpen) {
          settle(new DeviceUnavailableError(this.path, 'port is not open'));
          return;
        }
        const frame = encodeReadInputRegisters(request.slave, request.address, request.count);
        port.write(frame, (error) => {
          if (error) settle(new DeviceUnavailableError(this.path, `write failed: ${reasonOf(error)}`, error));
        });
      });
    });
  }

  private onData(port: SerialPort, chunk: Buffer): void {
    if (port !== this.port || !this.pending) return;
    this.rx = Buffer.concat([this.rx, chunk]);
    const result = decodeReadResponse(this.rx, this.pending.request);
    if (result.kind !== 'incomplete') this.pending.settle(result);
  }

  /** Drops `port` (if it is the current one) so that the next read opens the device again. */
  private forget(port: SerialPort | undefined, error: Error): void {
    if (!port || port !== this.port) return;
    this.port = undefined;
    this.rx = Buffer.alloc(0);
    this.pending?.settle(error);
  }

  private async ensurePort(): Promise<SerialPort> {
    if (this.port?.isOpen) return this.port;
    if (this.port) this.forget(this.port, new DeviceUnavailableError(this.path, 'port closed'));
    const generation = this.generation;
    // Loaded on first use: a node without a serial charge controller never maps the native addon.
    const { SerialPort } = await import('serialport');
    return new Promise((resolve, reject) => {
      let port: SerialPort;
      const settings = { path: this.path, baudRate: this.baudRate, dataBits: 8, parity: 'none', stopBits: 1 };
      try {
        // SerialPort takes an explicit `binding` over the native one (it spreads the options last).
        const binding = this.binding ? { binding: this.binding } : {};
        port = new SerialPort({ ...settings, ...binding, autoOpen: false } as never);
      } catch (error) {
        reject(new DeviceUnavailableError(this.path, `cannot open serial port: ${reasonOf(error)}`, error));
        return;
      }
      port.on('error', (error: Error) => {
        this.forget(
          port,
          new DeviceUnavailableError(this.path, `serial port error: ${error.message}`, error),
        );
        if (port.isOpen) port.close(() => undefined);
      });
      port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
        const reason = error ? `disconnected (${error.message})` : 'port closed';
        this.forget(port, new DeviceUnavailableError(this.path, reason, error ?? undefined));
      });
      port.on('data', (chunk: Buffer) => this.onData(port, chunk));
      port.open((error) => {
        if (error) {
          reject(new DeviceUnavailableError(this.path, `cannot open serial port: ${reasonOf(error)}`, error));
        } else if (generation !== this.generation) {
          port.close(() => undefined);
          reject(new DeviceUnavailableError(this.path, 'port closed by the driver'));
        } else {
          this.port = port;
          resolve(port);
        }
      });
    });
  }
}
