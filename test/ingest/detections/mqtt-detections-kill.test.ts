/**
 * The Detections store itself (SQLite: the inbox's journal and its merge worker) behind the MQTT
 * subscriber, in a process killed with SIGKILL mid-stream against a real mosquitto, then started
 * again on the same files: every batch the agents had acknowledged is stored, none twice.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Detections, detectionsConfigSchema } from '../../../src/ingest/detections/index.js';
import { MqttSubscriber } from '../../../src/ingest/detections/mqtt-subscriber.js';
import { simulateDetections } from '../../../src/ingest/detections/simulate.js';
import { silentLogger } from '../../../src/log.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { MOSQUITTO, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
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
    const script = join(dir, 'child.mts');
    writeFileSync(script, CHILD(pathToFileURL(join(import.meta.dirname, '../../../')).href));
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script], {
      env: { ...process.env, BROKER_URL: mosquitto.url, DATA_DIR: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr?.pipe(process.stderr);
    t.teardown(() => child.kill('SIGKILL'));
    let subscribed = false;
    let stored = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'subscribed') subscribed = true;
      else stored++;
    });
    await until('the child subscribed', () => subscribed, { timeoutMs: 90_000 });
    const run = simulateDetections({ agents: 3, rate: 300, count: TOTAL, mqtt: { url: mosquitto.url } });
    await until('a third stored by the child', () => stored >= TOTAL / 3, { timeoutMs: 90_000 });
    child.kill('SIGKILL');
    await once(child, 'exit');
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
    const subscriber = new MqttSubscriber({
      url: mosquitto.url,
      clientId: CLIENT_ID,
      ingest: detections.ingest,
      log: silentLogger(),
    });
    t.teardown(() => subscriber.stop());
    await subscriber.start();
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
      `the child answered ${stored} before the kill, ${journal} of them still in its journal; ` +
        `duplicates after it: ${subscriber.counters().duplicates}`,
    );
  },
);
