/**
 * `/api/status` carries `cadence`: the readings, the interval and why, and per job the last and next
 * run, for the dashboard. Through the real status route (app.callback() + supertest).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import request from 'supertest';
import { loadConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { statusRoutes } from '../../src/http/routes/status.js';
import { cadenceConfigSchema } from '../../src/jobs/cadence-config.js';
import { CadencePlan } from '../../src/jobs/cadence-plan.js';
import { Scheduler } from '../../src/jobs/schedule.js';
import { writeReading } from '../helpers/cadence-node.js';
import { captureLog } from '../helpers/capture-log.js';
import { fakeTimers, MINUTE } from '../helpers/fake-timers.js';
import { tempCwd } from '../helpers/pimesh-process.js';
import { routeApp } from '../helpers/route-app.js';

test('a node run by cron shows the cadence, and each job’s last run and next from its stamp', async (t) => {
  const cwd = tempCwd();
  writeReading(cwd, '0.62', '0.0');
  mkdirSync(join(cwd, 'data', 'cadence'));
  writeFileSync(join(cwd, 'data', 'cadence', 'post-ip.last'), '{"lastRun":"2026-11-28T12:00:00.000Z"}');
  const loaded = loadConfig({ cwd, env: { PIMESH_SCHEDULE: 'off', PIMESH_MDNS: 'off' } });
  const daemon = new Daemon(loaded, captureLog().log);
  t.teardown(() => daemon.stop());
  const app = routeApp((router) => statusRoutes(router, () => daemon.status()));
  const res = await request(app.callback()).get('/api/status').expect(200);
  const reason = 'battery 62 % (above 50 %, at most 70 %): 20 min; PV 0 W: x2 = 40 min';
  t.deepEqual(res.body.cadence, {
    enabled: true,
    mode: 'one-shot',
    batteryPercent: 62,
    pvWatts: 0,
    readingAt: '2026-11-28 12:00:00.000000',
    minutes: 40,
    reason,
    jobs: [
      {
        name: 'post-ip',
        minutes: 40,
        reason,
        lastRun: '2026-11-28T12:00:00.000Z',
        nextRun: '2026-11-28T12:40:00.000Z',
      },
      { name: 'elect', minutes: 40, reason, lastRun: null, nextRun: null },
    ],
  });
});

test('with no readings the cadence says so, and takes the unknown interval', async (t) => {
  const loaded = loadConfig({ cwd: tempCwd(), env: { PIMESH_SCHEDULE: 'off', PIMESH_MDNS: 'off' } });
  const daemon = new Daemon(loaded, captureLog().log);
  t.teardown(() => daemon.stop());
  const app = routeApp((router) => statusRoutes(router, () => daemon.status()));
  const res = await request(app.callback()).get('/api/status').expect(200);
  t.like(res.body.cadence, {
    batteryPercent: null,
    pvWatts: null,
    readingAt: null,
    minutes: 20,
    reason: 'battery unknown: 20 min; PV unknown: x1 = 20 min',
  });
});

test('in-process, each job shows the interval it runs at now, its last run and the next', async (t) => {
  const clock = fakeTimers();
  const scheduler = new Scheduler(captureLog().log, { now: clock.now, timers: clock.timers });
  const row: Record<string, string> = { 'battery-percentage': '0.95', 'scaled-wattage': '7' };
  const plan = new CadencePlan({
    rule: cadenceConfigSchema.parse({}),
    latest: (value) => row[value] ?? '',
    dataDir: tempCwd(),
  });
  scheduler.addAdaptive('post-ip', async () => {}, { intervalMs: () => plan.intervalMs() });
  // A job the cadence does not drive here: its fixed cron timetable.
  scheduler.add('elect', '0 */5 * * * *', async () => {}, { everySeconds: 300 });
  t.teardown(() => scheduler.stop());
  const start = clock.now();
  await scheduler.trigger('post-ip');
  row['battery-percentage'] = '0.45'; // the battery fell: 30 min now
  const status = plan.status(scheduler);
  t.like(status, { mode: 'in-process', batteryPercent: 45, pvWatts: 7, minutes: 30 });
  t.deepEqual(status.jobs[0], {
    name: 'post-ip',
    minutes: 30,
    reason: 'battery 45 % (above 30 %, at most 50 %): 30 min; PV 7 W: x1 = 30 min',
    lastRun: new Date(start).toISOString(),
    nextRun: new Date(start + 30 * MINUTE).toISOString(),
  });
  t.deepEqual(status.jobs[1], {
    name: 'elect',
    minutes: 5,
    reason: 'cadence off: every 300 s',
    lastRun: null,
    nextRun: null,
  });
});
