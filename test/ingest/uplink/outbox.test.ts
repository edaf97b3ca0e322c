/**
 * The uplink's outbox on its own: order, removal, the size bound, a damaged file.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { entryBytes, Outbox } from '../../../src/ingest/uplink/outbox.js';

function dir(t: ExecutionContext): string {
  const path = mkdtempSync(join(tmpdir(), 'pimesh-outbox-'));
  t.teardown(() => rmSync(path, { recursive: true, force: true }));
  return path;
}

const reading = (i: number) => ({ topic: 'pimesh/n1/reading', payload: JSON.stringify({ i }) });
const values = (outbox: Outbox) => outbox.after(0, 1e6).map((e) => JSON.parse(e.payload).i as number);

test('entries come back oldest first, and again after the outbox is reopened', (t) => {
  const path = dir(t);
  const outbox = new Outbox(path, { maxBytes: 1e6 });
  outbox.append([reading(0), reading(1)]);
  outbox.append([reading(2)]);
  t.deepEqual(values(outbox), [0, 1, 2]);
  t.deepEqual(
    outbox.after(outbox.after(0, 1)[0].seq, 10).map((e) => e.payload),
    ['{"i":1}', '{"i":2}'],
  );
  outbox.close();
  const again = new Outbox(path, { maxBytes: 1e6 });
  t.teardown(() => again.close());
  t.deepEqual(values(again), [0, 1, 2]);
  t.like(again.size(), { entries: 3, bytes: 3 * entryBytes(reading(0).topic, '{"i":0}') });
});

test('a removed entry is gone for good, and a new one never takes its place in the order', (t) => {
  const path = dir(t);
  const outbox = new Outbox(path, { maxBytes: 1e6 });
  outbox.append([reading(0), reading(1), reading(2)]);
  const [first, , last] = outbox.after(0, 10);
  outbox.remove([first.seq, last.seq, 12345]);
  outbox.close();
  const again = new Outbox(path, { maxBytes: 1e6 });
  t.teardown(() => again.close());
  again.append([reading(3)]);
  t.deepEqual(values(again), [1, 3]);
  t.true(again.after(0, 10)[1].seq > last.seq, 'the order key is not reused');
  t.is(again.size().entries, 2);
});

test('past maxBytes the oldest entries are dropped in the same commit, and the count kept in the file', (t) => {
  const path = dir(t);
  // Readings 10..99 all take the same room.
  const size = entryBytes(reading(10).topic, reading(10).payload);
  const outbox = new Outbox(path, { maxBytes: 10 * size });
  t.is(outbox.append(Array.from({ length: 8 }, (_, i) => reading(10 + i))), 0);
  t.is(outbox.append([reading(18), reading(19), reading(20), reading(21)]), 2);
  t.deepEqual(values(outbox), [12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  t.is(outbox.size().bytes, 10 * size);
  outbox.close();
  const again = new Outbox(path, { maxBytes: 10 * size });
  t.teardown(() => again.close());
  again.append([reading(22)]);
  t.is(again.droppedTotal(), 3);
  t.is(values(again)[0], 13);
});

test('a damaged outbox file is kept aside and a new outbox started', (t) => {
  const path = dir(t);
  writeFileSync(
    join(path, 'outbox.db'),
    'this is not a database, it is garbage written by a dying SD card'.repeat(100),
  );
  const outbox = new Outbox(path, { maxBytes: 1e6 });
  t.teardown(() => outbox.close());
  t.regex(outbox.movedAside ?? '', /outbox\.db\.corrupt-/);
  outbox.append([reading(0)]);
  t.deepEqual(values(outbox), [0]);
  t.true(readdirSync(path).some((name) => name.startsWith('outbox.db.corrupt-')));
});
