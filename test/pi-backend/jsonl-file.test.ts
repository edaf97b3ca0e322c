import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { JsonlFile } from '../../src/pi-backend/jsonl-file.js';

interface Rec {
  n: number;
  pad?: string;
}
const isRec = (v: unknown): v is Rec => typeof (v as Rec)?.n === 'number';
const file = () => new JsonlFile<Rec>(join(mkdtempSync(join(tmpdir(), 'pimesh-jsonl-')), 'x.jsonl'), isRec);

test('readLast answers the newest records oldest first, across 64 KiB chunks', async (t) => {
  const f = file();
  const lines = Array.from({ length: 300 }, (_, n) => JSON.stringify({ n, pad: 'p'.repeat(n * 7) }));
  writeFileSync(f.path, `${lines.join('\n')}\n`);
  t.deepEqual(
    (await f.readLast(3)).map((r) => r.n),
    [297, 298, 299],
  );
  const all = await f.readAll();
  t.is(all.length, 300);
  t.deepEqual(
    all.map((r) => r.n),
    Array.from({ length: 300 }, (_, n) => n),
  );
  t.deepEqual(
    (await f.readLast(100, (r) => r.n <= 295)).map((r) => r.n),
    [296, 297, 298, 299],
  );
});

test('a record longer than a chunk is read whole', async (t) => {
  const f = file();
  await f.append({ n: 1 });
  await f.append({ n: 2, pad: 'q'.repeat(200_000) });
  await f.append({ n: 3 });
  const all = await f.readAll();
  t.deepEqual(
    all.map((r) => [r.n, r.pad?.length ?? 0]),
    [
      [1, 0],
      [2, 200_000],
      [3, 0],
    ],
  );
});

test('a torn last line, garbage lines and records of the wrong shape are skipped', async (t) => {
  const f = file();
  writeFileSync(f.path, '{"n":1}\nnot json\n\n{"x":2}\n{"n":3}\n{"n":4,"pad":"tor');
  t.deepEqual(
    (await f.readAll()).map((r) => r.n),
    [1, 3],
  );
  t.deepEqual((await f.last())?.n, 3);
  await f.append({ n: 5 });
  t.deepEqual(
    (await f.readAll()).map((r) => r.n),
    [1, 3, 5],
  );
});

test('a file that is all one torn line, empty or missing has no records', async (t) => {
  const f = file();
  t.deepEqual(await f.readAll(), []);
  writeFileSync(f.path, '');
  t.deepEqual(await f.readAll(), []);
  appendFileSync(f.path, '{"n":1'.padEnd(150_000, ' '));
  t.deepEqual(await f.readAll(), []);
  t.is(await f.last(), undefined);
});
