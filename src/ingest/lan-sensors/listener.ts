/**
 * The TCP listener boards stream to. It never writes to a socket (boards expect nothing back). A
 * connection from outside the allow-list, or beyond the total or per-address limit, is closed at once
 * and counted; a connection silent for `idleTimeoutMs` is closed (a board that vanished is noticed, as
 * the original's was not), and TCP keepalive finds dead peers on a quiet network.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PimeshError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import type { AllowList } from './allow-list.js';
import { FrameDecoder, type FrameSink, ipId, plainAddress } from './frame-codec.js';
import { ReadBudget } from './read-budget.js';

/** One frame of a known type, with its row key and receipt time (epoch ms). */
export type FrameIngest = (ipId: string, type: number, value: number, receivedAt: number) => void;

export interface ListenerOptions {
  port: number;
  host: string;
  allow: AllowList;
  maxConnections: number;
  maxPerAddress: number;
  idleTimeoutMs: number;
  /** First keepalive probe after this much silence (default 10 s). */
  keepAliveMs?: number;
  /** Frame work per turn of the event loop before other boards and the node get theirs (default 10 ms). */
  turnBudgetMs?: number;
  ingest: FrameIngest;
  log: Logger;
  now?: () => number;
}

export interface ConnectionInfo {
  address: string;
  port: number;
  /** ISO times. */
  connectedAt: string;
  lastSeenAt: string | null;
  frames: number;
  rejectedFrames: number;
  bytes: number;
}

export interface ListenerCounters {
  /** Open now. */
  connections: number;
  accepted: number;
  rejectedConnections: { notAllowed: number; tooMany: number; tooManyFromAddress: number };
  idleClosed: number;
  frames: number;
  rejectedFrames: number;
  /** Incomplete frames left when a connection closed. */
  truncatedFrames: number;
  bytes: number;
  /** Turns of the event loop in which the boards were paused: they sent more than the node takes. */
  turnsCut: number;
}

export class ListenError extends PimeshError {
  constructor(host: string, port: number, cause: unknown) {
    const reason = (cause as Error)?.message ?? String(cause);
    super(`cannot listen for sensor boards on ${host}:${port}: ${reason}`, {
      code: 'ERR_SENSORS_LISTEN',
      cause,
    });
  }
}

/** One board's connection: decodes its bytes into frames with keys cached per id. */
class BoardLink implements FrameSink {
  readonly decoder = new FrameDecoder();
  /** Receipt time of the chunk being decoded. */
  receivedAt = 0;
  lastSeenAt = 0;
  bytes = 0;
  readonly #keys: string[] = [];

  constructor(
    readonly address: string,
    readonly port: number,
    readonly connectedAt: number,
    readonly ingest: FrameIngest,
  ) {}

  frame(id: number, type: number, value: number): void {
    this.#keys[id] ??= ipId(this.address, id);
    this.ingest(this.#keys[id], type, value, this.receivedAt);
  }
}

export class SensorListener {
  readonly #options: ListenerOptions;
  readonly #log: Logger;
  readonly #throttle: LogThrottle;
  readonly #now: () => number;
  readonly #links = new Map<Socket, BoardLink>();
  readonly #perAddress = new Map<string, number>();
  #server: Server | undefined;
  readonly #budget: ReadBudget;
  readonly #counters: Omit<ListenerCounters, 'turnsCut'> = {
    connections: 0,
    accepted: 0,
    rejectedConnections: { notAllowed: 0, tooMany: 0, tooManyFromAddress: 0 },
    idleClosed: 0,
    frames: 0,
    rejectedFrames: 0,
    truncatedFrames: 0,
    bytes: 0,
  };

  constructor(options: ListenerOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#throttle = new LogThrottle(options.log);
    this.#now = options.now ?? Date.now;
    this.#budget = new ReadBudget(options.turnBudgetMs ?? 10, () => this.#links.keys());
  }

