/**
 * The detections in PostgreSQL (`detections.databaseUrl`, PIMESH_DATABASE_URL), for a site that
 * outgrows one Pi; the original ran on PostgreSQL. A bounded pool, a statement timeout, batches
 * inserted as arrays (`unnest`), one transaction each. This process's writes run one at a time; the
 * rollup's rows are written in key order, so writers of other nodes sharing the database cannot
 * deadlock with them. A database that is down answers 503 (DetectionsStoreError), not 500.
 */
import pg from 'pg';
import type { Logger } from '../../log.js';
import { DetectionsStoreError, DetectionsUnavailableError } from './errors.js';
import { addToRollup, numbered, reclassify } from './postgres-rollup.js';
import { rollupTables, swapRollupTables, TABLES } from './postgres-schema.js';
import { NEXT, type RebuildSteps, rebuildRollup, Serial } from './rebuild.js';
import type { RollupInput } from './rollup.js';
import { classifyZone, type Thresholds } from './rules.js';
import {
  type Dialect,
  type Param,
  type Row,
  rollupMarker,
  SETTINGS,
  SqlDetectionStore,
  TOUCH_DEVICE,
  thresholdDescriptions,
  touchParams,
} from './sql-store.js';
import type { Recalculated, StoreBatch, StoreIngestResult } from './store.js';
import { isoUtc, type ZoneClock } from './zoned-time.js';

export interface PostgresDetectionStoreOptions {
  url: string;
  clock: ZoneClock;
  defaults: Thresholds;
  poolSize?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  log: Logger;
}

const REBUILD_CHUNK = 20_000;
/** The advisory lock key of a rollup rebuild (any fixed number; "pimesh" in ASCII). */
const REBUILD_LOCK = 0x70696d657368;
const ROLLUP_DESCRIPTION = 'pimesh: the version and time zone of detection_seen and detection_bins';
/** SQLSTATE classes of a database that is away, not of a wrong query: connection, resources, shutdown, timeouts. */
const UNAVAILABLE = /^(08|53|57P0|57014|55P03|40001|40P01)/;

const SETTING = numbered(
  'INSERT INTO system_settings (key, value, description, updated_at) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
);

export class PostgresDetectionStore extends SqlDetectionStore {
  readonly kind = 'postgresql' as const;
  protected readonly dialect: Dialect = {
    us: (e) => `(extract(epoch from ${e}) * 1000000)::float8`,
    at: (us) => isoUtc(us),
    num: (e) => `(${e})::float8`,
  };
  readonly #options: PostgresDetectionStoreOptions;
  readonly #writes = new Serial();
  readonly #rebuilds = new Serial();
  #pool: pg.Pool | undefined;

  constructor(options: PostgresDetectionStoreOptions) {
    super(options.clock);
    this.#options = options;
  }

