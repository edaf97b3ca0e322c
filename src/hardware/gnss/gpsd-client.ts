import { connect, type Socket } from 'node:net';
import type { Logger } from '../../log.js';

/** The TPV fields pimesh reads (gpsd JSON protocol 3.x); the rest is kept as sent. */
export interface GpsdTpv {
  class: 'TPV';
  device?: string;
  /** 0 unknown, 1 no fix, 2 2D, 3 3D. */
  mode: number;
  time?: string;
  lat?: number;
  lon?: number;
  altHAE?: number;
  altMSL?: number;
  /** Pre-3.20 gpsd: altitude (MSL). */
  alt?: number;
  speed?: number;
  track?: number;
  climb?: number;
  epx?: number;
  epy?: number;
  epv?: number;
  [key: string]: unknown;
}

export interface GpsdSky {
  class: 'SKY';
  device?: string;
  nSat?: number;
  uSat?: number;
  satellites?: { PRN?: number; used?: boolean; [key: string]: unknown }[];
  [key: string]: unknown;
}

export interface Timed<T> {
  data: T;
  /** Local clock (ms) when the report arrived. */
  receivedAt: number;
}

export interface GpsdSnapshot {
  /** `host:port`. */
  address: string;
  /** A connection is up and gpsd has greeted it (VERSION). */
  connected: boolean;
  connectedAt?: number;
  /** gpsd's release, from VERSION. */
  version?: string;
  /** Devices gpsd reports as active. */
  devices: string[];
  tpv?: Timed<GpsdTpv>;
  sky?: Timed<GpsdSky>;
  lastError?: { message: string; at: number };
}

export interface GpsdClientOptions {
  host?: string;
  port?: number;
  /** Budget for the TCP connection plus gpsd's greeting. */
  connectTimeoutMs?: number;
  /** After this much silence the client asks `?VERSION;`; silence again for as long drops the connection. */
  idleProbeMs?: number;
  /** Reconnect delays: doubling from min to max while gpsd stays away. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** A longer line (no newline) means this is not gpsd: the connection is dropped. */
  maxLineBytes?: number;
  now?: () => number;
  logger?: Logger;
}

const WATCH = '?WATCH={"enable":true,"json":true};\n';
const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A gpsd client over TCP (default 127.0.0.1:2947) that keeps the latest TPV and SKY from the `?WATCH`
 * JSON stream. It reconnects with a capped backoff whenever gpsd is absent or goes away, so a restarted
 * gpsd is picked up by itself; every wait is bounded (connect, greeting, idle probe).
 */
export class GpsdClient {
  readonly address: string;

  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;
  private readonly idleProbeMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly maxLineBytes: number;
  private readonly now: () => number;
  private readonly log?: Logger;

  private running = false;
  private socket?: Socket;
  private closed?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private delayMs: number;
  private buffer = '';
  private probing = false;
  /** True from a lost or failed connection until the next greeting: log an outage once, not every retry. */
  private outage = false;
  private state: GpsdSnapshot;

  constructor(options: GpsdClientOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 2947;
    this.address = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3000;
    this.idleProbeMs = options.idleProbeMs ?? 10_000;
    this.reconnectMinMs = options.reconnectMinMs ?? 1000;
    this.reconnectMaxMs = Math.max(options.reconnectMaxMs ?? 30_000, this.reconnectMinMs);
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.delayMs = this.reconnectMinMs;
    this.state = { address: this.address, connected: false, devices: [] };
  }

  /** Connects (and keeps reconnecting) until stop(). Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.delayMs = this.reconnectMinMs;
    this.open();
  }

  /** Drops the connection and stops reconnecting; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.socket?.destroy();
    await this.closed;
  }

  /** A copy of what the client knows now. */
  snapshot(): GpsdSnapshot {
    return { ...this.state, devices: [...this.state.devices] };
  }

