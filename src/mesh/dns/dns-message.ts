/**
 * DNS messages for dynamic updates: a pure codec, no I/O.
 * RFC 1035 (message format), RFC 2136 (UPDATE), RFC 8945 (TSIG). Names are written uncompressed;
 * compressed names in answers are read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TYPE_A = 1;
export const TYPE_SOA = 6;
export const TYPE_TSIG = 250;
export const CLASS_IN = 1;
export const CLASS_ANY = 255;
export const OPCODE_UPDATE = 5;

/** RCODEs (RFC 1035 §4.1.1, RFC 2136 §2.2) and the TSIG errors that share their space (RFC 8945 §3). */
const RCODES =
  'NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED YXDOMAIN YXRRSET NXRRSET NOTAUTH NOTZONE'.split(' ');
const TSIG_ERRORS: Readonly<Record<number, string>> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

export const rcodeName = (code: number): string => RCODES[code] ?? TSIG_ERRORS[code] ?? `RCODE${code}`;

/** TSIG algorithm names (RFC 8945 §6) and their node:crypto hashes. */
export const TSIG_ALGORITHMS = {
  'hmac-sha256': 'sha256',
  'hmac-sha512': 'sha512',
  'hmac-sha1': 'sha1',
} as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

/** RFC 1035 §3.1: length-prefixed labels, then the root's zero byte. A trailing dot is optional. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const parts: Buffer[] = [];
  for (const label of trimmed === '' ? [] : trimmed.split('.')) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length < 1 || bytes.length > 63) throw new RangeError(`bad label in DNS name "${name}"`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  return Buffer.concat([...parts, Buffer.from([0])]);
}

const EMPTY = Buffer.alloc(0);
const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const u32 = (value: number) =>
  Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
/** 48-bit seconds since the epoch (RFC 8945 §4.2 Time Signed). */
const u48 = (value: number) => Buffer.concat([u16(Math.floor(value / 2 ** 32)), u32(value % 2 ** 32)]);

/** RFC 1035 §4.1.1 header: ID, flags (QR, OPCODE, AA, TC, RD, RA, Z, RCODE), four section counts. */
function header(id: number, opcode: number, counts: [number, number, number, number]): Buffer {
  return Buffer.concat([u16(id), u16(opcode << 11), ...counts.map(u16)]);
}

/** RFC 1035 §4.1.3 resource record. */
function record(name: string, type: number, klass: number, ttl: number, rdata: Buffer): Buffer {
  return Buffer.concat([encodeName(name), u16(type), u16(klass), u32(ttl), u16(rdata.length), rdata]);
}

/**
 * RFC 2136 §2: zone section `zone SOA IN`, no prerequisites, and two updates: delete every A record
 * of `name` (§2.5.2: class ANY, TTL 0, no RDATA), then add `name ttl IN A ip` (§2.5.1).
 */
export function encodeUpdateA(id: number, zone: string, name: string, ttl: number, ip: string): Buffer {
  const address = Buffer.from(ip.split('.').map(Number));
  return Buffer.concat([
    header(id, OPCODE_UPDATE, [1, 0, 2, 0]),
    encodeName(zone),
    u16(TYPE_SOA),
    u16(CLASS_IN),
    record(name, TYPE_A, CLASS_ANY, 0, EMPTY),
    record(name, TYPE_A, CLASS_IN, ttl, address),
  ]);
}

/** A standard query (opcode 0, no recursion wanted) for `name type IN`. */
export function encodeQuery(id: number, name: string, type = TYPE_A): Buffer {
  return Buffer.concat([header(id, 0, [1, 0, 0, 0]), encodeName(name), u16(type), u16(CLASS_IN)]);
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

/** RFC 8945 §4.2 TSIG RDATA, plus where the record starts in the message. */
export interface TsigRecord {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  otherData: Buffer;
  offset: number;
}

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  truncated: boolean;
  rcode: number;
  counts: { question: number; answer: number; authority: number; additional: number };
  answers: ResourceRecord[];
  tsig?: TsigRecord;
}

/** Reads a name at `offset`, following compression pointers (RFC 1035 §4.1.4). */
function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  for (let pos = offset, jumps = 0; ; ) {
    const length = buf.readUInt8(pos);
    if (length === 0) return { name: `${labels.join('.')}.`, next: next < 0 ? pos + 1 : next };
    if ((length & 0xc0) === 0xc0) {
      if (++jumps > 32) throw new RangeError('DNS name compression loop');
      if (next < 0) next = pos + 2;
      pos = buf.readUInt16BE(pos) & 0x3fff;
    } else {
      if (pos + 1 + length > buf.length) throw new RangeError('DNS name runs past the message');
      labels.push(buf.toString('ascii', pos + 1, pos + 1 + length));
      pos += 1 + length;
    }
  }
}

function decodeTsig(buf: Buffer, rdataStart: number, rr: ResourceRecord, offset: number): TsigRecord {
  const { name: algorithm, next: p } = readName(buf, rdataStart);
  const macSize = buf.readUInt16BE(p + 8);
  const q = p + 10 + macSize;
  const otherLength = buf.readUInt16BE(q + 4);
  if (q + 6 + otherLength > buf.length) throw new RangeError('TSIG record runs past the message');
  return {
    keyName: rr.name,
    algorithm,
    timeSigned: buf.readUInt16BE(p) * 2 ** 32 + buf.readUInt32BE(p + 2),
    fudge: buf.readUInt16BE(p + 6),
    mac: buf.subarray(p + 10, q),
    originalId: buf.readUInt16BE(q),
    error: buf.readUInt16BE(q + 2),
    otherData: buf.subarray(q + 6, q + 6 + otherLength),
    offset,
  };
}

