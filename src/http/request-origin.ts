/**
 * Who is asking, and through which name. Two defences:
 * - DNS rebinding: a page on another site can make a browser send requests here under that site's
 *   name. So requests that change state (anything but GET/HEAD/OPTIONS) and the local-only views must
 *   carry a Host that is a name of this node: an IP address (a rebinding attack needs a name, so any
 *   address literal is safe, and behind NAT peers know us only by an address we cannot list),
 *   `localhost`, the machine's host name, the DNS provider's public name, or one of `http.hostNames`.
 * - Proxies: the client address comes from `X-Forwarded-For`/`Forwarded` only when the connection
 *   comes from an address in `http.trustedProxies`; local-only endpoints refuse any request carrying
 *   proxy headers, so a reverse proxy on this machine cannot make remote callers look local.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Context, Middleware, Next } from 'koa';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'via', 'x-real-ip'];

/** IPv4-mapped IPv6 written as IPv4, zone ids dropped. */
export function plainAddress(address: string): string {
  const mapped = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return mapped.replace(/%.*$/, '');
}

/** The host part of a Host header (`name:port`, `[v6]:port`), lower-cased, without a trailing dot. */
export function hostOf(header: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return bracketed[1].toLowerCase();
  const colon = header.lastIndexOf(':');
  const host = colon > 0 && header.indexOf(':') === colon ? header.slice(0, colon) : header;
  return host.toLowerCase().replace(/\.$/, '');
}

export class HostNames {
  readonly #names: Set<string>;

  constructor(names: readonly (string | undefined)[], machine = hostname()) {
    const own = [...names, machine, `${machine}.local`, 'localhost'];
    this.#names = new Set(own.filter((n): n is string => !!n).map((n) => hostOf(n)));
  }

  /** Whether a request's Host names this node. No Host at all (HTTP/1.0, a script) is not a browser. */
  allows(header: string | undefined): boolean {
    if (header === undefined || header === '') return true;
    const host = hostOf(header);
    return isIP(host) !== 0 || this.#names.has(host) || host.endsWith('.localhost');
  }

  list(): string[] {
    return [...this.#names];
  }
}

export function hasProxyHeaders(ctx: Context): boolean {
  return PROXY_HEADERS.some((h) => ctx.get(h) !== '');
}

/** The addresses a forwarding header names, nearest proxy last, as they were appended. */
function forwardedChain(ctx: Context): string[] {
  const xff = ctx.get('x-forwarded-for');
  if (xff) return xff.split(',').map((a) => a.trim());
  const forwarded = ctx.get('forwarded');
  const found = [...forwarded.matchAll(/for="?\[?([^\]";,]+)\]?(?::\d+)?"?/gi)].map((m) => m[1]);
  return found;
}

export interface OriginOptions {
  hostNames: HostNames;
  /** Addresses of reverse proxies whose forwarding headers are believed. */
  trustedProxies: readonly string[];
}

/**
 * First in the chain after the error middleware: sets `ctx.request.ip` (the proxy's word only when
 * it is trusted), records `ctx.state.ownHost`, and refuses a state-changing request under a foreign
 * Host with a 403 naming the setting that would allow it.
 */
export function requestOrigin(options: OriginOptions): Middleware {
  const trusted = new Set(options.trustedProxies.map(plainAddress));
  return async (ctx: Context, next: Next) => {
    const socketAddress = plainAddress(ctx.req.socket.remoteAddress ?? '');
    let ip = socketAddress;
    if (trusted.has(socketAddress)) {
      const chain = forwardedChain(ctx)
        .map(plainAddress)
        .filter((a) => isIP(a) !== 0);
      while (chain.length > 0 && trusted.has(chain[chain.length - 1])) chain.pop();
      ip = chain.pop() ?? socketAddress;
    }
    ctx.request.ip = ip;
    const host = ctx.get('host');
    ctx.state.ownHost = options.hostNames.allows(host);
    if (!ctx.state.ownHost && !SAFE_METHODS.has(ctx.method)) {
      ctx.throw(
        403,
        `Host "${hostOf(host)}" is not a name of this node; add it to http.hostNames (PIMESH_HOST_NAMES)`,
        {
          code: 'ERR_FOREIGN_HOST',
        },
      );
    }
    await next();
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1)$/;

/**
 * A request from this machine itself: a loopback (or own-address) connection, with no proxy header,
 * under a Host that names this node. Jobs and the private election view need it.
 */
export function fromThisMachine(ctx: Context): boolean {
  if (hasProxyHeaders(ctx) || ctx.state.ownHost === false) return false;
  const remote = plainAddress(ctx.req.socket.remoteAddress ?? '');
  const local = plainAddress(ctx.req.socket.localAddress ?? '');
  return LOOPBACK.test(remote) || (remote !== '' && remote === local);
}
