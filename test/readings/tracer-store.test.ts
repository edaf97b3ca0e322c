import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { TRACER_HEADER_LINE } from '../../src/readings/tracer-csv.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { READING, READING_CELLS } from '../helpers/readings.js';

const day = new Date(2021, 1, 24, 7, 50, 13, 445);
const FILE = 'tracerData2021-02-24.csv';

function store() {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-store-'));
  return { dir, store: new TracerStore(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a new day file starts with the header, then one row per append', async (t) => {
  const s = store();
  await s.store.append(day, READING, 434);
  await s.store.append(new Date(2021, 1, 24, 7, 52, 13, 605), READING, 12);
  t.is(
    readFileSync(join(s.dir, FILE), 'utf8'),
    `${TRACER_HEADER_LINE}\n2021-02-24 07:50:13.445434,${READING_CELLS}\n2021-02-24 07:52:13.605012,${READING_CELLS}\n`,
  );
  s.cleanup();
});

test('concurrent appends never interleave or duplicate the header', async (t) => {
  const s = store();
  await Promise.all(Array.from({ length: 50 }, (_, i) => s.store.append(day, READING, i)));
  const lines = readFileSync(join(s.dir, FILE), 'utf8').trimEnd().split('\n');
  t.is(lines.length, 51);
  t.is(lines.filter((l) => l === TRACER_HEADER_LINE).length, 1);
  s.cleanup();
});

test('reads see rows appended after the first read without re-parsing the file', async (t) => {
  const s = store();
  await s.store.append(day, READING);
  const first = s.store.read(FILE);
  t.is(first?.rows.length, 2);
  t.is(s.store.read(FILE)?.version, first?.version, 'an unchanged file keeps its version');
  await s.store.append(day, READING);
  const second = s.store.read(FILE);
  t.is(second?.rows.length, 3);
  t.not(second?.version, first?.version);
  s.cleanup();
});

test('a torn last line is skipped by readers and repaired by the next append', async (t) => {
  const s = store();
  await s.store.append(day, READING, 1);
  appendFileSync(join(s.dir, FILE), '2021-02-24 07:52:13.605012,13.2'); // a crash mid-write
  t.is(s.store.read(FILE)?.rows.length, 2, 'the torn line is not a row');
  await s.store.append(day, READING, 3);
  const text = readFileSync(join(s.dir, FILE), 'utf8');
  t.true(text.startsWith(`${TRACER_HEADER_LINE}\n2021-02-24 07:50:13.445001,`), 'nothing was rewritten');
  t.true(
    text.includes('07:52:13.605012,13.2\n2021-02-24 07:50:13.445003,'),
    'the fragment was ended, not removed',
  );
  const rows = s.store.read(FILE)?.rows ?? [];
  t.is(rows.length, 3, 'header and the two whole rows');
  t.true(rows.every((r) => r.length === 13));
  s.cleanup();
});

test('a file replaced under the same name is read afresh', (t) => {
  const s = store();
  writeFileSync(join(s.dir, FILE), `${TRACER_HEADER_LINE}\n2021-02-24 01:00:00.000000,${READING_CELLS}\n`);
  t.is(s.store.read(FILE)?.rows.length, 2);
  rmSync(join(s.dir, FILE));
  t.is(s.store.read(FILE), undefined);
  writeFileSync(join(s.dir, FILE), `${TRACER_HEADER_LINE}\n`);
  t.is(s.store.read(FILE)?.rows.length, 1);
  s.cleanup();
});

test('files are listed as scandir lists them, only tracerData names', (t) => {
  const s = store();
  for (const name of [
    'tracerData2021-02-24.csv',
    'tracerData2020-12-31.csv',
    'notes.txt',
    'tracerData2021-01-01.json',
  ]) {
    writeFileSync(join(s.dir, name), '');
  }
  t.deepEqual(s.store.listFiles(), [
    'tracerData2020-12-31.csv',
    'tracerData2021-01-01.json',
    'tracerData2021-02-24.csv',
  ]);
  t.deepEqual(new TracerStore(join(s.dir, 'missing')).listFiles(), []);
  s.cleanup();
});

test('with a recheck delay, our own appends are seen at once and other writers after the delay', async (t) => {
  const s = store();
  const cached = new TracerStore(s.dir, { recheckMs: 60_000 });
  await cached.append(day, READING);
  t.is(cached.read(FILE)?.rows.length, 2);
  await cached.append(day, READING);
  t.is(cached.read(FILE)?.rows.length, 3, 'own append seen at once');
  t.deepEqual(cached.listFiles(), [FILE]);
  appendFileSync(join(s.dir, FILE), `2021-02-24 08:00:00.000000,${READING_CELLS}\n`);
  writeFileSync(join(s.dir, 'tracerData2021-02-25.csv'), `${TRACER_HEADER_LINE}\n`);
  t.is(cached.read(FILE)?.rows.length, 3, 'an outside write waits for the recheck');
  t.deepEqual(cached.listFiles(), [FILE]);
  t.is(new TracerStore(s.dir).read(FILE)?.rows.length, 4, 'without a delay it is seen at once');
  s.cleanup();
});

test('a file rewritten in place with the same size in the same second is read again', async (t) => {
  const s = store();
  const path = join(s.dir, FILE);
  const second = new Date(2021, 1, 24, 7, 50, 13); // a coarse clock: whole seconds only
  writeFileSync(path, `${TRACER_HEADER_LINE}\n2021-02-24 07:50:13.445434,${READING_CELLS}\n`);
  utimesSync(path, second, second);
  const before = statSync(path, { bigint: true });
  t.is(s.store.read(FILE)?.rows[1][1], '13.23');

  await sleep(30); // past the kernel's timestamp tick, so the rewrite gets another ctime
  writeFileSync(
    path,
    `${TRACER_HEADER_LINE}\n2021-02-24 07:50:13.445434,${READING_CELLS.replace('13.23', '14.56')}\n`,
  );
  utimesSync(path, second, second);
  const after = statSync(path, { bigint: true });
  t.is(after.ino, before.ino, 'rewritten in place');
  t.is(after.size, before.size, 'same size');
  t.is(after.mtimeNs, before.mtimeNs, 'same mtime');

  const day = s.store.read(FILE);
  t.is(day?.rows.length, 2);
  t.is(day?.rows[1][1], '14.56', 'the new content, not the cached rows');
  s.cleanup();
});

test('a file rewritten whole with one more row (as the original logger does) is parsed afresh', (t) => {
  const s = store();
  const path = join(s.dir, FILE);
  const row = (time: string, volts: string) =>
    `2021-02-24 ${time},${READING_CELLS.replace('13.23', volts)}\n`;
  writeFileSync(path, `${TRACER_HEADER_LINE}\n${row('07:50:13.445434', '13.23')}`);
  t.is(s.store.read(FILE)?.rows.length, 2);
  writeFileSync(
    path,
    `${TRACER_HEADER_LINE}\n${row('07:50:13.445434', '11.11')}${row('07:52:13.605012', '12.22')}`,
  );
  const rows = s.store.read(FILE)?.rows ?? [];
  t.deepEqual(
    rows.slice(1).map((r) => r[1]),
    ['11.11', '12.22'],
    'the changed row is re-read, not kept from the cache',
  );
  s.cleanup();
});

test('an unchanged file is not read again: same rows, same version', (t) => {
  const s = store();
  writeFileSync(join(s.dir, FILE), `${TRACER_HEADER_LINE}\n2021-02-24 01:00:00.000000,${READING_CELLS}\n`);
  const first = s.store.read(FILE);
  const second = s.store.read(FILE);
  t.is(second?.version, first?.version);
  t.is(second?.rows, first?.rows);
  s.cleanup();
});
