/**
 * Alerts: one warning and one webhook POST per turn to critical (not per frame), retries with backoff
 * for a failing receiver, one request per sensor in flight, a cap on what waits, and no URL in the log.
 */
import test from 'ava';
import { Alerts } from '../../../src/ingest/lan-sensors/alerts.js';
import type { LiveStatusChange } from '../../../src/ingest/lan-sensors/live.js';
import { captureLog, ERROR, WARN } from '../../helpers/capture-log.js';
import { board, durable, startSensors } from '../../helpers/lan-sensors.js';
import { webhookReceiver } from '../../helpers/lan-sensors-webhook.js';
import { until } from '../../helpers/until.js';

const change = (ipId: string, value = 0): LiveStatusChange => ({
  ip_id: ipId,
  sensor: 'FIRE',
  value,
  status: 'critical',
  from: 'normal',
  time: 1_795_000_000,
});

test('a sensor turning critical is one warning and one webhook POST per turn, not per frame', async (t) => {
  const hook = await webhookReceiver(t);
  const { log, lines } = captureLog();
  const { sensors, port } = await startSensors(t, { webhookUrl: hook.url, log });
  const b = board(t, port);
  await b.send(1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0);
  await durable(sensors, 4);
  await until('the first alert delivered', () => sensors.counters().alerts.webhook?.sent === 1);
  await b.send(1, 0, 0, 1, 1, 0, 0, 0);
  await durable(sensors, 6);
  await until('the second alert delivered', () => sensors.counters().alerts.webhook?.sent === 2);
  t.is(sensors.counters().alerts.critical, 2);
  t.is(hook.bodies.length, 2);
  t.like(hook.bodies[0], {
    event: 'critical',
    ip_id: '127.0.0.1_0',
    sensor: 'FIRE',
    value: 0,
    status: 'critical',
    from: 'normal',
  });
  t.is(hook.bodies[0].at, new Date((hook.bodies[0].time as number) * 1000).toISOString());
  const warnings = lines.filter((l) => l.level === WARN && /is critical/.test(l.msg));
  t.is(warnings.length, 1, 'the second turn within a minute is counted, not logged again');
  t.is(warnings[0].msg, 'sensor 127.0.0.1_0 (FIRE) is critical');
});

test('a restart does not alert again for a sensor that was already critical', async (t) => {
  const hook = await webhookReceiver(t);
  const first = await startSensors(t, { webhookUrl: hook.url });
  await board(t, first.port).send(1, 3, 0, 0);
  await until('the alert delivered', () => first.sensors.counters().alerts.webhook?.sent === 1);
  await first.sensors.stop();
  const second = await startSensors(t, { webhookUrl: hook.url, dbPath: first.dbPath });
  await board(t, second.port).send(1, 3, 0, 0);
  await durable(second.sensors, 1);
  t.is(second.sensors.counters().alerts.critical, 0);
  t.is(hook.bodies.length, 1);
});

test('a failing receiver is retried with backoff until it answers 2xx', async (t) => {
  const hook = await webhookReceiver(t, { statuses: [500, 503] });
  const alerts = new Alerts({ log: captureLog().log, webhookUrl: hook.url, minRetryMs: 10 });
  t.teardown(() => alerts.stop());
  alerts.critical(change('10.0.0.1_0'));
  await until('delivered', () => alerts.counters().webhook?.sent === 1);
  t.is(hook.bodies.length, 3);
  t.like(alerts.counters().webhook, { failed: 0, inFlight: 0, pending: 0 });
});

test('a 4xx is not retried; the failure is logged without the URL and its token', async (t) => {
  const hook = await webhookReceiver(t, { statuses: [403], path: '/hook/SECRET-TOKEN' });
  const { log, lines } = captureLog();
  const alerts = new Alerts({ log, webhookUrl: hook.url, minRetryMs: 10 });
  t.teardown(() => alerts.stop());
  alerts.critical(change('10.0.0.1_0'));
  await until('given up', () => alerts.counters().webhook?.failed === 1);
  t.is(hook.bodies.length, 1);
  const errors = lines.filter((l) => l.level === ERROR);
  t.is(errors.length, 1);
  t.is(errors[0].msg, 'alert webhook failed: the alert webhook answered 403');
  t.false(JSON.stringify(lines).includes('SECRET-TOKEN'));
});

test('one request per sensor in flight: newer alerts of that sensor wait, the latest replacing older ones', async (t) => {
  const hook = await webhookReceiver(t, { hold: true });
  const alerts = new Alerts({ log: captureLog().log, webhookUrl: hook.url });
  t.teardown(() => alerts.stop());
  alerts.critical(change('10.0.0.1_0', 0));
  alerts.critical(change('10.0.0.1_0', 1));
  alerts.critical(change('10.0.0.1_0', 2));
  alerts.critical(change('10.0.0.2_0', 3));
  await until('two requests held', () => hook.waiting() === 2);
  t.like(alerts.counters().webhook, { inFlight: 2, pending: 1 });
  t.deepEqual(
    hook.bodies.map((b) => [b.ip_id, b.value]),
    [
      ['10.0.0.1_0', 0],
      ['10.0.0.2_0', 3],
    ],
  );
  hook.release();
  await until('all delivered', () => alerts.counters().webhook?.sent === 3);
  t.deepEqual(hook.bodies[2], { ...hook.bodies[2], ip_id: '10.0.0.1_0', value: 2 });
});

test('past maxPending waiting sensors a new alert is dropped and counted', async (t) => {
  const hook = await webhookReceiver(t, { hold: true });
  const alerts = new Alerts({ log: captureLog().log, webhookUrl: hook.url, maxConcurrent: 1, maxPending: 2 });
  t.teardown(() => alerts.stop());
  for (const key of ['a_0', 'b_0', 'c_0', 'd_0']) alerts.critical(change(key));
  await until('one request held', () => hook.waiting() === 1);
  t.like(alerts.counters().webhook, { inFlight: 1, pending: 2, dropped: 1 });
  t.is(alerts.counters().critical, 4);
  hook.release();
  await until('the others delivered', () => alerts.counters().webhook?.sent === 3);
  t.deepEqual(
    hook.bodies.map((b) => b.ip_id),
    ['a_0', 'b_0', 'c_0'],
  );
});
