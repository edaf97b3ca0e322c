import test from 'ava';
import {
  crc16,
  decodeReadRequest,
  decodeReadResponse,
  encodeException,
  encodeReadInputRegisters,
  encodeReadResponse,
  expectedResponseLength,
} from '../../../src/hardware/charge-controller/modbus-rtu.js';

const bytes = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const request = { slave: 1, address: 0x3100, count: 16 };

test('crc16 matches the CRC-16/MODBUS catalogue check value for "123456789"', (t) => {
  t.is(crc16(Buffer.from('123456789')), 0x4b37);
});

test('crc16 matches the Modbus spec example 01 03 00 00 00 0A -> C5 CD', (t) => {
  t.is(crc16(bytes('01 03 00 00 00 0A')), 0xcdc5);
});

test('crc16 matches frames captured from EPEver controllers', (t) => {
  // Request `01 04 31 00 00 01 3F 36` and answer `01 04 02 0A 81 7F F0` (26.89 V), both from public captures.
  t.is(crc16(bytes('01 04 31 00 00 01')), 0x363f);
  t.is(crc16(bytes('01 04 02 0A 81')), 0xf07f);
  t.is(crc16(bytes('01 04 31 00 00 0F')), 0xf2be);
});

test('the logger requests encode with their CRC low byte first', (t) => {
  t.deepEqual(encodeReadInputRegisters(1, 0x3100, 16), bytes('01 04 31 00 00 10 ff 3a'));
  t.deepEqual(encodeReadInputRegisters(1, 0x311a, 2), bytes('01 04 31 1a 00 02 5e f0'));
  t.deepEqual(encodeReadInputRegisters(1, 0x3100, 1), bytes('01 04 31 00 00 01 3f 36'));
});

test('a response to n registers is 5 + 2n bytes long', (t) => {
  t.is(expectedResponseLength(16), 37);
  t.is(expectedResponseLength(2), 9);
});

test('a good response decodes to its registers', (t) => {
  t.deepEqual(decodeReadResponse(bytes('01 04 02 0A 81 7F F0'), { slave: 1, address: 0x3100, count: 1 }), {
    kind: 'registers',
    registers: [2689],
  });
  const values = Array.from({ length: 16 }, (_, i) => i * 1000 + 7);
  t.deepEqual(decodeReadResponse(encodeReadResponse(1, 4, values), request), {
    kind: 'registers',
    registers: values,
  });
});

test('a response split across chunks is incomplete until its last byte arrives', (t) => {
  const frame = encodeReadResponse(1, 4, new Array(16).fill(1323));
  for (const cut of [1, 2, 3, 20, 36]) {
    t.deepEqual(
      decodeReadResponse(frame.subarray(0, cut), request),
      { kind: 'incomplete' },
      `after ${cut} bytes`,
    );
  }
  const result = decodeReadResponse(Buffer.concat([frame, bytes('01 04')]), request);
  t.deepEqual(result, { kind: 'registers', registers: new Array(16).fill(1323) });
});

test('a bad CRC is an ERR_MODBUS_CRC error naming both CRCs', (t) => {
  const frame = encodeReadResponse(1, 4, new Array(16).fill(0));
  frame[frame.length - 1] ^= 0xff;
  const result = decodeReadResponse(frame, request);
  t.is(result.kind, 'error');
  t.like(result, { code: 'ERR_MODBUS_CRC' });
  t.regex((result as { message: string }).message, /bad CRC 0x[0-9a-f]{4}, expected 0x[0-9a-f]{4}/);
});

test('an exception frame decodes to its code and standard name', (t) => {
  t.deepEqual(encodeException(1, 4, 2), bytes('01 84 02 c2 c1'));
  t.deepEqual(decodeReadResponse(bytes('01 84 02 c2 c1'), request), {
    kind: 'exception',
    code: 2,
    name: 'illegal data address',
  });
  t.like(decodeReadResponse(encodeException(1, 4, 6), request), {
    kind: 'exception',
    name: 'slave device busy',
  });
  t.like(decodeReadResponse(encodeException(1, 4, 0x42), request), { name: 'unknown exception 0x42' });
});

test('an answer from another slave is a framing error', (t) => {
  const result = decodeReadResponse(encodeReadResponse(2, 4, new Array(16).fill(0)), request);
  t.deepEqual(result, {
    kind: 'error',
    code: 'ERR_MODBUS_FRAME',
    message: 'answer from slave 2, expected slave 1',
  });
});

test('a wrong function code or byte count is a framing error', (t) => {
  t.like(decodeReadResponse(bytes('01 03'), request), { kind: 'error', code: 'ERR_MODBUS_FRAME' });
  const short = encodeReadResponse(1, 4, new Array(16).fill(0));
  short[2] = 30;
  const fixed = Buffer.concat([short.subarray(0, -2), Buffer.alloc(2)]);
  fixed.writeUInt16LE(crc16(fixed.subarray(0, -2)), fixed.length - 2);
  t.like(decodeReadResponse(fixed, request), {
    code: 'ERR_MODBUS_FRAME',
    message: 'byte count 30, expected 32',
  });
});

test('a read request decodes back on the slave side, and garbage does not', (t) => {
  t.deepEqual(decodeReadRequest(encodeReadInputRegisters(1, 0x311a, 2)), {
    slave: 1,
    function: 4,
    address: 0x311a,
    count: 2,
  });
  t.is(decodeReadRequest(bytes('01 04 31 1a 00 02 5e f1')), undefined);
  t.is(decodeReadRequest(bytes('01 04 31')), undefined);
});
