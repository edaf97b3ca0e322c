/**
 * A Modbus RTU slave simulator (read input registers, function 0x04) answering from a register table, with
 * scriptable faults. Transport-free core (`ModbusSlave`) plus two transports: a real serial path (the host side
 * of a socat PTY pair) and serialport's MockBinding.
 */
import {
  decodeReadRequest,
  encodeException,
  encodeReadResponse,
  READ_INPUT_REGISTERS,
  type ReadRequest,
} from '../../src/hardware/charge-controller/modbus-rtu.js';
import { mockDevice, serveDevice } from './serial-device.js';

export class ModbusSlave {
  readonly slaveId: number;
  /** Register address -> value. Reading an address not in the table answers exception 2. */
  readonly registers = new Map<number, number>();
  /** Every well-formed request addressed to this slave, in order (also while silent). */
  readonly requests: ReadRequest[] = [];
  private rx = Buffer.alloc(0);
  private crcFaults = 0;
  private exceptionCode: number | undefined;
  private quiet = false;

  constructor(options: { slaveId?: number; registers?: Record<number, readonly number[]> } = {}) {
    this.slaveId = options.slaveId ?? 1;
    for (const [address, values] of Object.entries(options.registers ?? {})) {
      this.setRegisters(Number(address), values);
    }
  }

  setRegisters(address: number, values: readonly number[]): this {
    values.forEach((value, i) => {
      this.registers.set(address + i, value);
    });
    return this;
  }

  /** The next `n` answers carry a wrong CRC (Infinity: every answer). */
  corruptNextCrc(n = 1): this {
    this.crcFaults = n;
    return this;
  }

  /** Answer every request with this Modbus exception code until called with undefined. */
  exception(code: number | undefined): this {
    this.exceptionCode = code;
    return this;
  }

  /** Stop (or resume) answering at all. */
  silent(on = true): this {
    this.quiet = on;
    return this;
  }

  /** Feeds received bytes; returns the frames to send back. */
  handle(chunk: Buffer): Buffer[] {
    this.rx = Buffer.concat([this.rx, chunk]);
    const replies: Buffer[] = [];
    while (this.rx.length >= 8) {
      const request = decodeReadRequest(this.rx);
      if (!request) {
        this.rx = this.rx.subarray(1); // resynchronise on garbage
        continue;
      }
      this.rx = this.rx.subarray(8);
      if (request.slave !== this.slaveId) continue;
      this.requests.push({ slave: request.slave, address: request.address, count: request.count });
      const reply = this.answer(request.function, request.address, request.count);
      if (reply) replies.push(reply);
    }
    return replies;
  }

  private answer(fn: number, address: number, count: number): Buffer | undefined {
    if (this.quiet) return undefined;
    let reply: Buffer;
    if (this.exceptionCode !== undefined) reply = encodeException(this.slaveId, fn, this.exceptionCode);
    else if (fn !== READ_INPUT_REGISTERS) reply = encodeException(this.slaveId, fn, 1);
    else {
      const values = Array.from({ length: count }, (_, i) => this.registers.get(address + i));
      reply = values.every((value) => value !== undefined)
        ? encodeReadResponse(this.slaveId, fn, values as number[])
        : encodeException(this.slaveId, fn, 2);
    }
    if (this.crcFaults > 0) {
      this.crcFaults--;
      reply[reply.length - 1] ^= 0xff;
    }
    return reply;
  }
}

/** Serves `slave` on a real serial path (e.g. PtyPair.hostPath). */
export const serveModbusSlave = (path: string, slave: ModbusSlave) => serveDevice(path, slave);

/** A MockBinding device at `path` answered by `slave`, with unplug() and replug(). */
export const mockModbusDevice = (path: string, slave: ModbusSlave) => mockDevice(path, slave);
