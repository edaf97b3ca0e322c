import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { TRACER_HEADER_LINE } from '../../src/readings/tracer-csv.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { TSX } from '../helpers/pimesh-process.js';
import { until } from '../helpers/until.js';

const WRITER = new URL('../helpers/append-forever.ts', import.meta.url).pathname;

/** Starts the writer, lets it append for `ms`, kills it with SIGKILL; returns the last acknowledged row. */
async function runAndKill(dir: string, ms: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, WRITER, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  // 'close', not 'exit': acknowledgements still in the pipe when it dies are read to the end first.
  const closed = new Promise((resolve) => child.once('close', resolve));
  // Wait until it has acknowledged a row (however long a busy machine takes to start it), then let it
  // append a little longer, and kill it wherever it then is.
  const acknowledged = () => out.includes('\n') || child.exitCode !== null;
  await until('the writer to acknowledge its first row', acknowledged, { timeoutMs: 60_000 });
  await sleep(ms);
  child.kill('SIGKILL');
  await closed;
  const acked = out.trim().split('\n').filter(Boolean);
  return acked.length === 0 ? 0 : Number(acked.at(-1));
}

test('a logger killed with SIGKILL while appending loses at most the row being written', async (t) => {
  t.timeout(300_000); // five cold starts of a writer on a busy machine: a safety net, not a measurement
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-crash-'));
  let expected = 0; // rows acknowledged across all runs
  for (const ms of [150, 40, 260, 5, 90]) {
    const acked = await runAndKill(dir, ms);
    t.true(acked > 0, 'the writer appended before it was killed');
    expected += acked;

    // Every file parses: the header first, then whole rows only.
    const store = new TracerStore(dir);
    let rows = 0;
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), 'utf8');
      t.true(text.startsWith(`${TRACER_HEADER_LINE}\n`), `${name} starts with the header`);
      t.is(text.split(TRACER_HEADER_LINE).length, 2, 'the header is written once');
      const day = store.read(name);
      t.truthy(day);
      t.true(
        day?.rows
          .slice(1)
          .every((r) => r.length === 13 && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/.test(r[0])),
      );
      rows += (day?.rows.length ?? 1) - 1;
    }
    // Acknowledged rows are all there; at most one more per kill (written, not yet acknowledged).
    t.true(rows >= expected, `${rows} rows on disk, ${expected} acknowledged`);
    t.true(rows <= expected + 1, `${rows} rows on disk, ${expected} acknowledged`);
    expected = rows;
  }
  rmSync(dir, { recursive: true, force: true });
});
