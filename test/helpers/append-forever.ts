// Appends tracer rows to the directory given as argv[2] as fast as it can, printing the number of
// each row once its append (write + fsync) has returned. The crash test kills it with SIGKILL.
import { TracerStore } from '../../src/readings/tracer-store.js';
import { READING } from './readings.js';

const store = new TracerStore(process.argv[2]);
for (let i = 1; ; i++) {
  await store.append(new Date(), { ...READING, 'PV voltage': i / 100 });
  process.stdout.write(`${i}\n`);
}
