import test from 'ava';
import request from 'supertest';
import { SystemCollector } from '../../src/system/collector.js';
import type { ProcessInfo } from '../../src/system/processes.js';
import { monitorApp, UNLIMITED } from './app.js';
import { FakeSource } from './fake-source.js';

const NAMES = ['python3', 'Nginx', 'bash', 'sshd', 'Avahi-daemon', 'cron'];

function list(n: number): ProcessInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    pid: 1000 - i * 7,
    name: `${NAMES[i % NAMES.length]}`,
    user: i % 5 === 0 ? null : 'pi',
    cpu_percent: (i * 37) % 11,
    memory_percent: ((i * 13) % 17) / 2,
    running_time: ((i * 53) % 29) * 100,
  }));
}

const source = new FakeSource();
source.processList = list(150);
const { handler } = monitorApp(source, { config: UNLIMITED });
const get = (query: string) => request(handler).get(`/processes${query}`);

const isSorted = <T>(values: T[], before: (a: T, b: T) => boolean) =>
  values.every((v, i) => i === 0 || !before(v, values[i - 1]));

test('sort=memory&limit=5: at most 5 entries, memory_percent descending', async (t) => {
  const res = await get('?sort=memory&limit=5');
  t.is(res.status, 200);
  t.is(res.body.processes.length, 5);
  const memory: number[] = res.body.processes.map((p: ProcessInfo) => p.memory_percent);
  t.true(isSorted(memory, (a, b) => a > b));
  t.is(memory[0], 8, 'the largest');
  t.is(typeof res.body.timestamp, 'number');
});

test('sort=name is ascending and case-insensitive', async (t) => {
  const names: string[] = (await get('?sort=name&limit=100')).body.processes.map((p: ProcessInfo) => p.name);
  t.true(isSorted(names, (a: string, b: string) => a.toLowerCase() < b.toLowerCase()));
  t.is(names[0], 'Avahi-daemon');
});

test('sort=pid is ascending, sort=cpu and sort=time descending', async (t) => {
  const pids: number[] = (await get('?sort=pid')).body.processes.map((p: ProcessInfo) => p.pid);
  t.true(isSorted(pids, (a, b) => a < b));
  const cpu: number[] = (await get('?sort=cpu')).body.processes.map((p: ProcessInfo) => p.cpu_percent);
  t.true(isSorted(cpu, (a, b) => a > b));
  const time: number[] = (await get('?sort=time')).body.processes.map((p: ProcessInfo) => p.running_time);
  t.true(isSorted(time, (a: number, b: number) => a > b));
});

test('an unknown sort (sort=xyz) sorts by cpu', async (t) => {
  t.deepEqual(
    (await get('?sort=xyz&limit=20')).body.processes,
    (await get('?sort=cpu&limit=20')).body.processes,
  );
  t.deepEqual((await get('?limit=20')).body.processes, (await get('?sort=cpu&limit=20')).body.processes);
});

test('limit defaults to 10, is at most 100, and 0 gives none', async (t) => {
  t.is((await get('')).body.processes.length, 10);
  t.is((await get('?limit=500')).body.processes.length, 100);
  t.is((await get('?limit=%2042%20')).body.processes.length, 42, 'spaces allowed, as Python int()');
  t.deepEqual((await get('?limit=0')).body.processes, []);
});

test('each entry has the piStat keys; user may be null', async (t) => {
  const processes = (await get('?sort=pid&limit=100')).body.processes;
  t.deepEqual(Object.keys(processes[0]), [
    'pid',
    'name',
    'user',
    'cpu_percent',
    'memory_percent',
    'running_time',
  ]);
  t.true(processes.some((p: ProcessInfo) => p.user === null));
});

test('limit=abc is refused with 400 (piStat: 500) keeping its error text, naming the field', async (t) => {
  for (const bad of ['abc', '-3', '2.5', '']) {
    const res = await get(`?limit=${bad}`);
    t.is(res.status, 400, bad);
    t.is(res.body.error, 'Failed to get process information');
    t.is(res.body.code, 'ERR_INPUT');
    t.regex(res.body.details, /^limit must be a whole number/);
  }
});

test("a failing process listing is a 500 in piStat's shape", async (t) => {
  const broken = new FakeSource();
  broken.fail = new Error('ps failed');
  const res = await request(monitorApp(broken, { config: UNLIMITED }).handler).get('/processes');
  t.is(res.status, 500);
  t.deepEqual(res.body, { error: 'Failed to get process information', details: 'ps failed' });
});

test('the real listing (systeminformation) has the keys and units', async (t) => {
  const real = monitorApp(new SystemCollector(), { config: UNLIMITED }).handler;
  const res = await request(real).get('/processes?sort=pid&limit=100');
  t.is(res.status, 200);
  t.true(res.body.processes.length > 0);
  for (const p of res.body.processes as ProcessInfo[]) {
    t.true(Number.isInteger(p.pid));
    t.is(typeof p.name, 'string');
    t.true(p.user === null || typeof p.user === 'string');
    t.true(p.cpu_percent >= 0 && p.memory_percent >= 0 && p.memory_percent <= 100);
    t.true(p.running_time === null || p.running_time >= 0);
  }
});
