/**
 * The `rfc2136` provider: a DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945), sent to the zone's
 * authoritative server (BIND, Knot, PowerDNS...). Replaces every A record of `name` with one address.
 * Answers are trusted only when their TSIG verifies; the secret never appears in errors.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIPv4, isIPv6 } from 'node:net';
import type { Rfc2136Config } from './config.js';
import { type DnsMessage, decodeMessage, encodeQuery, encodeUpdateA, rcodeName } from './dns-message.js';
import { signMessage, type TsigKey, verifyTsig } from './tsig.js';
import { type DnsErrorCode, type DnsProvider, DnsUpdateError, type Secrets } from './types.js';

const PROVIDER = 'rfc2136';
const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();

export interface Rfc2136Options {
  /** Seconds since the epoch for TSIG "time signed" (tests use it to provoke BADTIME). */
  now?: () => number;
}

const fail = (code: DnsErrorCode, message: string, cause?: unknown) =>
  new DnsUpdateError(PROVIDER, code, message, cause);

export function createRfc2136(
  config: Rfc2136Config,
  secrets: Secrets,
  options: Rfc2136Options = {},
): DnsProvider {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const zone = `${bare(config.zone)}.`;
  const name = `${bare(config.name)}.`;
  const keyName = bare(config.keyName);

  const key = (): TsigKey => {
    const base64 = secrets.require(PROVIDER, config.secretName).trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
      throw fail('ERR_DNS_CONFIG', `secret ${config.secretName} is not base64 (as tsig-keygen prints it)`);
    }
    const secret = Buffer.from(base64, 'base64');
    return { name: keyName, algorithm: config.algorithm, secret };
  };

  /** Signs `message`, sends it, and returns the decoded answer, whose TSIG is checked by `check()`. */
  async function exchange(message: Buffer, tsigKey: TsigKey, signal?: AbortSignal) {
    const request = signMessage(message, tsigKey, { timeSigned: now() });
    const where = `${config.server}:${config.port}`;
    let raw: Buffer;
    try {
      raw = await send(config, request.message, config.transport, signal);
      // A truncated UDP answer (TC bit, RFC 1035 §4.2.1): ask again over TCP.
      if (config.transport === 'udp' && raw.length >= 3 && raw[2] & 0x02) {
        raw = await send(config, request.message, 'tcp', signal);
      }
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw fail(
        'ERR_DNS_UNREACHABLE',
        `no answer from ${where} over ${config.transport} (${reason})`,
        error,
      );
    }
    let answer: DnsMessage;
    try {
      answer = decodeMessage(raw);
    } catch (error) {
      throw fail('ERR_DNS_REJECTED', `malformed answer from ${where}`, error);
    }
    if (!answer.isResponse || answer.id !== message.readUInt16BE(0)) {
      throw fail('ERR_DNS_REJECTED', `the answer from ${where} does not match the request`);
    }
    return { raw, answer, requestMac: request.mac };
  }

  /** Maps TSIG errors and RCODEs to DnsUpdateErrors; passes NOERROR (and NXDOMAIN if allowed) with a valid TSIG. */
  function check(
    what: string,
    exchanged: Awaited<ReturnType<typeof exchange>>,
    tsigKey: TsigKey,
    ok: number[],
  ) {
    const { raw, answer, requestMac } = exchanged;
    const tsigError = answer.tsig?.error ?? 0;
    if (tsigError === 16 || tsigError === 17) {
      const hint = tsigError === 16 ? 'wrong secret or algorithm' : 'the server does not know this key name';
      throw fail(
        'ERR_DNS_AUTH',
        `server rejected the TSIG key "${keyName}" (${rcodeName(tsigError)}: ${hint})`,
      );
    }
    if (tsigError === 18) {
      throw fail(
        'ERR_DNS_REJECTED',
        "our clock differs from the server's by more than the fudge (BADTIME): is the time set?",
      );
    }
    if (tsigError !== 0) throw fail('ERR_DNS_REJECTED', `server answered TSIG error ${rcodeName(tsigError)}`);
    const rcode = rcodeName(answer.rcode);
    if (answer.rcode === 5) {
      const detail =
        what === 'the update' ? `key "${keyName}" may not update ${name} in zone ${zone}` : 'not allowed';
      throw fail('ERR_DNS_AUTH', `server refused ${what} (REFUSED: ${detail})`);
    }
    if (!ok.includes(answer.rcode)) {
      const hints: Record<string, string> = {
        NOTAUTH: `the server is not authoritative for zone ${zone}`,
        NOTZONE: `${name} is not inside zone ${zone}`,
        NOTIMP: 'the server does not implement DNS UPDATE',
      };
      throw fail(
        'ERR_DNS_REJECTED',
        `server answered ${rcode} to ${what}${hints[rcode] ? ` (${hints[rcode]})` : ''}`,
      );
    }
    const verdict = verifyTsig(raw, answer, tsigKey, { requestMac, now: now() });
    if (!verdict.valid) {
      throw fail(
        'ERR_DNS_REJECTED',
        `the ${rcode} answer to ${what} failed TSIG verification: ${verdict.reason}`,
      );
    }
    return rcode;
  }

  return {
    name: PROVIDER,
    target: bare(config.name),

    async update(ip, signal) {
      if (!isIPv4(ip)) throw fail('ERR_DNS_CONFIG', `"${ip}" is not an IPv4 address`);
      const tsigKey = key();
      const message = encodeUpdateA(randomInt(0x10000), zone, name, config.ttl, ip);
      const rcode = check('the update', await exchange(message, tsigKey, signal), tsigKey, [0]);
      return `${rcode}: ${name} ${config.ttl} A ${ip}`;
    },

    async current(signal) {
      const tsigKey = key();
      const exchanged = await exchange(encodeQuery(randomInt(0x10000), name, 'A'), tsigKey, signal);
      check('the query', exchanged, tsigKey, [0, 3]);
      const addresses = exchanged.answer.answers
        .flatMap(({ decoded }) =>
          decoded?.type === 'A' && bare(decoded.name) === bare(name) ? [decoded.data] : [],
        )
        .sort();
      // Several A records never equal one address, so the updater will replace them all.
      return addresses.length === 0 ? undefined : addresses.join(',');
    },
  };
}