  private open(): void {
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    this.buffer = '';
    this.probing = false;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setEncoding('utf8');
    // Until gpsd has greeted us: the connect and the VERSION line share one budget.
    const greeting = setTimeout(() => {
      const ms = this.connectTimeoutMs;
      const reason = socket.connecting
        ? `connect timed out after ${ms} ms`
        : `no VERSION greeting within ${ms} ms`;
      socket.destroy(new Error(reason));
    }, this.connectTimeoutMs);
    socket.once('connect', () => {
      socket.setKeepAlive(true, this.idleProbeMs);
      socket.write(WATCH);
    });
    socket.on('data', (chunk: string) => this.onData(socket, chunk, greeting));
    // setTimeout's own callback is a once-listener: the probe needs every idle period.
    socket.setTimeout(this.idleProbeMs);
    socket.on('timeout', () => this.onIdle(socket));
    let failed = false;
    socket.on('error', (error) => {
      failed = true;
      this.state.lastError = { message: reasonOf(error), at: this.now() };
    });
    socket.once('close', () => {
      clearTimeout(greeting);
      if (!failed && this.running) {
        const message = this.state.connected
          ? 'gpsd closed the connection'
          : "connection closed before gpsd's greeting";
        this.state.lastError = { message, at: this.now() };
      }
      this.onClose(socket);
    });
  }

  private onData(socket: Socket, chunk: string, greeting: NodeJS.Timeout): void {
    if (socket !== this.socket) return;
    this.probing = false;
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line && !this.onLine(socket, line, greeting)) return;
      newline = this.buffer.indexOf('\n');
    }
    if (this.buffer.length > this.maxLineBytes) {
      socket.destroy(new Error(`not gpsd: a line longer than ${this.maxLineBytes} bytes`));
    }
  }

  /** Handles one JSON object; false when the connection was dropped. */
  private onLine(socket: Socket, line: string, greeting: NodeJS.Timeout): boolean {
    let message: { class?: unknown; [key: string]: unknown };
    try {
      message = JSON.parse(line);
    } catch {
      message = {};
    }
    if (!this.state.connected) {
      if (message.class !== 'VERSION') {
        socket.destroy(
          new Error(`not gpsd: expected a VERSION greeting, got ${JSON.stringify(line.slice(0, 80))}`),
        );
        return false;
      }
      clearTimeout(greeting);
      this.onGreeting(String(message.release ?? ''));
      return true;
    }
    const at = this.now();
    switch (message.class) {
      case 'TPV':
        if (typeof message.mode === 'number') this.state.tpv = { data: message as GpsdTpv, receivedAt: at };
        break;
      case 'SKY':
        // Newer gpsd also sends SKY with only the DOPs: keep the last satellite counts then.
        if (Array.isArray(message.satellites) || typeof message.nSat === 'number') {
          this.state.sky = { data: message as GpsdSky, receivedAt: at };
        }
        break;
      case 'DEVICES':
        this.state.devices = Array.isArray(message.devices)
          ? message.devices.flatMap((d: { path?: unknown }) => (typeof d?.path === 'string' ? [d.path] : []))
          : [];
        break;
      case 'DEVICE':
        this.onDevice(message);
        break;
      case 'ERROR':
        this.state.lastError = { message: `gpsd: ${String(message.message)}`, at };
        break;
    }
    return true;
  }

  private onGreeting(release: string): void {
    this.state.connected = true;
    this.state.connectedAt = this.now();
    this.state.version = release || undefined;
    this.delayMs = this.reconnectMinMs;
    this.outage = false;
    this.log?.info({ address: this.address, release }, 'gpsd connected');
  }

  private onDevice(message: Record<string, unknown>): void {
    if (typeof message.path !== 'string') return;
    const others = this.state.devices.filter((path) => path !== message.path);
    this.state.devices = message.activated === 0 ? others : [...others, message.path];
  }

  /** Silence: ask gpsd something once; a second silent period means the connection is dead. */
  private onIdle(socket: Socket): void {
    if (socket !== this.socket) return;
    if (this.probing) {
      socket.destroy(new Error(`silent for ${2 * this.idleProbeMs} ms, no answer to ?VERSION;`));
      return;
    }
    this.probing = true;
    socket.write('?VERSION;\n');
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    const wasConnected = this.state.connected;
    this.state.connected = false;
    this.state.devices = [];
    if (!this.running) return;
    const reason = this.state.lastError?.message ?? 'connection closed';
    if (wasConnected) this.log?.warn({ address: this.address, reason }, 'gpsd connection lost; reconnecting');
    else if (!this.outage) this.log?.warn({ address: this.address, reason }, 'gpsd not reachable; retrying');
    this.outage = true;
    const delay = wasConnected ? this.reconnectMinMs : this.delayMs;
    this.delayMs = Math.min(this.reconnectMaxMs, delay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.running) this.open();
    }, delay);
  }
}