  /** The URL without its password, for logs. */
  get where(): string {
    try {
      const url = new URL(this.#options.url);
      url.password = '';
      return url.toString();
    } catch {
      return 'postgresql';
    }
  }

  async open(): Promise<void> {
    if (this.#pool) return;
    const pool = new pg.Pool({
      connectionString: this.#options.url,
      max: this.#options.poolSize ?? 4,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 5000,
      statement_timeout: this.#options.statementTimeoutMs ?? 15_000,
      idle_in_transaction_session_timeout: Math.max(60_000, (this.#options.statementTimeoutMs ?? 15_000) * 4),
      idleTimeoutMillis: 30_000,
      application_name: 'pimesh',
    });
    // An idle connection the server closed: the pool replaces it; without a listener it would crash us.
    pool.on('error', (error) => this.#options.log.warn({ err: error }, 'PostgreSQL connection lost'));
    this.#pool = pool;
    try {
      await this.#transaction(async (c) => {
        // One node at a time creates what is missing (several may share the database).
        await c.query("SELECT pg_advisory_xact_lock(hashtext('pimesh.detections.schema'))");
        for (const ddl of [...TABLES, ...rollupTables()]) await c.query(ddl);
        const now = isoUtc(Date.now() * 1000);
        const seed = numbered(
          'INSERT INTO system_settings (key, value, description, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
        );
        const { near, medium } = this.#options.defaults;
        await c.query(seed, [SETTINGS.near, String(near), thresholdDescriptions.near, now]);
        await c.query(seed, [SETTINGS.medium, String(medium), thresholdDescriptions.medium, now]);
      });
      const [marker] = await this.all('SELECT value FROM system_settings WHERE key = ?', [SETTINGS.rollup]);
      if (marker?.value !== rollupMarker(this.clock.zone)) {
        const started = performance.now();
        // Another node may have rebuilt it while this one waited for the lock.
        const stale = async () => {
          const [now] = await this.all('SELECT value FROM system_settings WHERE key = ?', [SETTINGS.rollup]);
          return now?.value !== rollupMarker(this.clock.zone);
        };
        const rows = await this.#rebuild(await this.thresholds(), Date.now() * 1000, stale);
        this.#options.log.info(
          {
            rows,
            ms: Math.round(performance.now() - started),
            zone: this.clock.zone,
            was: marker?.value ?? null,
          },
          'detections rollup rebuilt',
        );
      }
    } catch (error) {
      this.#pool = undefined;
      await pool.end().catch(() => {});
      throw this.#mapped(error);
    }
    this.#options.log.info({ database: this.where }, 'detections database open (PostgreSQL)');
  }

  #open(): pg.Pool {
    if (!this.#pool) throw new DetectionsUnavailableError('the detections database is not open');
    return this.#pool;
  }

  /** A database away (down, restarting, out of connections, timing out) is a 503; anything else stays itself. */
  #mapped(error: unknown): unknown {
    const e = error as { code?: string; message?: string };
    const away =
      (typeof e.code === 'string' && (UNAVAILABLE.test(e.code) || /^E[A-Z]+$/.test(e.code))) ||
      /timeout|terminat|Connection|connect/i.test(e.message ?? '');
    return away && !(error instanceof DetectionsUnavailableError)
      ? new DetectionsStoreError(e.message ?? 'unavailable', error)
      : error;
  }

  protected async all(sql: string, params: Param[]): Promise<Row[]> {
    try {
      return (await this.#open().query(numbered(sql), params)).rows;
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  protected async run(sql: string, params: Param[]): Promise<number> {
    try {
      return (await this.#open().query(numbered(sql), params)).rowCount ?? 0;
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#open().connect();
    } catch (error) {
      throw this.#mapped(error);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw this.#mapped(error);
    } finally {
      // A connection that cannot even roll back is closed, not given back to the pool.
      client.release(broken);
    }
  }

  async #thresholdsIn(client: pg.PoolClient | pg.Pool): Promise<Thresholds> {
    const { rows } = await client.query('SELECT key, value FROM system_settings WHERE key IN ($1, $2)', [
      SETTINGS.near,
      SETTINGS.medium,
    ]);
    const found = { ...this.#options.defaults };
    for (const row of rows) {
      const value = Number.parseInt(String(row.value), 10);
      if (!Number.isInteger(value)) continue;
      if (row.key === SETTINGS.near) found.near = value;
      if (row.key === SETTINGS.medium) found.medium = value;
    }
    return found;
  }

  async thresholds(): Promise<Thresholds> {
    try {
      return await this.#thresholdsIn(this.#open());
    } catch (error) {
      throw this.#mapped(error);
    }
  }

  ingest(batch: StoreBatch): Promise<StoreIngestResult> {
    return this.#writes.run(() =>
      this.#transaction(async (c) => {
        if (batch.deliveryKey !== undefined) {
          const added = await c.query(
            'INSERT INTO detection_deliveries (delivery_key, device_id, received_at) VALUES ($1, $2, $3) ' +
              'ON CONFLICT (delivery_key) DO NOTHING',
            [batch.deliveryKey, batch.deviceId, batch.nowUs],
          );
          if (added.rowCount === 0) return { stored: 0, duplicate: true };
        }
        // Read in the transaction: another node may have changed them.
        const thresholds = await this.#thresholdsIn(c);
        await c.query(numbered(TOUCH_DEVICE), touchParams(batch, isoUtc));
        const rows: RollupInput[] = batch.detections.map((d) => ({
          device_id: batch.deviceId,
          device_hash: d.device_hash,
          rssi: d.rssi,
          zone: classifyZone(d.rssi, thresholds),
          us: d.us,
        }));
        if (rows.length === 0) return { stored: 0, duplicate: false };
        const inserted = await c.query(
          'WITH ins AS (INSERT INTO detections (device_hash, rssi, zone, timestamp, device_id) ' +
            'SELECT * FROM unnest($1::varchar[], $2::int[], $3::varchar[], $4::timestamptz[], $5::varchar[]) ' +
            'RETURNING id) SELECT max(id) AS id FROM ins',
          [
            rows.map((r) => r.device_hash),
            rows.map((r) => r.rssi),
            rows.map((r) => r.zone),
            rows.map((r) => isoUtc(r.us)),
            rows.map((r) => r.device_id),
          ],
        );
        await addToRollup(c, rows, '', this.clock);
        return { stored: rows.length, duplicate: false, lastId: Number(inserted.rows[0]?.id) };
      }),
    );
  }

  /** Reclassifies and rebuilds; with `onlyIf`, only if it still answers true once the lock is held. */
  #rebuild(thresholds: Thresholds, nowUs: number, onlyIf?: () => Promise<boolean>): Promise<number> {
    const now = isoUtc(nowUs);
    const steps: RebuildSteps = {
      begin: () =>
        this.#transaction(async (c) => {
          await c.query(SETTING, [SETTINGS.near, String(thresholds.near), thresholdDescriptions.near, now]);
          await c.query(SETTING, [
            SETTINGS.medium,
            String(thresholds.medium),
            thresholdDescriptions.medium,
            now,
          ]);
          await c.query(SETTING, [SETTINGS.rollup, 'rebuilding', ROLLUP_DESCRIPTION, now]);
          await c.query(`DROP TABLE IF EXISTS detection_seen${NEXT}, detection_bins${NEXT}`);
          for (const ddl of rollupTables(NEXT)) await c.query(ddl);
          const { rows } = await c.query('SELECT coalesce(max(id), 0) AS id FROM detections');
          return Number(rows[0].id);
        }),
      step: (after, upTo, limit) =>
        this.#transaction((c) => reclassify(c, this.clock, thresholds, after, upTo, limit)),
      finish: (after) =>
        this.#transaction(async (c) => {
          // Writers wait from here to the commit; readers go on.
          await c.query('LOCK TABLE detections IN SHARE MODE');
          let total = 0;
          for (let last = after; ; ) {
            const step = await reclassify(
              c,
              this.clock,
              thresholds,
              last,
              Number.MAX_SAFE_INTEGER,
              REBUILD_CHUNK,
            );
            if (step.count === 0) break;
            total += step.count;
            last = step.last;
          }
          for (const ddl of swapRollupTables(NEXT)) await c.query(ddl);
          await c.query(SETTING, [SETTINGS.rollup, rollupMarker(this.clock.zone), ROLLUP_DESCRIPTION, now]);
          return total;
        }),
    };
    // Not behind #writes: batches go on while the rows stored before are reclassified. One node at
    // a time (a session lock on a connection of its own, so a pool of one cannot deadlock on it).
    return this.#rebuilds.run(async () => {
      const lock = new pg.Client({ connectionString: this.#options.url, application_name: 'pimesh' });
      try {
        await lock.connect();
        await lock.query(`SELECT pg_advisory_lock(${REBUILD_LOCK})`);
        if (onlyIf && !(await onlyIf())) return 0;
        return await rebuildRollup(steps, { chunk: REBUILD_CHUNK });
      } catch (error) {
        throw this.#mapped(error);
      } finally {
        await lock.end().catch(() => {});
      }
    });
  }

  async setThresholds(thresholds: Thresholds, nowUs: number): Promise<Recalculated> {
    const current = await this.thresholds();
    const [marker] = await this.all('SELECT value FROM system_settings WHERE key = ?', [SETTINGS.rollup]);
    const unchanged = current.near === thresholds.near && current.medium === thresholds.medium;
    // The same thresholds and a finished rollup: every row is classified already.
    if (!unchanged || marker?.value !== rollupMarker(this.clock.zone)) await this.#rebuild(thresholds, nowUs);
    const rows = await this.all(
      `SELECT zone, ${this.dialect.num('sum(detections)')} AS n FROM detection_bins WHERE scope = '' AND level = 'd' GROUP BY zone`,
      [],
    );
    const n = (zone: string) => Number(rows.find((r) => r.zone === zone)?.n ?? 0);
    const result = { near: n('NEAR'), medium: n('MEDIUM'), far: n('FAR') };
    return { total: result.near + result.medium + result.far, ...result };
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }
}