  /** Listens; resolves with the port (the kernel's choice for port 0). */
  async start(): Promise<number> {
    const { port, host } = this.#options;
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ListenError(host, port, error)));
      server.listen({ port, host, backlog: 1024 }, () => resolve());
    });
    server.removeAllListeners('error');
    server.on('error', (error) => this.#throttle.error('server', { err: error }, 'sensor listener error'));
    this.#server = server;
    const bound = this.port ?? port;
    this.#log.info({ host, port: bound, allow: this.#options.allow.entries }, 'listening for sensor boards');
    return bound;
  }

  get port(): number | undefined {
    const address = this.#server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  #accept(socket: Socket): void {
    const address = plainAddress(socket.remoteAddress ?? '');
    const rejected = this.#counters.rejectedConnections;
    const open = this.#perAddress.get(address) ?? 0;
    let reason: keyof typeof rejected | undefined;
    if (!this.#options.allow.allows(address)) reason = 'notAllowed';
    else if (this.#links.size >= this.#options.maxConnections) reason = 'tooMany';
    else if (open >= this.#options.maxPerAddress) reason = 'tooManyFromAddress';
    if (reason) {
      rejected[reason]++;
      socket.destroy();
      this.#throttle.warn(`refused:${reason}:${address}`, { address, reason }, 'sensor connection refused');
      return;
    }
    const link = new BoardLink(address, socket.remotePort ?? 0, this.#now(), this.#options.ingest);
    this.#links.set(socket, link);
    this.#perAddress.set(address, open + 1);
    this.#counters.accepted++;
    socket.setKeepAlive(true, this.#options.keepAliveMs ?? 10_000);
    socket.setTimeout(this.#options.idleTimeoutMs, () => {
      this.#counters.idleClosed++;
      this.#throttle.info(
        `idle:${address}`,
        { address, port: link.port },
        'silent sensor board disconnected',
      );
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.#budget.run(() => this.#decode(link, chunk)));
    socket.on('error', (error) => this.#log.debug({ err: error, address }, 'sensor connection error'));
    socket.once('close', () => this.#closed(socket, link));
    this.#throttle.info(`connect:${address}`, { address, port: link.port }, 'sensor board connected');
  }

  #decode(link: BoardLink, chunk: Buffer): void {
    const now = this.#now();
    link.receivedAt = now;
    link.lastSeenAt = now;
    link.bytes += chunk.length;
    const counters = this.#counters;
    counters.bytes += chunk.length;
    const before = link.decoder.frames;
    const rejected = link.decoder.push(chunk, link);
    counters.frames += link.decoder.frames - before;
    if (rejected > 0) {
      counters.rejectedFrames += rejected;
      this.#throttle.warn(
        `frame:${link.address}`,
        { address: link.address, rejected },
        'sensor frames with an unknown type rejected',
      );
    }
  }

  #closed(socket: Socket, link: BoardLink): void {
    this.#links.delete(socket);
    const left = (this.#perAddress.get(link.address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(link.address, left);
    else this.#perAddress.delete(link.address);
    if (link.decoder.pending > 0) this.#counters.truncatedFrames++;
    this.#throttle.info(
      `closed:${link.address}`,
      { address: link.address, port: link.port, frames: link.decoder.frames },
      'sensor board disconnected',
    );
  }

  /** Open connections, oldest first. */
  connections(): ConnectionInfo[] {
    return [...this.#links.values()].map((link) => ({
      address: link.address,
      port: link.port,
      connectedAt: new Date(link.connectedAt).toISOString(),
      lastSeenAt: link.lastSeenAt === 0 ? null : new Date(link.lastSeenAt).toISOString(),
      frames: link.decoder.frames,
      rejectedFrames: link.decoder.rejected,
      bytes: link.bytes,
    }));
  }

  counters(): ListenerCounters {
    const c = this.#counters;
    return {
      ...c,
      connections: this.#links.size,
      rejectedConnections: { ...c.rejectedConnections },
      turnsCut: this.#budget.cut,
    };
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#links.keys()) socket.destroy();
    await closed;
    this.#throttle.flush();
  }
}
