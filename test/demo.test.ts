/**
 * `pimesh demo`: five real nodes on loopback that find each other by gossip, agree on one point of
 * entry, show it in their dashboards, and all stop on Ctrl-C (SIGINT), leaving nothing running.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portFree } from '../src/doctor/checks.js';
import { CHROMIUM, withPage } from './helpers/chromium.js';
import { needs } from './helpers/needs.js';
import { CLI, TSX } from './helpers/pimesh-process.js';
import { until } from './helpers/until.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
const browser = needs(CHROMIUM);

async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const taken = await Promise.all([0, 1, 2, 3, 4].map((i) => portFree('127.0.0.1', base + i)));
    if (taken.every((t) => t === undefined)) return base;
  }
}

const json = async (url: string) => (await fetch(url)).json() as Promise<Record<string, unknown>>;

browser.serial(
  'the demo mesh gossips, elects one point of entry, shows it, and stops on Ctrl-C',
  async (t) => {
    t.timeout(240_000); // five processes on a busy machine: a safety net, not a measurement
    const base = await freeBase();
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'demo', '--base-port', String(base)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    t.teardown(() => child.kill('SIGKILL'));
    const urls = [0, 1, 2, 3, 4].map((i) => `http://127.0.0.1:${base + i}`);
    await until('the five nodes to print their addresses', () => out.includes('Ctrl-C stops them'));
    const pids = [...out.matchAll(/pid (\d+)\)/g)].map((m) => Number(m[1]));
    t.is(pids.length, 5);

    // Gossip: every node knows the four others; the election: all name the same holder.
    await until(
      'every dashboard to list four peers',
      async () => {
        const views = await Promise.all(urls.map((u) => json(`${u}/api/dashboard`).catch(() => undefined)));
        return views.every((v) => Array.isArray(v?.peers) && (v.peers as unknown[]).length >= 4);
      },
      { timeoutMs: 120_000 },
    );
    const holders = await until(
      'one point of entry on every node',
      async () => {
        const names = await Promise.all(
          urls.map(async (u) => ((await json(`${u}/api/election`)).holder as { name?: string } | null)?.name),
        );
        return names.every((n) => n !== undefined && n === names[0]) ? names : undefined;
      },
      { timeoutMs: 120_000 },
    );
    t.log(`point of entry: ${holders[0]}`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await withPage(t, async (page, problems) => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${urls[0]}/`);
      t.regex((await page.textContent('body')) ?? '', new RegExp(holders[0] as string));
      await page.screenshot({ path: join(ARTIFACTS, 'demo-dashboard-1280.png'), fullPage: true });
      t.deepEqual(problems, []);
    });

    child.kill('SIGINT');
    t.is(await exited, 0);
    t.regex(out, /demo stopped; its directories are removed\./);
    for (const pid of pids) t.throws(() => process.kill(pid, 0), undefined, `node ${pid} is gone`);
  },
);
