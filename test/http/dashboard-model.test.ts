import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { HardwarePanel } from '../../src/http/dashboard/hardware.js';
import { DashboardHub } from '../../src/http/dashboard/live.js';
import { buildView, chooseLite, type DashboardDeps } from '../../src/http/dashboard/model.js';
import { dashboardPage } from '../../src/http/dashboard/page.js';
import { DashboardReadings, RANGES } from '../../src/http/dashboard/series.js';
import type { NodeStatus } from '../../src/http/routes/status.js';
import { SIMULATED_DIR } from '../../src/readings/tracer-dir.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { writeWeek } from '../helpers/dashboard-node.js';

const STATUS: NodeStatus = {
  status: 'ok',
  reasons: [],
  name: 'n1',
  version: '0.1.0',
  uptime: 1,
  timezone: 'UTC',
  timestamp: new Date().toISOString(),
  chargeController: {
    source: 'tracer',
    simulated: false,
    description: '/dev/ttyUSB0',
    lastSample: null,
    lastError: null,
  },
};

function readings(): DashboardReadings {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-dash-'));
  writeWeek(dir, Date.now(), 8, 1);
  return new DashboardReadings(new TracerStore(join(dir, SIMULATED_DIR)));
}

const assets = { css: '/c.css', js: '/c.js' };

test('the battery below the threshold picks the low-power page, ?full overrides it, a threshold of 0 never does', (t) => {
  t.deepEqual(chooseLite({}, 42, 50), { lite: true, reason: 'battery at 42%, below 50%' });
  t.false(chooseLite({ full: '' }, 42, 50).lite);
  t.true(chooseLite({ lite: '' }, 99, 50).lite);
  t.false(chooseLite({}, 3, 0).lite);
  t.false(chooseLite({}, null, 50).lite);
});

test('a week of one-minute rows is downsampled to 96 and 168 points per line', (t) => {
  const r = readings();
  const { day, week } = r.series(Date.now());
  t.is(day.pvW.length, RANGES.day.buckets);
  t.is(week.batteryPct.length, RANGES.week.buckets);
  t.true(day.pvW.filter((v) => v !== null).length > 90);
  t.true(Math.max(...week.batteryPct.map((v) => v ?? 0)) <= 100);
  t.true(JSON.stringify({ day, week }).length < 20_000);
});

test('without network data the mesh says so, and the page marks no invented peer figures', async (t) => {
  const deps: DashboardDeps = {
    status: () => STATUS,
    readings: readings(),
    peers: () => [
      {
        mac: 'aa',
        ip: '192.0.2.1',
        'time stamp': '1700000000',
        name: 'peer',
        tz: 'Asia/Hong_Kong',
        log: [''],
      },
    ],
  };
  const view = await buildView(deps, { full: '' });
  t.is(view.peers?.[0].city, 'Hong Kong');
  t.is(view.peers?.[0].dataNote, 'no network data yet');
  t.is(view.peers?.[0].pvW, null);
  const html = dashboardPage(view, assets);
  t.regex(html, /no network data yet/);
  t.notRegex(html, /SIMULATED/);
});

test('network data gives each peer its PV, battery and reachability', async (t) => {
  const deps: DashboardDeps = {
    status: () => STATUS,
    readings: readings(),
    peers: () => [
      { mac: 'aa', ip: '192.0.2.1', 'time stamp': '1', name: 'up', log: [''] },
      { mac: 'bb', ip: '192.0.2.2', 'time stamp': '1', name: 'down', log: [''] },
    ],
    networkData: () => [
      {
        name: 'up',
        ip: '192.0.2.1',
        fetchedAt: new Date().toISOString(),
        ok: true,
        pvPower: 12.5,
        batteryPercent: 77,
      },
      { name: 'down', ip: '192.0.2.2', fetchedAt: new Date().toISOString(), ok: false, error: 'ETIMEDOUT' },
    ],
  };
  const [up, down] = (await buildView(deps, { lite: '' })).peers ?? [];
  t.like(up, { reachable: 'yes', pvW: 12.5, batteryPct: 77, dataNote: '' });
  t.like(down, { reachable: 'no', reachableNote: 'ETIMEDOUT', pvW: null });
});

test('the hardware panel says "not available" for what the host lacks, never a made-up value', async (t) => {
  const panel = new HardwarePanel({
    cpuTemperature: async () => null,
    throttled: async () => undefined,
    disk: async () => {
      throw new Error('no statfs');
    },
    gnssStaleMs: 10_000,
    lte: { port: '/dev/pimesh-no-such-modem', status: () => Promise.reject(new Error('never asked')) },
  });
  const items = await panel.items();
  t.deepEqual(
    items.map((i) => i.key),
    ['cpuTemp', 'throttle', 'disk', 'gnss', 'lte', 'sensors', 'detections'],
  );
  for (const item of items) t.is(item.value, undefined, item.key);
  t.regex(items.find((i) => i.key === 'lte')?.unavailable ?? '', /no modem at \/dev\/pimesh-no-such-modem/);
  const html = dashboardPage(
    await buildView(
      { status: () => STATUS, readings: readings(), hardware: () => panel.items() },
      { lite: '' },
    ),
    assets,
  );
  const section = html.slice(html.indexOf('<section id="hardware"'));
  t.is(section.match(/not available/g)?.length, 7);
});

test('the live hub refuses clients beyond its cap and drops one that does not read', (t) => {
  const hub = new DashboardHub({ maxClients: 2, maxBufferBytes: 100 });
  const sink = (stuck = false) => {
    let buffered = 0;
    const s = {
      destroyed: false,
      write: (chunk: string) => {
        if (stuck) buffered += chunk.length;
        return true;
      },
      get writableLength() {
        return buffered;
      },
      end() {},
      destroy() {
        s.destroyed = true;
      },
    };
    return s;
  };
  const a = sink();
  const b = sink(true);
  t.true(hub.attach(a, 'retry: 2000\n\n'));
  t.true(hub.attach(b, 'retry: 2000\n\n'));
  t.false(hub.attach(sink(), 'x'));
  t.is(hub.refused, 1);
  hub.broadcast(`event: sample\ndata: ${'x'.repeat(200)}\n\n`);
  t.true(b.destroyed);
  t.is(hub.clients, 1);
  hub.close();
  t.is(hub.clients, 0);
});
