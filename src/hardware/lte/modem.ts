import { DeviceProtocolError, DeviceTimeoutError, PimeshError } from '../../errors.js';
import { decodeCops, decodeCreg, decodeCsq, pickAnswer } from './at-codec.js';
import { AtLink, type AtReply } from './at-link.js';

export interface LteModemOptions {
  /** Serial device of the modem's AT port, e.g. /dev/ttyUSB2 (SIM7600 USB) or /dev/ttyS0 (UART). */
  path: string;
  baudRate?: number;
  /** How long one command's reply is read (pi_backend: 2 s). */
  commandTimeoutMs?: number;
  /** `AT+CFUN=...` can take several seconds while the radio switches. */
  cfunTimeoutMs?: number;
  /** Opening and closing the port. */
  openTimeoutMs?: number;
  /** serialport's `binding` option (e.g. `SerialPortMock.binding`): for tests. */
  binding?: unknown;
  /** Sessions that may wait behind the running one; more are refused with 503 ERR_DEVICE_BUSY. */
  maxQueued?: number;
}

/** `GET /api/hardware/lte/status`: pi_backend's raw lines, decoded values beside them. */
export interface LteStatus {
  signal_quality: string | null;
  network_registration: string | null;
  operator_info: string | null;
  decoded: {
    rssi_dbm: number | null;
    ber: number | null;
    registration: string | null;
    registered: boolean | null;
    operator: string | null;
    access_technology: string | null;
  };
  port: string;
  /** Commands that got no reply in time (their value is null). */
  timeouts: string[];
  /** Commands the modem answered with ERROR (their value is null). */
  errors: string[];
}

const STATUS_QUERIES = [
  ['signal_quality', 'AT+CSQ', '+CSQ:'],
  ['network_registration', 'AT+CREG?', '+CREG:'],
  ['operator_info', 'AT+COPS?', '+COPS:'],
] as const;

type Send = (command: string, timeoutMs?: number) => Promise<AtReply>;

/**
 * An AT modem on one serial port. The port is opened for each session and closed after it, so a
 * modem that was unplugged and plugged back (or re-enumerated after a reset) works on the next
 * request; sessions on one modem run one at a time. Every command has a timeout.
 */
export class LteModem {
  readonly path: string;
  readonly device: string;
  private readonly baudRate: number;
  private readonly commandTimeoutMs: number;
  private readonly cfunTimeoutMs: number;
  private readonly openTimeoutMs: number;
  private readonly binding?: unknown;
  private readonly maxQueued: number;
  private queue: Promise<unknown> = Promise.resolve();
  private sessions = 0;

  constructor(options: LteModemOptions) {
    this.path = options.path;
    this.device = `LTE modem ${options.path}`;
    this.baudRate = options.baudRate ?? 115200;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.cfunTimeoutMs = options.cfunTimeoutMs ?? 10_000;
    this.openTimeoutMs = options.openTimeoutMs ?? 2000;
    this.binding = options.binding;
    this.maxQueued = options.maxQueued ?? 8;
  }

  /** Runs `work` with the port open, after any session already running on this modem. */
  session<T>(work: (send: Send) => Promise<T>): Promise<T> {
    if (this.sessions > this.maxQueued) {
      const message = `${this.device} is busy: ${this.sessions} requests are already waiting for it`;
      return Promise.reject(new PimeshError(message, { code: 'ERR_DEVICE_BUSY', status: 503 }));
    }
    this.sessions++;
    const run = this.queue.then(async () => {
      const link = await AtLink.open({
        path: this.path,
        baudRate: this.baudRate,
        binding: this.binding,
        openTimeoutMs: this.openTimeoutMs,
        device: this.device,
      });
      try {
        return await work((command, timeoutMs) => link.send(command, timeoutMs ?? this.commandTimeoutMs));
      } finally {
        await link.close();
      }
    });
    this.queue = run.catch(() => undefined);
    return run.finally(() => {
      this.sessions--;
    });
  }

  /**
   * `AT+CSQ`, `AT+CREG?`, `AT+COPS?`, each answered by its first line with the expected prefix, or
   * null (ERROR, silence). A modem that does not even answer `AT` is a DeviceTimeoutError (503).
   */
  status(): Promise<LteStatus> {
    return this.session(async (send) => {
      const probe = await send('AT');
      if (!probe.final) throw new DeviceTimeoutError(this.device, this.commandTimeoutMs);
      const raw: Record<(typeof STATUS_QUERIES)[number][0], string | null> = {
        signal_quality: null,
        network_registration: null,
        operator_info: null,
      };
      const timeouts: string[] = [];
      const errors: string[] = [];
      for (const [key, command, prefix] of STATUS_QUERIES) {
        const reply = await send(command);
        raw[key] = pickAnswer(reply.lines, prefix);
        if (reply.final?.kind === 'error') errors.push(command);
        else if (!reply.final && raw[key] === null) timeouts.push(command);
      }
      const csq = raw.signal_quality === null ? undefined : decodeCsq(raw.signal_quality);
      const creg = raw.network_registration === null ? undefined : decodeCreg(raw.network_registration);
      const cops = raw.operator_info === null ? undefined : decodeCops(raw.operator_info);
      return {
        ...raw,
        decoded: {
          rssi_dbm: csq?.rssi_dbm ?? null,
          ber: csq?.ber ?? null,
          registration: creg?.registration ?? null,
          registered: creg?.registered ?? null,
          operator: cops?.operator ?? null,
          access_technology: cops?.access_technology ?? null,
        },
        port: this.path,
        timeouts,
        errors,
      };
    });
  }

  /**
   * `AT+CFUN=<value>` (4: flight mode, 1: full functionality, `1,1`: reset); resolves on OK,
   * DeviceProtocolError on an error code, DeviceTimeoutError on silence.
   */
  setFunctionality(value: '0' | '1' | '4' | '1,1'): Promise<void> {
    const command = `AT+CFUN=${value}`;
    return this.session(async (send) => {
      const reply = await send(command, this.cfunTimeoutMs);
      if (!reply.final) throw new DeviceTimeoutError(this.device, this.cfunTimeoutMs);
      if (reply.final.kind === 'error') {
        throw new DeviceProtocolError(
          this.device,
          `${command} answered ${reply.final.line}`,
          'ERR_AT_COMMAND',
        );
      }
    });
  }
}

/** One LteModem per port path (so sessions on a port are serialised across requests). */
export class LteModems {
  private readonly modems = new Map<string, LteModem>();

  constructor(private readonly defaults: Omit<LteModemOptions, 'path'> = {}) {}

  get(path: string): LteModem {
    let modem = this.modems.get(path);
    if (!modem) {
      modem = new LteModem({ ...this.defaults, path });
      this.modems.set(path, modem);
    }
    return modem;
  }
}
