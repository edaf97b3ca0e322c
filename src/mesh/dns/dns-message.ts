/**
 * DNS messages for dynamic updates: a pure codec, no I/O, on `dns-packet` (RFC 1035 message format,
 * RFC 2136 UPDATE); TSIG (RFC 8945) is in tsig.ts. Names are written uncompressed (dns-packet never
 * compresses); compressed names in answers are read.
 *
 * Where dns-packet 5 falls short, the adapters here:
 * - it cannot write a record without RDATA of a type it knows (its A encoder always writes 4 bytes), which
 *   an RFC 2136 §2.5.2 delete needs: such records are spelled with its own name for unknown types,
 *   `UNKNOWN_<number>`, whose RDATA it writes as given (see `noRdata`);
 * - its A and AAAA decoders read 4 or 16 bytes whatever RDLENGTH says, so a message holding a delete
 *   would be misread, and its whole-message decoder does not say where each record starts, which TSIG
 *   needs: `decodeMessage` walks the sections itself, decoding each question and record with
 *   dns-packet's codecs, and reads records with RDLENGTH 0 without them;
 * - it has no class NONE (254, RFC 2136 §2.4.3 and §2.5.4): nothing here needs it;
 * - it throws plain Errors on malformed input: they become RangeErrors.
 */
import { type Answer, encode, type RecordClass, type RecordType } from 'dns-packet';
import { encodeName, questionCodec, readName, recordCodec } from './dns-packet-codecs.js';
import { decodeTsig, TSIG_ERRORS, type TsigRecord } from './tsig.js';

export { encodeName };

const OPCODE_UPDATE = 5;
const TYPE_TSIG = 250;

/** RCODEs (RFC 1035 §4.1.1, RFC 2136 §2.2) and the TSIG errors that share their space (RFC 8945 §3). */
const RCODES =
  'NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED YXDOMAIN YXRRSET NXRRSET NOTAUTH NOTZONE'.split(' ');

export const rcodeName = (code: number): string => RCODES[code] ?? TSIG_ERRORS[code] ?? `RCODE${code}`;

/** A record with no RDATA: dns-packet's spelling for a type it has no encoder for takes raw RDATA. */
const noRdata = (name: string, type: number, klass: RecordClass): Answer =>
  ({ name, type: `UNKNOWN_${type}`, class: klass, ttl: 0, data: Buffer.alloc(0) }) as unknown as Answer;

/**
 * RFC 2136 §2: zone section `zone SOA IN`, no prerequisites, and two updates: delete every A record
 * of `name` (§2.5.2: class ANY, TTL 0, no RDATA), then add `name ttl IN A ip` (§2.5.1). dns-packet's
 * sections are UPDATE's: questions = zone, answers = prerequisites, authorities = updates.
 */
export function encodeUpdateA(id: number, zone: string, name: string, ttl: number, ip: string): Buffer {
  for (const checked of [zone, name]) encodeName(checked); // the label checks dns-packet does not make
  return encode({
    id,
    type: 'query',
    flags: OPCODE_UPDATE << 11,
    questions: [{ name: zone, type: 'SOA', class: 'IN' }],
    authorities: [noRdata(name, 1, 'ANY'), { name, type: 'A', class: 'IN', ttl, data: ip }],
  });
}

/** A standard query (opcode 0, no recursion wanted) for `name type IN`. */
export function encodeQuery(id: number, name: string, type: RecordType = 'A'): Buffer {
  encodeName(name);
  return encode({ id, type: 'query', flags: 0, questions: [{ name, type, class: 'IN' }] });
}

export interface ResourceRecord {
  /** Absolute: "poe.example.test.". */
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
  /** dns-packet's reading of the record (`{ type: 'A', data: '192.0.2.7', … }`); none without RDATA. */
  decoded?: Answer;
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

/** One resource record at `start`, read by dns-packet unless it has no RDATA; and where the next one starts. */
function readRecord(buf: Buffer, start: number): { record: ResourceRecord; end: number } {
  const { name, next } = readName(buf, start);
  if (next + 10 > buf.length) throw new RangeError('resource record runs past the message');
  const rdataStart = next + 10;
  const end = rdataStart + buf.readUInt16BE(next + 8);
  if (end > buf.length) throw new RangeError('resource record runs past the message');
  const decoded = end === rdataStart ? undefined : recordCodec.decode(buf, start);
  if (decoded && start + recordCodec.decode.bytes !== end) {
    throw new RangeError(`the ${decoded.type} record's data does not fill its RDLENGTH`);
  }
  const record: ResourceRecord = {
    name,
    type: buf.readUInt16BE(next),
    class: buf.readUInt16BE(next + 2),
    ttl: buf.readUInt32BE(next + 4),
    rdata: buf.subarray(rdataStart, end),
    decoded,
  };
  return { record, end };
}

function decode(buf: Buffer): DnsMessage {
  // RFC 1035 §4.1.1 header: ID, flags (QR, OPCODE, AA, TC, RD, RA, Z, RCODE), four section counts.
  // Read here: dns-packet does not export its header decoder.
  if (buf.length < 12) throw new RangeError('a DNS message starts with a 12-byte header');
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
  for (let i = 0; i < question; i++) {
    questionCodec.decode(buf, pos);
    pos += questionCodec.decode.bytes;
  }
  const total = answer + authority + additional;
  for (let i = 0; i < total; i++) {
    const { record, end } = readRecord(buf, pos);
    if (i < answer) message.answers.push(record);
    if (i === total - 1 && i >= answer + authority && record.type === TYPE_TSIG) {
      message.tsig = decodeTsig(buf, end - record.rdata.length, end, record.name, pos);
    }
    pos = end;
  }
  return message;
}

/**
 * Decodes a message's header, its answer records and its TSIG record (the last additional one, if any).
 * A malformed message is a RangeError.
 */
export function decodeMessage(buf: Buffer): DnsMessage {
  try {
    return decode(buf);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    throw new RangeError(`malformed DNS message: ${(error as Error).message}`, { cause: error });
  }
}
