/**
 * LAN sensor tests run the real service: a LanSensors on 127.0.0.1 (a port the kernel picks), a real
 * SQLite file in a temp dir, and boards that are real TCP connections, each from its own loopback
 * address (Linux routes all of 127.0.0.0/8 to lo) so that each is a board of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { LanSensors, type LanSensorsOptions } from '../../src/ingest/lan-sensors/index.js';
import { silentLogger } from '../../src/log.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { until } from './until.js';

/** A database path in a fresh temp dir, removed when the test ends. */
export function tempDb(t: ExecutionContext, name = 'sensors.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-sensors-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

/** A started LanSensors on 127.0.0.1, stopped when the test ends. */
export async function startSensors(
  t: ExecutionContext,
  options: Partial<LanSensorsOptions> = {},
): Promise<{ sensors: LanSensors; port: number; dbPath: string }> {
  const dbPath = options.dbPath ?? tempDb(t);
  const sensors = new LanSensors({
    port: 0,
    host: '127.0.0.1',
    log: silentLogger(),
    flushMs: 50,
    ...options,
    dbPath,
  });
  await sensors.start();
  t.teardown(() => sensors.stop());
  return { sensors, port: sensors.port as number, dbPath };
}

/** A board: one TCP connection that counts every byte the server sends it. */
export class Board {
  readonly socket: Socket;
  received = 0;
  readonly closed: Promise<void>;
  readonly #connected: Promise<void>;

  constructor(port: number, localAddress = '127.0.0.1', host = '127.0.0.1') {
    this.socket = connect({ host, port, localAddress });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
    });
    this.socket.on('error', () => {});
    this.#connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Connected and written (each call one write(2), so one TCP segment with Nagle off). */
  async send(...bytes: number[]): Promise<void> {
    await this.#connected;
    await new Promise<void>((resolve, reject) =>
      this.socket.write(Buffer.from(bytes), (error) => (error ? reject(error) : resolve())),
    );
  }

  connected(): Promise<void> {
    return this.#connected;
  }

  /** Ends our side and waits for the server to close its own. */
  async close(): Promise<void> {
    this.socket.end();
    await this.closed;
  }
}

/** Opens a board to `sensors` and tears it down with the test. */
export function board(t: ExecutionContext, port: number, localAddress?: string, host?: string): Board {
  const b = new Board(port, localAddress, host);
  t.teardown(() => {
    b.socket.destroy();
  });
  return b;
}

/** Waits until `n` frames in all are durable (committed to the history). */
export function durable(sensors: LanSensors, n: number): Promise<true> {
  return until(`${n} frames committed`, () => sensors.counters().store.stored >= n || undefined);
}

/** Rows of the real file, read through a connection of its own (as another program would). */
export function query(
  dbPath: string,
  sql: string,
  ...params: (string | number)[]
): Record<string, unknown>[] {
  const db = openSqlite(dbPath);
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}
