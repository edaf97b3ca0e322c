/**
 * The detections service as the tests run it: the real store (an SQLite file in a temp dir, or a
 * database of a real PostgreSQL started by the test file), the real routes through supertest, and,
 * when a test needs the WebSocket, a real server on 127.0.0.1 with /ws attached. A backend is
 * where the data goes; the same suites register their tests for each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import test from 'ava';
import request from 'supertest';
import { WebSocket } from 'ws';
import type { FailureLimiter } from '../../../src/auth/failure-limiter.js';
import { attachDetectionsWebSocket, type DetectionsWebSocket } from '../../../src/http/detections-ws.js';
import { detectionsRoutes } from '../../../src/http/routes/detections.js';
import { createHttpServer, DEFAULT_LIMITS, type ServerLimits } from '../../../src/http/server.js';
import { Detections, detectionsConfigSchema } from '../../../src/ingest/detections/index.js';
import { silentLogger } from '../../../src/log.js';
import { routeApp } from '../../helpers/route-app.js';
import { until } from '../../helpers/until.js';

export const KEY = 'agent-key-of-the-site';
/** 2026-05-04T10:01:00 in Madrid (CEST, +02:00): a minute after checklist D's detection. */
export const MADRID_NOW = Date.UTC(2026, 4, 4, 8, 1, 0);

/** Where a suite's data goes. */
export interface Backend {
  name: string;
  test: (title: string, body: (t: ExecutionContext) => Promise<void>) => void;
  /** A fresh PostgreSQL database's URL, or undefined for an SQLite file. */
  databaseUrl(): Promise<string | undefined>;
}

export const sqliteBackend: Backend = {
  name: 'SQLite',
  test: (title, body) => test(title, body),
  databaseUrl: async () => undefined,
};

/** A clock a test moves by hand (epoch ms). */
export class TestClock {
  ms: number;

  constructor(ms = MADRID_NOW) {
    this.ms = ms;
  }

  readonly now = () => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Started {
  detections: Detections;
  clock: TestClock;
  dir: string;
  /** supertest on the routes (a fresh request each call). */
  http: () => request.Agent;
  get(path: string): request.Test;
  /** A JSON POST (PUT with `method`) with the key, unless `key` says otherwise (null: none). */
  send(path: string, body: unknown, options?: { key?: string | null; method?: 'post' | 'put' }): request.Test;
}

export interface StartOptions {
  /** Config section input (validated by the real schema); `key` and Europe/Madrid by default. */
  config?: Record<string, unknown>;
  clock?: TestClock;
  dir?: string;
  /** The node's failure limiter (default: the service's own). */
  limiter?: FailureLimiter;
}

export function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-detections-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A started Detections on `backend`, its routes, stopped when the test ends. */
export async function startDetections(
  t: ExecutionContext,
  backend: Backend,
  options: StartOptions = {},
): Promise<Started> {
  const url = await backend.databaseUrl();
  const dir = options.dir ?? tempDir(t);
  const clock = options.clock ?? new TestClock();
  const config = detectionsConfigSchema.parse({
    key: KEY,
    timezone: 'Europe/Madrid',
    ...(url ? { databaseUrl: url } : {}),
    ...options.config,
  });
  const detections = new Detections({
    config,
    dataDir: dir,
    log: silentLogger(),
    now: clock.now,
    limiter: options.limiter,
  });
  await detections.start();
  t.teardown(() => detections.stop());
  // PostgreSQL on a busy machine may refuse the first connection within its timeout: the service
  // then retries in the background (as it should in the field); the tests start once it is open.
  await until('the detections store to open', () => detections.ready, { timeoutMs: 60_000 });
  const app = routeApp((router) => detectionsRoutes(router, { detections }));
  const http = () => request.agent(app.callback());
  return {
    detections,
    clock,
    dir,
    http,
    get: (path) => http().get(path),
    send: (path, body, { key = KEY, method = 'post' } = {}) => {
      const r = http()[method](path).set('Content-Type', 'application/json');
      if (key !== null) r.set('X-API-Key', key);
      return r.send(JSON.stringify(body));
    },
  };
}

/** A device hash: 64 hex digits from a number. */
export const hash = (n: number) => n.toString(16).padStart(64, '0');

/** A real HTTP server on 127.0.0.1 with the routes and /ws attached; closed when the test ends. */
export async function listen(
  t: ExecutionContext,
  started: Started,
  limits: ServerLimits = DEFAULT_LIMITS,
  heartbeatSeconds?: number,
): Promise<{ port: number; ws: DetectionsWebSocket; server: Server }> {
  const app = routeApp((router) => detectionsRoutes(router, { detections: started.detections }));
  const server = createHttpServer(app.callback(), limits);
  const ws = attachDetectionsWebSocket(server, {
    detections: started.detections,
    log: silentLogger(),
    heartbeatSeconds,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    await ws.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });
  return { port: (server.address() as AddressInfo).port, ws, server };
}

/** A WebSocket client that keeps every text message it gets. */
export class WsClient {
  readonly socket: WebSocket;
  readonly messages: string[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.socket.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(data.toString());
    });
    this.socket.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
  }

  /**
   * The first JSON message of `type` (one already received, or the next to arrive). `deadlineMs` is
   * a safety net against a hang: reaching it fails the wait, it does not time anything.
   */
  next(type: string, deadlineMs = 30_000): Promise<Record<string, unknown>> {
    const seen = this.events(type)[0];
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('message', onMessage);
        reject(new Error(`no ${type} within ${deadlineMs} ms`));
      }, deadlineMs);
      const onMessage = () => {
        const found = this.events(type)[0];
        if (!found) return;
        clearTimeout(timer);
        this.socket.off('message', onMessage);
        resolve(found);
      };
      this.socket.on('message', onMessage);
    });
  }

  /** The JSON messages of one type. */
  events(type: string): Record<string, unknown>[] {
    return this.messages
      .filter((m) => m.startsWith('{'))
      .map((m) => JSON.parse(m) as Record<string, unknown>)
      .filter((m) => m.type === type);
  }
}

/** Opens a client to /ws on `port`, closed when the test ends. */
export async function wsClient(
  t: ExecutionContext,
  port: number,
  path = '/ws',
  headers = {},
): Promise<WsClient> {
  const client = new WsClient(`ws://127.0.0.1:${port}${path}`, headers);
  t.teardown(() => client.socket.terminate());
  await client.opened;
  return client;
}
