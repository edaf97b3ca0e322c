import { isIPv4, isIPv6 } from 'node:net';
import { InputError } from '../errors.js';
import { type DeviceEntry, deviceEntry } from './device-entry.js';
import { testInput } from './php-escape.js';

/** The POSTed form fields, as `parsePhpQuery` returns them or as a plain record. */
export type PostFields = ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const STAMP = /^\d+(\.\d+)?$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function field(fields: PostFields, name: string): string | undefined {
  if (fields instanceof Map) return fields.get(name);
  return (fields as Readonly<Record<string, string | undefined>>)[name];
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535;
}

/** RFC 1123 host name: dot-separated labels, 253 characters at most, not all-numeric at the end. */
function isHostName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split('.');
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((label) => LABEL.test(label));
}

/** IPv4[:port], IPv6, [IPv6]:port, or host[:port]: what a node may announce as its address. */
export function isPeerAddress(value: string): boolean {
  if (isIPv6(value)) return true;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return isIPv6(bracketed[1]) && (bracketed[2] === undefined || isPort(bracketed[2]));
  const colon = value.lastIndexOf(':');
  const host = colon === -1 ? value : value.slice(0, colon);
  if (colon !== -1 && !isPort(value.slice(colon + 1))) return false;
  return isIPv4(host) || isHostName(host);
}

/**
 * The DeviceEntry a POST to api.php stands for. Every value goes through test_input first, as the
 * original stores escaped values. The original checks no field; this node refuses (400, naming the
 * first bad one) only a mac, ip or stamp that is not one (a working original client sends its /sys
 * MAC, address[:port] and str(time.time())). name, tz and log are stored whatever they hold, as the
 * original stores them: only the request is bounded (the route's 64 KiB body cap), so a peer with a
 * long or HTML-bearing name is in our list as it is in theirs.
 */
export function validatePost(fields: PostFields): DeviceEntry {
  const mac = testInput(field(fields, 'mac'));
  const ip = testInput(field(fields, 'ip'));
  const stamp = testInput(field(fields, 'stamp'));
  const name = testInput(field(fields, 'name'));
  const tz = testInput(field(fields, 'tz'));
  const log = testInput(field(fields, 'log'));
  if (!MAC.test(mac)) throw new InputError('mac: must be a MAC address like b8:27:eb:00:00:01');
  if (!isPeerAddress(ip)) {
    throw new InputError('ip: must be an IPv4 or IPv6 address or a host name, with an optional :port');
  }
  if (!STAMP.test(stamp)) throw new InputError('stamp: must be a number of seconds like 1612345678.123');
  // explode(',', $log): "" gives [""], "0" gives ["0"].
  return deviceEntry({ mac, ip, 'time stamp': stamp, name, tz, log: log.split(',') });
}
