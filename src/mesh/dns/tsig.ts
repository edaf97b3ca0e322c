/**
 * TSIG (RFC 8945), written here: dns-packet knows the TSIG type (250) but carries its RDATA as raw bytes,
 * and a MAC must be computed over the exact bytes of the message as sent or received. dns-packet writes
 * and reads the names and encodes the TSIG resource record around the RDATA built here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeName, readName, recordCodec } from './dns-packet-codecs.js';

/** TSIG algorithm names (RFC 8945 §6) and their node:crypto hashes. */
export const TSIG_ALGORITHMS = {
  'hmac-sha256': 'sha256',
  'hmac-sha512': 'sha512',
  'hmac-sha1': 'sha1',
} as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

/** The TSIG errors, which share the RCODE number space (RFC 8945 §3). */
export const TSIG_ERRORS: Readonly<Record<number, string>> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

/** RFC 8945 §4.2 TSIG RDATA, the record's owner (the key name) and where the record starts in the message. */
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

/** What verifyTsig needs of a decoded message. */
export interface SignedMessage {
  counts: { additional: number };
  tsig?: TsigRecord;
}

const EMPTY = Buffer.alloc(0);
const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const u32 = (value: number) =>
  Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
/** 48-bit seconds since the epoch (RFC 8945 §4.2 Time Signed). */
const u48 = (value: number) => Buffer.concat([u16(Math.floor(value / 2 ** 32)), u32(value % 2 ** 32)]);
const CLASS_ANY = 255;

/**
 * Reads the TSIG RDATA at `start` (up to `end`) of the record that starts at `offset` and is owned by
 * `keyName`. The algorithm name is read with dns-packet's name decoder, in case a sender compressed it.
 */
export function decodeTsig(
  buf: Buffer,
  start: number,
  end: number,
  keyName: string,
  offset: number,
): TsigRecord {
  const within = (at: number) => {
    if (at > end) throw new RangeError('the TSIG record runs past its RDLENGTH');
    return at;
  };
  const { name: algorithm, next: p } = readName(buf, start);
  const macEnd = within(p + 10) + buf.readUInt16BE(p + 8);
  const otherEnd = within(macEnd + 6) + buf.readUInt16BE(macEnd + 4);
  within(otherEnd);
  return {
    keyName,
    algorithm,
    timeSigned: buf.readUInt16BE(p) * 2 ** 32 + buf.readUInt32BE(p + 2),
    fudge: buf.readUInt16BE(p + 6),
    mac: buf.subarray(p + 10, macEnd),
    originalId: buf.readUInt16BE(macEnd),
    error: buf.readUInt16BE(macEnd + 2),
    otherData: buf.subarray(macEnd + 6, otherEnd),
    offset,
  };
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
  hmac.update(Buffer.concat([u16(CLASS_ANY), u32(0), encodeName(key.algorithm)]));
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

/**
 * Appends a TSIG record to `message` (RFC 8945 §4.2) and bumps ARCOUNT; returns the signed message and
 * its MAC. `message` is signed as it is, byte for byte (compressed or not).
 */
export function signMessage(message: Buffer, key: TsigKey, options: SignOptions) {
  const vars = { timeSigned: options.timeSigned, fudge: options.fudge ?? 300, error: 0, otherData: EMPTY };
  const mac = computeMac(key, message, vars, options.requestMac);
  const rdata = Buffer.concat([
    encodeName(key.algorithm),
    u48(vars.timeSigned),
    u16(vars.fudge),
    u16(mac.length),
    mac,
    u16(message.readUInt16BE(0)), // Original ID
    u16(vars.error),
    u16(vars.otherData.length),
  ]);
  const record = recordCodec.encode({ name: key.name, type: 'TSIG', class: 'ANY', ttl: 0, data: rdata });
  const signed = Buffer.concat([message, record]);
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
  message: SignedMessage,
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
