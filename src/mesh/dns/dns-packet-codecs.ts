/**
 * The per-part codecs of `dns-packet` (names, questions, resource records), typed. dns-packet 5 exports
 * them beside `encode`/`decode`, but @types/dns-packet declares only the whole-message functions.
 * Each function leaves the number of bytes it read or wrote in its `bytes` property, as dns-packet does.
 */

import type { Answer, Question } from 'dns-packet';
import * as dnsPacket from 'dns-packet';

type Encoder<T> = ((value: T, buf?: Buffer, offset?: number) => Buffer) & { bytes: number };
type Decoder<T> = ((buf: Buffer, offset?: number) => T) & { bytes: number };

interface Codec<T> {
  encode: Encoder<T>;
  decode: Decoder<T>;
  encodingLength(value: T): number;
}

const codecs = dnsPacket as typeof dnsPacket & {
  name: Codec<string>;
  question: Codec<Question>;
  answer: Codec<Answer>;
};

/** Domain names: written uncompressed (dns-packet never compresses), read following pointers. */
export const nameCodec = codecs.name;
export const questionCodec = codecs.question;
/** One resource record: owner, type, class, TTL and RDATA (typed for the types dns-packet knows). */
export const recordCodec = codecs.answer;

/** Reads the name at `offset` as an absolute name ("poe.example.test.", "." for the root) and where it ends. */
export function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const name = nameCodec.decode(buf, offset);
  return { name: name === '.' ? '.' : `${name}.`, next: offset + nameCodec.decode.bytes };
}

/**
 * RFC 1035 §3.1 wire form (length-prefixed labels, then the root's zero byte; a trailing dot is optional),
 * written by dns-packet after the checks it does not make: it would write an empty or over-long label
 * as a broken name.
 */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  for (const label of trimmed === '' ? [] : trimmed.split('.')) {
    const length = Buffer.byteLength(label);
    if (length < 1 || length > 63) throw new RangeError(`bad label in DNS name "${name}"`);
  }
  const absolute = `${trimmed}.`; // dns-packet would size "" as two bytes
  if (nameCodec.encodingLength(absolute) > 255) throw new RangeError(`DNS name "${name}" is over 255 bytes`);
  return nameCodec.encode(absolute);
}
