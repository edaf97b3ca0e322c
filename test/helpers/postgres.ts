/**
 * A real PostgreSQL server for a test file: `initdb` into a temp dir, `pg_ctl start` on 127.0.0.1 and
 * a free port (and a socket in the temp dir), one cluster per file, stopped and removed in
 * `test.after.always`. Each test takes a database of its own (`database()`), so tests run in parallel.
 *
 *   const pg = await usePostgres();
 *   pg.test('...', async (t) => { const url = await pg.database(); ... });
 *
 * ava is loaded only by usePostgres, so a benchmark can start a PostgresCluster too.
 *
 * The server binaries are Debian's (`/usr/lib/postgresql/<version>/bin`, the newest found, or
 * PIMESH_TEST_PG_BIN). As root they run as the `postgres` user (`runuser`), which owns the temp
 * dir. Without them the tests are skipped saying so, and fail under CI=true (test/helpers/needs.ts).
 * The server runs with fsync off: tests check behaviour, not the disk.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Condition, Needed } from './needs.js';

const run = promisify(execFile);

/** The newest `/usr/lib/postgresql/<n>/bin` with initdb, or PIMESH_TEST_PG_BIN. */
export function postgresBin(): string | undefined {
  if (process.env.PIMESH_TEST_PG_BIN) return process.env.PIMESH_TEST_PG_BIN;
  if ((process.env.PIMESH_TEST_HIDE_TOOLS ?? '').split(/[\s,]+/).includes('postgres')) return undefined;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

/** The `postgres` account's uid and gid, from /etc/passwd (a root process hands the cluster to it). */
function postgresAccount(): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return line ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}

const asRoot = process.getuid?.() === 0;
const bin = postgresBin();
const account = asRoot ? postgresAccount() : undefined;
const runuser = asRoot
  ? ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find(existsSync)
  : undefined;

/** What the PostgreSQL tests need, for needs(). */
export const postgresServer: Condition = {
  ok: bin !== undefined && (!asRoot || (account !== undefined && runuser !== undefined)),
  missing:
    bin === undefined
      ? 'PostgreSQL server binaries not found (apt-get install postgresql, or set PIMESH_TEST_PG_BIN)'
      : 'running as root without a postgres user or runuser to run the server as',
  requiredUnderCi: true,
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresOptions {
  /** Durable writes (fsync on), for benchmarks. */
  durable?: boolean;
}

export class PostgresCluster {
  readonly dir: string;
  readonly port: number;
  #databases = 0;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  /** The server's own binary, run as the postgres user when we are root. */
  static #exec(tool: string, args: string[]) {
    const path = join(bin as string, tool);
    return runuser ? run(runuser, ['-u', 'postgres', '--', path, ...args]) : run(path, args);
  }

  static async start(options: PostgresOptions = {}): Promise<PostgresCluster> {
    if (!bin) throw new Error('no PostgreSQL server binaries');
    const dir = mkdtempSync(join(tmpdir(), 'pimesh-pg-'));
    if (account) chownSync(dir, account.uid, account.gid);
    const data = join(dir, 'data');
    try {
      await PostgresCluster.#exec('initdb', [
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      const port = await freePort();
      const settings = [
        '-c listen_addresses=127.0.0.1',
        `-c port=${port}`,
        `-c unix_socket_directories=${dir}`,
        '-c max_connections=200',
        '-c shared_buffers=64MB',
        ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      ];
      await PostgresCluster.#exec('pg_ctl', [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        settings.join(' '),
        'start',
      ]);
      return new PostgresCluster(dir, port);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The `postgres` database's URL (as the superuser). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** A fresh, empty database; its URL. */
  async database(): Promise<string> {
    const name = `pimesh_test_${++this.#databases}`;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Stops the server at once (no checkpoint: the data dir goes too). */
  async stop(): Promise<void> {
    try {
      await PostgresCluster.#exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export interface PostgresForFile {
  /** ava's test when the server is there, else a skipped (or under CI failing) one. */
  test: Needed;
  /** A fresh database on this file's cluster. */
  database(): Promise<string>;
  cluster(): PostgresCluster;
}

/** One cluster for the calling test file: started before its tests, stopped after them (await it first). */
export async function usePostgres(options: PostgresOptions = {}): Promise<PostgresForFile> {
  const { default: test } = await import('ava');
  const { needs } = await import('./needs.js');
  const needed = needs(postgresServer);
  let cluster: PostgresCluster | undefined;
  let starting: Promise<PostgresCluster> | undefined;
  const started = () => {
    starting ??= PostgresCluster.start(options).then((c) => {
      cluster = c;
      return c;
    });
    return starting;
  };
  if (needed.ok) {
    test.before(async () => {
      await started();
    });
    test.after.always(async () => {
      await cluster?.stop();
    });
  }
  return {
    test: needed,
    database: async () => (await started()).database(),
    cluster: () => {
      if (!cluster) throw new Error('the PostgreSQL cluster is not running');
      return cluster;
    },
  };
}
