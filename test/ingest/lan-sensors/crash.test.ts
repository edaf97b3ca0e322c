/**
 * Crash: `kill -9` of a process running the listener and the store while 20 boards stream. The
 * process reports what it has received every 20 ms; after the kill the file must open, pass SQLite's
 * integrity check, and its history must hold, for every board, at least every frame the process had
 * received more than 1 s before the kill: exactly the first frames the board sent, in order, none
 * twice. The latest-value table must agree with the history (both are written in one transaction).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import test from 'ava';
import { arduinoType, boardAddress } from '../../../src/ingest/lan-sensors/simulate.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { Board, tempDb } from '../../helpers/lan-sensors.js';
import { until } from '../../helpers/until.js';

const CHILD = new URL('../../helpers/lan-sensors-child.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const BOARDS = 20;
/** Frames every board sends before the kill, at the least (the kill waits for them). */
const BEFORE_KILL = 10_000;

/** Board b's k-th frame: ids 0..20 in turn with the Arduino's types, the value counting up. */
const frame = (k: number) => [1, k % 21, arduinoType(k % 21), k % 256];

interface Report {
  t: number;
  received: Record<string, number>;
}

test('after kill -9 the history holds every frame received more than 1 s before, in order, once', async (t) => {
  const dbPath = tempDb(t);
  const child = spawn(process.execPath, ['--import', TSX, CHILD], {
    env: { ...process.env, LANSENSORS_DB: dbPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const reports: Report[] = [];
  let port = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.port) port = message.port;
    else reports.push(message);
  });
  await until('the child to listen', () => port, { timeoutMs: 90_000 });

  const sent = new Array<number>(BOARDS).fill(0);
  let streaming = true;
  const boards = Array.from({ length: BOARDS }, (_, b) => new Board(port, boardAddress(b)));
  const runs = boards.map(async (board, b) => {
    await board.connected();
    while (streaming) {
      const pass = Array.from({ length: 21 }, (_, i) => frame(sent[b] + i)).flat();
      await board.send(...pass).catch(() => {
        streaming = false;
      });
      if (streaming) sent[b] += 21;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  const total = (r: Report | undefined) => Object.values(r?.received ?? {}).reduce((a, b) => a + b, 0);
  await until(
    'every board streaming and the child receiving',
    () => sent.every((n) => n >= BEFORE_KILL) && total(reports.at(-1)) >= BOARDS * BEFORE_KILL,
    { timeoutMs: 120_000 },
  );
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  streaming = false;
  for (const board of boards) board.socket.destroy();
  await Promise.all(runs);

  const settled = reports.filter((r) => r.t <= killedAt - 1000).at(-1);
  t.truthy(settled, 'a receipt report from more than 1 s before the kill');
  const db = openSqlite(dbPath);
  t.teardown(() => db.close());
  t.deepEqual(db.prepare('PRAGMA integrity_check').all(), [{ integrity_check: 'ok' }]);
  let lost = 0;
  let stored = 0;
  for (let b = 0; b < BOARDS; b++) {
    const address = boardAddress(b);
    const rows = db
      .prepare('SELECT ip_id, value FROM sensors_history WHERE ip_id >= ? AND ip_id < ? ORDER BY rowid')
      .all(`${address}_`, `${address}\``);
    const mustHave = settled?.received[address] ?? 0;
    t.true(rows.length >= mustHave, `${address}: ${rows.length} stored, ${mustHave} received by then`);
    t.true(rows.length <= sent[b]);
    const wrong = rows.findIndex((r, k) => r.ip_id !== `${address}_${k % 21}` || r.value !== k % 256);
    t.is(wrong, -1, `${address}: history row ${wrong} is not the board's frame ${wrong}`);
    const latest = db
      .prepare('SELECT ip_id, value FROM sensors WHERE ip_id >= ? AND ip_id < ?')
      .all(`${address}_`, `${address}\``);
    const lastOfEach = Object.fromEntries(rows.map((r) => [r.ip_id, r.value]));
    t.deepEqual(
      Object.fromEntries(latest.map((r) => [r.ip_id, r.value])),
      lastOfEach,
      `${address}: latest table`,
    );
    stored += rows.length;
    lost += (reports.at(-1)?.received[address] ?? 0) - rows.length;
  }
  t.log(
    `${BOARDS} boards sent ${sent.reduce((a, b) => a + b, 0)} frames; ${total(settled)} received by ` +
      `kill - 1 s, ${stored} in the history, at most ${Math.max(0, lost)} received and lost in the last second`,
  );
});
