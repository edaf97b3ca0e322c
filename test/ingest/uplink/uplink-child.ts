/**
 * The uplink in a process of its own, for the restart and crash tests. Environment: `UPLINK_URL`,
 * `OUTBOX_DIR`, `MODE`:
 * - `queue`: publishes `COUNT` readings `{"i": 0..}` on `reading`, 500 per turn, printing
 *   `{"durable": n}` after each turn's publish() calls resolved, then `{"queued": n}`; then idles.
 * - `forever`: the same, without end (for a kill -9 mid-append).
 * - `run`: prints `{"started": <counters>}`, then `{"delivered": n, "queued": n}` whenever they
 *   change (looked at every 50 ms).
 */
import { Uplink } from '../../../src/ingest/uplink/index.js';
import { silentLogger } from '../../../src/log.js';

const { UPLINK_URL: url, OUTBOX_DIR: outboxDir, MODE: mode = 'run' } = process.env;
if (!url || !outboxDir) throw new Error('UPLINK_URL and OUTBOX_DIR must be set');
const print = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const uplink = new Uplink({
  url,
  outboxDir,
  clientId: 'pimesh-test-uplink',
  topicPrefix: 'pimesh/test/',
  reconnectMinMs: 100,
  reconnectMaxMs: 500,
  log: silentLogger(),
});
await uplink.start();
// The test is gone when stdin ends: go too.
process.stdin.on('end', () => process.exit(0)).resume();

if (mode === 'run') {
  print({ started: uplink.counters() });
  let last = '';
  setInterval(() => {
    const { delivered, queued } = uplink.counters();
    const line = JSON.stringify({ delivered, queued });
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
  }, 50);
} else {
  const count = mode === 'forever' ? Number.POSITIVE_INFINITY : Number(process.env.COUNT ?? 10_000);
  let i = 0;
  while (i < count) {
    const turn: Promise<void>[] = [];
    for (let k = 0; k < 500 && i < count; k++, i++) turn.push(uplink.publish('reading', { i }));
    await Promise.all(turn);
    print({ durable: i });
  }
  print({ queued: uplink.counters().queued });
  setInterval(() => {}, 60_000);
}
