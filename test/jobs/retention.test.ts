/**
 * Retention: the daily job deletes charge-controller days and departed peers' files older than their
 * limits; append-only line files keep their newest lines once over their cap, atomically and with
 * their mode; a real node runs it through POST /api/jobs/retention.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { daysBefore, prunePeerFiles, pruneTracerFiles } from '../../src/jobs/retention.js';
import { JsonlFile } from '../../src/pi-backend/jsonl-file.js';
import { SIMULATED_DIR } from '../../src/readings/tracer-dir.js';
import { trimToNewest } from '../../src/storage/trim-file.js';
import { startPimesh, tempCwd } from '../helpers/pimesh-process.js';

const temp = () => mkdtempSync(join(tmpdir(), 'pimesh-retention-'));
const day = (date: string) => `tracerData${date}.csv`;

test('daysBefore counts local calendar days, across months and leap days', (t) => {
  t.is(daysBefore('2024-03-01', 1), '2024-02-29');
  t.is(daysBefore('2026-01-01', 365), '2025-01-01');
});

test('tracerData files older than the kept days go; today and the kept ones stay; other files are untouched', async (t) => {
  const dir = temp();
  for (const d of ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'])
    writeFileSync(join(dir, day(d)), 'x\n');
  writeFileSync(join(dir, 'notes.txt'), 'keep\n');
  const gone = await pruneTracerFiles(dir, 2, '2026-11-28');
  t.deepEqual(gone, [day('2026-11-25'), day('2026-11-26')]);
  t.deepEqual(readdirSync(dir).sort(), ['notes.txt', day('2026-11-27'), day('2026-11-28')]);
  t.deepEqual(await pruneTracerFiles(join(dir, 'missing'), 2, '2026-11-28'), []);
});

test('a departed peer’s data goes after its days; current peers and the round record stay', async (t) => {
  const dir = temp();
  const now = Date.now();
  for (const name of ['here.json', 'gone.json', 'recent.json', '.peer-data.json'])
    writeFileSync(join(dir, name), '[]');
  const old = new Date(now - 40 * 86_400_000);
  utimesSync(join(dir, 'gone.json'), old, old);
  utimesSync(join(dir, 'here.json'), old, old);
  t.deepEqual(await prunePeerFiles(dir, new Set(['here.json']), 30, now), ['gone.json']);
  t.deepEqual(readdirSync(dir).sort(), ['.peer-data.json', 'here.json', 'recent.json']);
});

test('a line file over its cap keeps its newest whole lines, half the cap, with its mode', async (t) => {
  const path = join(temp(), 'poe.log');
  const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i).padStart(4, '0')}`);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o640 });
  t.is(await trimToNewest(path, 20_000), 0, 'under the cap: untouched');
  const removed = await trimToNewest(path, 4000);
  const kept = readFileSync(path, 'utf8');
  t.true(removed > 0);
  t.true(kept.length <= 2000);
  t.true(kept.endsWith('line 0999\n'));
  t.regex(kept, /^line \d{4}\n/, 'starts at a whole line');
  t.is(statSync(path).mode & 0o777, 0o640);
});

test('JSON Lines appended past their cap keep the newest records, none lost or torn', async (t) => {
  const path = join(temp(), 'data-entries.jsonl');
  const file = new JsonlFile(path, (v): v is { n: number } => typeof (v as { n?: unknown }).n === 'number', {
    maxBytes: 2000,
  });
  await Promise.all(Array.from({ length: 500 }, (_, n) => file.append({ n })));
  const records = await file.readLast(1000);
  t.true(statSync(path).size <= 2000);
  t.is(records.at(-1)?.n, 499);
  const ns = records.map((r) => r.n);
  t.deepEqual(
    ns,
    Array.from({ length: ns.length }, (_, i) => ns[0] + i),
    'a contiguous run of the newest',
  );
});

test('a real node deletes old days through POST /api/jobs/retention', async (t) => {
  const cwd = tempCwd();
  const dir = join(cwd, 'data', SIMULATED_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, day('2001-01-01')), 'old\n');
  const node = await startPimesh({ PIMESH_SCHEDULE: 'off', PIMESH_MDNS: 'off' }, cwd);
  t.teardown(() => node.stop());
  const res = await fetch(node.url('/api/jobs/retention'), { method: 'POST' });
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { csv: [day('2001-01-01')], peers: [] });
  t.deepEqual(readdirSync(dir), []);
});
