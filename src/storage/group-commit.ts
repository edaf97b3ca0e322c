import { type SqliteDatabase, transaction } from './sqlite.js';

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite: every write asked for during one turn of the event loop goes into one
 * transaction, handed to `work` together (which may then share statements across them), so the fixed
 * costs (BEGIN, COMMIT, the WAL sync, per-statement work) are paid once per turn, not once per write:
 * what many small concurrent writers (MQTT messages) need. When the group throws, it is rolled back
 * and each write retried in a transaction of its own, so one bad write rejects alone.
 */
export class GroupCommit<T, R> {
  readonly #db: () => SqliteDatabase;
  readonly #work: (items: readonly T[]) => R[];
  #pending: Pending<T, R>[] = [];
  #scheduled = false;

  constructor(db: () => SqliteDatabase, work: (items: readonly T[]) => R[]) {
    this.#db = db;
    this.#work = work;
  }

  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const group = this.#pending;
    this.#pending = [];
    let db: SqliteDatabase;
    try {
      db = this.#db();
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    if (group.length > 1) {
      let results: R[];
      try {
        results = transaction(db, () => this.#work(group.map((p) => p.item)));
      } catch {
        results = [];
      }
      if (results.length === group.length) {
        for (const [i, p] of group.entries()) p.resolve(results[i]);
        return;
      }
    }
    // One write, or a group that failed: each on its own.
    for (const p of group) {
      try {
        p.resolve(transaction(db, () => this.#work([p.item]))[0]);
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