/**
 * One request, one answer: TCP with the 2-byte length prefix (RFC 1035 §4.2.2), or one UDP datagram.
 * The prefix is written and read here, not by dns-packet's streamEncode/streamDecode: those take and give
 * decoded packets, and TSIG needs the exact bytes.
 */
function send(
  config: Rfc2136Config,
  message: Buffer,
  transport: 'tcp' | 'udp',
  signal?: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    const finish = (error: Error | undefined, answer?: Buffer) => {
      for (const cleanup of cleanups.splice(0)) cleanup();
      if (error) reject(error);
      else resolve(answer!);
    };
    const onAbort = () => finish(new Error('aborted', { cause: signal?.reason }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${config.timeoutMs} ms`)),
      config.timeoutMs,
    );
    cleanups.push(
      () => clearTimeout(timer),
      () => signal?.removeEventListener('abort', onAbort),
    );

    if (transport === 'udp') {
      const socket = createSocket(isIPv6(config.server) ? 'udp6' : 'udp4');
      cleanups.push(() => socket.close());
      socket.on('error', (error) => finish(error));
      socket.on('message', (answer) => {
        if (answer.length >= 12 && answer.readUInt16BE(0) === message.readUInt16BE(0)) {
          finish(undefined, answer);
        }
      });
      // A connected socket hears only the server, and hears ICMP "port unreachable" as ECONNREFUSED.
      socket.connect(config.port, config.server, () => socket.send(message));
      return;
    }
    const socket = connect({ host: config.server, port: config.port });
    cleanups.push(() => socket.destroy());
    let received = Buffer.alloc(0);
    socket.on('connect', () =>
      socket.write(Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message])),
    );
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        finish(undefined, received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('connection closed before a complete answer')));
  });
}
