/**
 * `GET /api/dashboard/live`'s hub: Server-Sent Events to at most `maxClients` browsers. A sample is
 * sent to every client as it is stored; a comment line every `heartbeatMs` keeps idle sockets open
 * (the server destroys sockets silent for 30 s) and finds dead peers; a client whose unsent output
 * passes `maxBufferBytes` is dropped (its EventSource reconnects), never buffered without bound.
 */
import type { SseSink } from '../../ingest/lan-sensors/live.js';

export interface DashboardHubOptions {
  maxClients?: number;
  heartbeatMs?: number;
  maxBufferBytes?: number;
}

export const sseEvent = (event: string, data: unknown) =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class DashboardHub {
  readonly maxClients: number;
  readonly #heartbeatMs: number;
  readonly #maxBufferBytes: number;
  readonly #clients = new Set<SseSink>();
  #heartbeat: NodeJS.Timeout | undefined;
  refused = 0;
  dropped = 0;

  constructor(options: DashboardHubOptions = {}) {
    this.maxClients = options.maxClients ?? 8;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#maxBufferBytes = options.maxBufferBytes ?? 64 * 1024;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Adds a client and sends it `first` (retry and snapshot); false when full. */
  attach(sink: SseSink, first: string): boolean {
    if (this.#clients.size >= this.maxClients) {
      this.refused++;
      return false;
    }
    this.#clients.add(sink);
    this.#heartbeat ??= setInterval(() => this.broadcast(': heartbeat\n\n'), this.#heartbeatMs).unref();
    this.#send(sink, first);
    return true;
  }

  detach(sink: SseSink): void {
    this.#clients.delete(sink);
    if (this.#clients.size === 0) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  broadcast(chunk: string): void {
    for (const sink of this.#clients) this.#send(sink, chunk);
  }

  #send(sink: SseSink, chunk: string): void {
    sink.write(chunk);
    if (sink.writableLength > this.#maxBufferBytes) {
      this.dropped++;
      this.detach(sink);
      sink.destroy();
    }
  }

  /** Ends every stream. */
  close(): void {
    for (const sink of [...this.#clients]) {
      this.detach(sink);
      sink.end();
    }
  }
}
