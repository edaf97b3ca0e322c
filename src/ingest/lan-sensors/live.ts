/**
 * The live view's hub for Server-Sent Events. A status change goes to every client at once (a fire
 * alarm reaches a dashboard within the time it takes to write it); readings are coalesced, the latest
 * per key, into one `readings` event every `coalesceMs`, so a client's traffic is bounded by the
 * number of sensors, not by how fast boards send. A client whose unsent output passes
 * `maxBufferBytes` is dropped (it reconnects and gets a fresh snapshot), never buffered without bound.
 */

/** Where a client's events go: an http.ServerResponse fits. */
export interface SseSink {
  write(chunk: string): boolean;
  /** Bytes written and not yet taken by the network. */
  readonly writableLength: number;
  end(): void;
  destroy(): void;
}

export interface LiveReading {
  ip_id: string;
  sensor: string;
  value: number;
  status: string;
  /** Epoch seconds. */
  time: number;
}

export interface LiveStatusChange extends LiveReading {
  /** The status before, or null for a sensor not seen since start. */
  from: string | null;
}

export interface LiveHubOptions {
  maxClients?: number;
  maxBufferBytes?: number;
  coalesceMs?: number;
  heartbeatMs?: number;
}

export interface LiveCounters {
  clients: number;
  /** Clients dropped because they did not keep up. */
  droppedClients: number;
  /** Clients refused because `maxClients` were connected. */
  refusedClients: number;
  events: number;
}

/** `event:` + `data:` lines of one SSE event (the JSON has no newline). */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class LiveHub {
  readonly #maxClients: number;
  readonly #maxBufferBytes: number;
  readonly #coalesceMs: number;
  readonly #heartbeatMs: number;
  readonly #clients = new Set<SseSink>();
  readonly #pending = new Map<string, LiveReading>();
  #tick: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #droppedClients = 0;
  #refusedClients = 0;
  #events = 0;

  constructor(options: LiveHubOptions = {}) {
    this.#maxClients = options.maxClients ?? 16;
    this.#maxBufferBytes = options.maxBufferBytes ?? 512 * 1024;
    this.#coalesceMs = options.coalesceMs ?? 250;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  /** Clients connected now: the ingest path skips the hub entirely while there are none. */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Adds a client and sends it `retry:` and the `snapshot` event; false (and counted) when
   * `maxClients` are connected. The caller calls `detach` when the client goes away.
   */
  attach(sink: SseSink, snapshot: unknown, retryMs = 2000): boolean {
    if (this.#clients.size >= this.#maxClients) {
      this.#refusedClients++;
      return false;
    }
    this.#clients.add(sink);
    this.#heartbeat ??= setInterval(() => this.#broadcast(': heartbeat\n\n'), this.#heartbeatMs).unref();
    this.#send(sink, `retry: ${retryMs}\n\n${sseEvent('snapshot', snapshot)}`);
    return true;
  }

  detach(sink: SseSink): void {
    this.#clients.delete(sink);
    if (this.#clients.size > 0) return;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#tick);
    this.#heartbeat = undefined;
    this.#tick = undefined;
    this.#pending.clear();
  }

  /** A reading: kept (latest per key) for the next `readings` event. */
  reading(reading: LiveReading): void {
    if (this.#clients.size === 0) return;
    this.#pending.set(reading.ip_id, reading);
    this.#tick ??= setTimeout(() => this.#flush(), this.#coalesceMs).unref();
  }

  /** A status change: sent now, after the readings that came before it. */
  statusChange(change: LiveStatusChange): void {
    if (this.#clients.size === 0) return;
    this.#flush();
    this.#broadcast(sseEvent('status', change));
  }

  #flush(): void {
    clearTimeout(this.#tick);
    this.#tick = undefined;
    if (this.#pending.size === 0) return;
    const readings = [...this.#pending.values()];
    this.#pending.clear();
    this.#broadcast(sseEvent('readings', readings));
  }

  #broadcast(chunk: string): void {
    for (const sink of this.#clients) this.#send(sink, chunk);
  }

  #send(sink: SseSink, chunk: string): void {
    this.#events++;
    sink.write(chunk);
    if (sink.writableLength > this.#maxBufferBytes) {
      this.#droppedClients++;
      this.detach(sink);
      sink.destroy();
    }
  }

  counters(): LiveCounters {
    return {
      clients: this.#clients.size,
      droppedClients: this.#droppedClients,
      refusedClients: this.#refusedClients,
      events: this.#events,
    };
  }

  /** Ends every stream (on stop). */
  close(): void {
    for (const sink of [...this.#clients]) {
      this.detach(sink);
      sink.end();
    }
  }
}