/** Decodes a message's header, its answer records and its TSIG record (the last additional one, if any). */
export function decodeMessage(buf: Buffer): DnsMessage {
  const flags = buf.readUInt16BE(2);
  const [question, answer, authority, additional] = [4, 6, 8, 10].map((at) => buf.readUInt16BE(at));
  const message: DnsMessage = {
    id: buf.readUInt16BE(0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    truncated: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    counts: { question, answer, authority, additional },
    answers: [],
  };
  let pos = 12;
  for (let i = 0; i < question; i++) pos = readName(buf, pos).next + 4;
  const total = answer + authority + additional;
  for (let i = 0; i < total; i++) {
    const start = pos;
    const { name, next } = readName(buf, pos);
    const rdlength = buf.readUInt16BE(next + 8);
    const rdataStart = next + 10;
    if (rdataStart + rdlength > buf.length) throw new RangeError('resource record runs past the message');
    const rr: ResourceRecord = {
      name,
      type: buf.readUInt16BE(next),
      class: buf.readUInt16BE(next + 2),
      ttl: buf.readUInt32BE(next + 4),
      rdata: buf.subarray(rdataStart, rdataStart + rdlength),
    };
    if (i < answer) message.answers.push(rr);
    if (i === total - 1 && i >= answer + authority && rr.type === TYPE_TSIG) {
      message.tsig = decodeTsig(buf, rdataStart, rr, start);
    }
    pos = rdataStart + rdlength;
  }
  return message;
}

/**
 * RFC 8945 §4.3.3 digest: [request MAC size + request MAC, for a response (§4.3.1)], the message
 * without its TSIG record, then the TSIG variables: key name and algorithm name in canonical
 * (lower-case, uncompressed) form, class ANY, TTL 0, time signed, fudge, error, other len and data.
 */
type TsigVariables = Pick<TsigRecord, 'timeSigned' | 'fudge' | 'error' | 'otherData'>;

function computeMac(key: TsigKey, message: Buffer, vars: TsigVariables, requestMac?: Buffer): Buffer {
  const hmac = createHmac(TSIG_ALGORITHMS[key.algorithm], key.secret);
  if (requestMac) hmac.update(u16(requestMac.length)).update(requestMac);
  hmac.update(message);
  hmac.update(encodeName(key.name.toLowerCase()));
  hmac.update(Buffer.concat([u16(CLASS_ANY), u32(0), encodeName(`${key.algorithm}.`)]));
  hmac.update(
    Buffer.concat([u48(vars.timeSigned), u16(vars.fudge), u16(vars.error), u16(vars.otherData.length)]),
  );
  return hmac.update(vars.otherData).digest();
}

export interface SignOptions {
  /** Seconds since the epoch. */
  timeSigned: number;
  /** Permitted clock skew in seconds; RFC 8945 §10 recommends 300. */
  fudge?: number;
  /** The request's MAC, when signing a response. */
  requestMac?: Buffer;
}

/** Appends a TSIG record to `message` (RFC 8945 §4.2) and bumps ARCOUNT; returns the signed message and its MAC. */
export function signMessage(message: Buffer, key: TsigKey, options: SignOptions) {
  const vars = { timeSigned: options.timeSigned, fudge: options.fudge ?? 300, error: 0, otherData: EMPTY };
  const mac = computeMac(key, message, vars, options.requestMac);
  const rdata = Buffer.concat([
    encodeName(`${key.algorithm}.`),
    u48(vars.timeSigned),
    u16(vars.fudge),
    u16(mac.length),
    mac,
    u16(message.readUInt16BE(0)), // Original ID
    u16(vars.error),
    u16(0), // Other Len
  ]);
  const signed = Buffer.concat([message, record(key.name, TYPE_TSIG, CLASS_ANY, 0, rdata)]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { message: signed, mac };
}

export type TsigVerdict = { valid: true } | { valid: false; reason: string };

/**
 * Checks the TSIG record of a received message (RFC 8945 §5.2 for requests, §5.3 for responses: pass
 * the request's MAC). The MAC covers the message as it was before signing: Original ID restored and
 * ARCOUNT less one. With `now` (seconds) the time signed must also be within the fudge.
 */
export function verifyTsig(
  buf: Buffer,
  message: DnsMessage,
  key: TsigKey,
  options: { requestMac?: Buffer; now?: number } = {},
): TsigVerdict {
  const tsig = message.tsig;
  if (!tsig) return { valid: false, reason: 'the message is not signed' };
  if (tsig.keyName.toLowerCase() !== `${key.name.toLowerCase().replace(/\.$/, '')}.`) {
    return { valid: false, reason: `signed with another key (${tsig.keyName})` };
  }
  if (tsig.algorithm.toLowerCase() !== `${key.algorithm}.`) {
    return { valid: false, reason: `signed with another algorithm (${tsig.algorithm})` };
  }
  const unsigned = Buffer.from(buf.subarray(0, tsig.offset));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(message.counts.additional - 1, 10);
  const expected = computeMac(key, unsigned, tsig, options.requestMac);
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) {
    return { valid: false, reason: 'the MAC does not match' };
  }
  if (options.now !== undefined && Math.abs(options.now - tsig.timeSigned) > tsig.fudge) {
    return { valid: false, reason: `signed at ${tsig.timeSigned}, more than ${tsig.fudge} s from now` };
  }
  return { valid: true };
}
