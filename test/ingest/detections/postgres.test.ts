/**
 * The same suites on a real PostgreSQL, started for this file (test/helpers/postgres.ts), a fresh
 * database per test. Without the server binaries they are skipped saying why (failing under CI=true).
 */
import { usePostgres } from '../../helpers/postgres.js';
import { apiSuite } from './api-suite.js';
import { checklistSuite } from './checklist-suite.js';
import { type Backend, hash, startDetections } from './harness.js';
import { storeSuite } from './store-suite.js';

const pg = await usePostgres();
const postgres: Backend = { name: 'PostgreSQL', test: pg.test, databaseUrl: pg.database };

checklistSuite(postgres);
storeSuite(postgres);
apiSuite(postgres);

pg.test(
  'PostgreSQL: two nodes on one database open together, and one’s thresholds classify the other’s batches',
  async (t) => {
    const url = await pg.database();
    const shared: Backend = { ...postgres, databaseUrl: async () => url };
    const first = await startDetections(t, shared, { config: { timezone: 'UTC' } });
    const batch = (i: number) => ({
      device_id: `rpi-${i}`,
      detections: [{ device_hash: hash(i), rssi: -55 }],
    });
    for (let i = 0; i < 20; i++) await first.detections.ingest(batch(i), { via: 'http' });
    await first.detections.stop();
    // Both find a rollup made in another zone; one rebuilds it, the other waits and finds it done.
    const [a, b] = await Promise.all([startDetections(t, shared), startDetections(t, shared)]);
    await a.send(
      '/api/v1/settings/thresholds',
      { near_threshold: -50, medium_threshold: -80 },
      { method: 'put' },
    );
    await b.detections.ingest(batch(99), { via: 'http' });
    const realtime = await b.get('/api/v1/statistics/realtime?minutes=60');
    t.like(realtime.body.by_zone, { NEAR: { total_detections: 0 }, MEDIUM: { total_detections: 21 } });
  },
);
