/**
 * For the inbox's crash test: opens the detections store at DETECTIONS_DIR, ingests BATCHES batches
 * as MQTT does (queued, each with its delivery key), prints "answered" once every one is answered,
 * and kills itself with SIGKILL before the inbox's merge can run.
 */

import { detectionsConfigSchema } from '../../src/ingest/detections/config.js';
import { Detections } from '../../src/ingest/detections/index.js';
import { silentLogger } from '../../src/log.js';

const dir = process.env.DETECTIONS_DIR as string;
const batches = Number(process.env.BATCHES);
const detections = new Detections({
  config: detectionsConfigSchema.parse({ timezone: 'UTC' }),
  dataDir: dir,
  log: silentLogger(),
});
await detections.start();
const answered = await Promise.all(
  Array.from({ length: batches }, (_, b) =>
    detections.ingest(
      {
        device_id: `rpi-${b % 2}`,
        // Newest first within a batch: the merge puts rows in by time.
        detections: [3, 2, 1].map((k) => ({
          device_hash: (b * 10 + k).toString(16).padStart(64, '0'),
          rssi: -50 - k,
          timestamp: new Date(Date.now() - k * 1000 - b).toISOString(),
        })),
      },
      { via: 'mqtt', deliveryKey: `key-${b}` },
    ),
  ),
);
process.stdout.write(`${JSON.stringify({ answered: answered.filter((r) => r.count === 3).length })}\n`);
process.kill(process.pid, 'SIGKILL');
