/**
 * Modbus RTU framing for "read input registers" (function 0x04): a pure codec, no I/O.
 * CRC-16/MODBUS: reflected polynomial 0xA001, init 0xFFFF, sent low byte first.
 */

export const READ_INPUT_REGISTERS = 0x04;

/** Standard Modbus exception codes and their names. */
export const MODBUS_EXCEPTIONS: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'slave device failure',
  5: 'acknowledge',
  6: 'slave device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export function exceptionName(code: number): string {
  return MODBUS_EXCEPTIONS[code] ?? `unknown exception 0x${code.toString(16).padStart(2, '0')}`;
}

export function crc16(buf: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Appends the CRC (low byte first) to a frame body. */
export function withCrc(body: Uint8Array): Buffer {
  const frame = Buffer.alloc(body.length + 2);
  frame.set(body);
  frame.writeUInt16LE(crc16(body), body.length);
  return frame;
}

/** One read request: what the decoder needs to validate the answer. */
export interface ReadRequest {
  slave: number;
  address: number;
  count: number;
}

export function encodeReadInputRegisters(slave: number, address: number, count: number): Buffer {
  const body = Buffer.alloc(6);
  body.writeUInt8(slave, 0);
  body.writeUInt8(READ_INPUT_REGISTERS, 1);
  body.writeUInt16BE(address, 2);
  body.writeUInt16BE(count, 4);
  return withCrc(body);
}

/** Length of a normal answer to a read of `count` registers: slave, function, byte count, data, CRC. */
export function expectedResponseLength(count: number): number {
  return 5 + 2 * count;
}

export type DecodeResult =
  | { kind: 'incomplete' }
  | { kind: 'registers'; registers: number[] }
  | { kind: 'exception'; code: number; name: string }
  | { kind: 'error'; code: 'ERR_MODBUS_CRC' | 'ERR_MODBUS_FRAME'; message: string };

const hex = (n: number, width = 2) => `0x${n.toString(16).padStart(width, '0')}`;

/** Decodes the bytes received so far for `request`; bytes after the first complete frame are ignored. */
export function decodeReadResponse(buf: Uint8Array, request: ReadRequest): DecodeResult {
  if (buf.length < 2) return { kind: 'incomplete' };
  const fn = buf[1];
  const isException = fn === (READ_INPUT_REGISTERS | 0x80);
  if (fn !== READ_INPUT_REGISTERS && !isException) {
    return { kind: 'error', code: 'ERR_MODBUS_FRAME', message: `unexpected function code ${hex(fn)}` };
  }
  const length = isException ? 5 : expectedResponseLength(request.count);
  if (buf.length < length) return { kind: 'incomplete' };
  const frame = Buffer.from(buf.buffer, buf.byteOffset, length);
  const got = frame.readUInt16LE(length - 2);
  const want = crc16(frame.subarray(0, length - 2));
  if (got !== want) {
    return {
      kind: 'error',
      code: 'ERR_MODBUS_CRC',
      message: `bad CRC ${hex(got, 4)}, expected ${hex(want, 4)}`,
    };
  }
  if (frame[0] !== request.slave) {
    return {
      kind: 'error',
      code: 'ERR_MODBUS_FRAME',
      message: `answer from slave ${frame[0]}, expected slave ${request.slave}`,
    };
  }
  if (isException) return { kind: 'exception', code: frame[2], name: exceptionName(frame[2]) };
  if (frame[2] !== 2 * request.count) {
    return {
      kind: 'error',
      code: 'ERR_MODBUS_FRAME',
      message: `byte count ${frame[2]}, expected ${2 * request.count}`,
    };
  }
  const registers: number[] = [];
  for (let i = 0; i < request.count; i++) registers.push(frame.readUInt16BE(3 + 2 * i));
  return { kind: 'registers', registers };
}

/** Server side (for simulators): parses one 8-byte read request, or undefined if not one (bad CRC too). */
export function decodeReadRequest(buf: Uint8Array): (ReadRequest & { function: number }) | undefined {
  if (buf.length < 8) return undefined;
  const frame = Buffer.from(buf.buffer, buf.byteOffset, 8);
  if (frame.readUInt16LE(6) !== crc16(frame.subarray(0, 6))) return undefined;
  return {
    slave: frame[0],
    function: frame[1],
    address: frame.readUInt16BE(2),
    count: frame.readUInt16BE(4),
  };
}

/** Server side: a normal answer carrying `registers`. */
export function encodeReadResponse(slave: number, fn: number, registers: readonly number[]): Buffer {
  const body = Buffer.alloc(3 + 2 * registers.length);
  body.writeUInt8(slave, 0);
  body.writeUInt8(fn, 1);
  body.writeUInt8(2 * registers.length, 2);
  registers.forEach((value, i) => {
    body.writeUInt16BE(value & 0xffff, 3 + 2 * i);
  });
  return withCrc(body);
}

/** Server side: an exception answer (function | 0x80, exception code). */
export function encodeException(slave: number, fn: number, code: number): Buffer {
  return withCrc(Buffer.from([slave, fn | 0x80, code]));
}
