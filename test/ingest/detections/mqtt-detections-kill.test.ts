import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Detections, detectionsConfigSchema } from '../../../src/ingest/detections/index.js';
import { simulateDetections } from '../../../src/ingest/detections/simulate.js';
import { silentLogger } from '../../../src/log.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { MOSQUITTO, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
import { ROOT, startChildNode, startSubscriber } from './mqtt-node.js';
import { tempDir } from './mqtt-store.js';

const broker = needs(MOSQUITTO);
const CLIENT_ID = 'pimesh-test-detections-kill';
const TOTAL = 600;

/** The node's side: Detections on DATA_DIR and the subscriber; prints `subscribed`, then `stored` per batch. */
const CHILD = (root: string) => `
const { Detections, detectionsConfigSchema } = await import('${root}src/ingest/detections/index.ts');
const { MqttSubscriber } = await import('${root}src/ingest/detections/mqtt-subscriber.ts');
const { silentLogger } = await import('${root}src/log.ts');
const detections = new Detections({
  config: detectionsConfigSchema.parse({ timezone: 'UTC', mqtt: { url: process.env.BROKER_URL } }),
  dataDir: process.env.DATA_DIR,
  log: silentLogger(),
});
await detections.start();
const subscriber = new MqttSubscriber({
  url: process.env.BROKER_URL,
  clientId: '${CLIENT_ID}',
  ingest: detections.ingest,
  log: silentLogger(),
});
subscriber.on('subscribed', () => process.stdout.write('subscribed\\n'));
subscriber.on('stored', () => process.stdout.write('stored\\n'));
await subscriber.start();
process.stdin.on('end', () => process.exit(0)).resume();
`;

broker(
  'the node with the Detections store is killed with SIGKILL mid-stream: every batch is stored, none twice',
  async (t) => {
    const mosquitto = await startMosquitto(t);
    const dir = tempDir(t);
    const child = await startChildNode(t, dir, CHILD(ROOT), { BROKER_URL: mosquitto.url, DATA_DIR: dir });
    const run = simulateDetections({ agents: 3, rate: 300, count: TOTAL, mqtt: { url: mosquitto.url } });
    await until('a third stored by the child', () => child.stored() >= TOTAL / 3, { timeoutMs: 90_000 });
    child.process.kill('SIGKILL');
    await once(child.process, 'exit');
    const journal = ['a', 'b']
      .map(
        (f) =>
          readFileSync(join(dir, `detections.db-inbox-${f}`), 'utf8')
            .split('\n')
            .filter(Boolean).length,
      )
      .reduce((a, b) => a + b);

    // The node again, on the same files: what the journal held is merged at open, the rest redelivered.
    const detections = new Detections({
      config: detectionsConfigSchema.parse({ timezone: 'UTC', mqtt: { url: mosquitto.url } }),
      dataDir: dir,
      log: silentLogger(),
    });
    await detections.start();
    t.teardown(() => detections.stop());
    const subscriber = await startSubscriber(t, {
      url: mosquitto.url,
      clientId: CLIENT_ID,
      ingest: detections.ingest,
    });
    t.like(await run, { sent: TOTAL, failed: 0 });
    const count = async () => {
      await detections.store.recent(1); // a read: every batch answered so far is merged first
      const raw = openSqlite(join(dir, 'detections.db'));
      try {
        const batches = Number(raw.prepare('SELECT count(*) AS n FROM detection_deliveries').get()?.n);
        const rows = Number(raw.prepare('SELECT count(*) AS n FROM detections').get()?.n);
        return { batches, rows };
      } finally {
        raw.close();
      }
    };
    await until(`${TOTAL} batches stored`, async () => ((await count()).batches >= TOTAL ? true : undefined));
    t.deepEqual(await count(), { batches: TOTAL, rows: TOTAL * 10 });
    t.log(
      `the child answered ${child.stored()} before the kill, ${journal} of them still in its journal; ` +
        `duplicates after it: ${subscriber.counters().duplicates}`,
    );
  },
);
