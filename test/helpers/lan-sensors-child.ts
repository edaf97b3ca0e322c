/**
 * The listener and store in a process of their own, for the crash test: `LANSENSORS_DB=<file>` with
 * the service's defaults (flushMs 500), on 127.0.0.1 and a port the kernel picks. Prints one JSON
 * line with the port, then every 20 ms a receipt report: `{"t": <epoch ms>, "received": {<board
 * address>: <frames received so far>}}`, so the parent knows what had been received by when.
 */
import { LanSensors } from '../../src/ingest/lan-sensors/index.js';
import { silentLogger } from '../../src/log.js';

const dbPath = process.env.LANSENSORS_DB;
if (!dbPath) throw new Error('LANSENSORS_DB is not set');

const sensors = new LanSensors({
  port: 0,
  host: '127.0.0.1',
  dbPath,
  maxPerAddress: 1,
  log: silentLogger(),
});
await sensors.start();
process.stdout.write(`${JSON.stringify({ port: sensors.port })}\n`);

setInterval(() => {
  const received: Record<string, number> = {};
  for (const c of sensors.connections()) received[c.address] = (received[c.address] ?? 0) + c.frames;
  process.stdout.write(`${JSON.stringify({ t: Date.now(), received })}\n`);
}, 20);
