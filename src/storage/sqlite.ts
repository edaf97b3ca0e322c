/**
 * SQLite, embedded, through whichever driver this Node has: better-sqlite3 (an optional dependency:
 * a native module, prebuilt or compiled at install) when it loads, else Node's own `node:sqlite`
 * (Node 22.13 and later, nothing to compile). Both are synchronous and share the small surface used
 * here: exec, prepare(...).run/get/all, close. `PIMESH_SQLITE=better-sqlite3|node` picks one.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { PimeshError } from '../errors.js';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = SqlValue[] | [Record<string, SqlValue>];

export interface SqliteStatement {
  run(...params: SqlParams): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlParams): Record<string, unknown> | undefined;
  all(...params: SqlParams): Record<string, unknown>[];
}

export interface SqliteDatabase {
  /** Which driver opened it: `better-sqlite3` or `node:sqlite`. */
  readonly driver: string;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

export class NoSqliteError extends PimeshError {
  constructor(detail: string) {
    super(`no SQLite driver: run Node 22.13 or later (node:sqlite) or install better-sqlite3 (${detail})`, {
      code: 'ERR_NO_SQLITE',
      status: 503,
    });
  }
}

const require = createRequire(import.meta.url);

type Opener = (path: string) => SqliteDatabase;

function betterSqlite(): Opener {
  const Database = require('better-sqlite3') as new (path: string) => Omit<SqliteDatabase, 'driver'>;
  return (path) => Object.assign(new Database(path), { driver: 'better-sqlite3' }) as SqliteDatabase;
}

function nodeSqlite(): Opener {
  const { DatabaseSync } = require('node:sqlite') as {
    DatabaseSync: new (path: string) => Omit<SqliteDatabase, 'driver'>;
  };
  return (path) => {
    const db = new DatabaseSync(path);
    return {
      driver: 'node:sqlite',
      exec: (sql) => db.exec(sql),
      prepare: (sql) => db.prepare(sql),
      close: () => db.close(),
    };
  };
}

let opener: Opener | undefined;

/** Opens (creating it and its directory if needed) the database file at `path` with the first driver that loads. */
export function openSqlite(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  if (!opener) {
    const wanted = process.env.PIMESH_SQLITE;
    const order =
      wanted === 'node'
        ? [nodeSqlite]
        : wanted === 'better-sqlite3'
          ? [betterSqlite]
          : [betterSqlite, nodeSqlite];
    const failures: string[] = [];
    for (const load of order) {
      try {
        opener = load();
        break;
      } catch (error) {
        failures.push((error as Error).message.split('\n')[0]);
      }
    }
    if (!opener) throw new NoSqliteError(failures.join('; '));
  }
  return opener(path);
}

/** Runs `work` in one transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on a throw). */
export function transaction<T>(db: SqliteDatabase, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
