/**
 * The dashboard's first view: bytes of the page, its style sheet and its script, raw and gzipped as
 * a browser gets them, against the 100 KB target; and how long the node takes to render the page
 * (a week of one-minute rows, two peers). `node --import tsx test/bench/run.ts dashboard` runs it alone.
 */
import { request } from 'node:http';
import { startDashboardNode } from '../helpers/dashboard-node.js';
import type { Benchmark } from './lib/context.js';
import { type BenchResult, fmt } from './lib/report.js';

const TARGET = 100 * 1024;

/** The body as transferred (not decoded) and the time to the last byte. */
function get(url: string, gzip: boolean): Promise<{ bytes: number; ms: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ bytes: body.length, ms: performance.now() - started, body: body.toString('latin1') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const dashboardBench: Benchmark = async (ctx): Promise<BenchResult> => {
  ctx.progress('dashboard: starting a node with a week of readings');
  const node = await startDashboardNode();
  try {
    const page = await get(node.url('/'), false);
    const assets = [...page.body.matchAll(/(?:href|src)="(\/dashboard\.(?:css|js)\?v=[^"]+)"/g)].map(
      (m) => m[1],
    );
    const rows: string[][] = [];
    let raw = 0;
    let gz = 0;
    for (const path of ['/', ...assets]) {
      const plain = await get(node.url(path), false);
      const zipped = await get(node.url(path), true);
      raw += plain.bytes;
      gz += zipped.bytes;
      rows.push([path.replace(/\?v=.*/, ''), `${plain.bytes} B`, `${zipped.bytes} B`]);
    }
    rows.push(['first view', `${raw} B`, `${gz} B`]);
    const lite = await get(node.url('/?lite'), true);
    rows.push(['/?lite (the page)', '', `${lite.bytes} B`]);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) times.push((await get(node.url('/dashboard?full'), true)).ms);
    times.sort((a, b) => a - b);
    return {
      name: 'dashboard (first view)',
      tables: [{ title: 'Bytes transferred (response bodies)', columns: ['resource', 'raw', 'gzip'], rows }],
      checks: [
        {
          name: 'dashboard first view (gzip)',
          target: `< ${TARGET / 1024} KB`,
          measured: `${fmt(gz / 1024, 1)} KB`,
          pass: gz < TARGET,
        },
      ],
      notes: [
        `first view = / (the full page: the fixture's battery is above 50 %), its CSS and JS; raw ${raw} B, gzip ${gz} B.`,
        `page render, 30 requests in a row: median ${fmt(times[15], 1)} ms, max ${fmt(times[29], 1)} ms (tsx, not dist/).`,
        'The live stream (/api/dashboard/live) is not counted: it stays open and sends about 300 B per sample.',
      ],
    };
  } finally {
    await node.stop();
  }
};
