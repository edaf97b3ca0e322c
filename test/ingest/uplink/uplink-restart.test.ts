/**
 * The scenario: with the upstream broker down, 10,000 readings queue on disk; the node's
 * process is killed and started again; the broker comes back; all 10,000 arrive, in order. And a
 * kill -9 in the middle of appending: the outbox opens, and holds every reading whose publish() had
 * resolved, in order, nothing torn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Outbox } from '../../../src/ingest/uplink/outbox.js';
import { MOSQUITTO, startMosquitto } from '../../helpers/mosquitto.js';
import { needs } from '../../helpers/needs.js';
import { until } from '../../helpers/until.js';
import { childUplink, inOrder, registerSession, upstream } from './upstream.js';

const broker = needs(MOSQUITTO);
const COUNT = 10_000;

function outboxDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-uplink-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

broker.serial(
  '10,000 readings queued while the broker is down survive a kill -9 and arrive in order',
  async (t) => {
    t.timeout(240_000);
    const mosquitto = await startMosquitto(t);
    await registerSession(mosquitto.url);
    await mosquitto.stop();
    const dir = outboxDir(t);
    const env = { UPLINK_URL: mosquitto.url, OUTBOX_DIR: dir };

    const first = childUplink(t, { ...env, MODE: 'queue', COUNT: String(COUNT) });
    await until('10,000 readings on disk', () => first.last('queued'), { timeoutMs: 120_000 });
    t.deepEqual(first.last('queued'), { queued: COUNT });
    await first.kill();

    const second = childUplink(t, { ...env, MODE: 'run' });
    const started = await until('the restarted node', () => second.last('started'), { timeoutMs: 90_000 });
    t.like(started.started, { queued: COUNT, connected: false, delivered: 0 });

    await mosquitto.start();
    const seen = await upstream(t, mosquitto.url);
    await until('every reading upstream', () => seen.readings.length >= COUNT, { timeoutMs: 120_000 });
    t.is(inOrder(seen.readings, COUNT), undefined);
    t.is(seen.readings.length, COUNT, 'none twice');
    await until('the outbox empty', () => second.last('delivered')?.queued === 0, { timeoutMs: 60_000 });
  },
);

broker.serial('a kill -9 mid-append leaves an outbox holding every durable reading in order', async (t) => {
  t.timeout(120_000);
  const dir = outboxDir(t);
  const child = childUplink(t, { UPLINK_URL: 'mqtt://127.0.0.1:9', OUTBOX_DIR: dir, MODE: 'forever' });
  await until('3,000 readings durable', () => Number(child.last('durable')?.durable ?? 0) >= 3000, {
    timeoutMs: 90_000,
  });
  await child.kill();
  const durable = Number(child.last('durable')?.durable);
  const outbox = new Outbox(dir, { maxBytes: 1 << 30 });
  t.teardown(() => outbox.close());
  t.is(outbox.movedAside, undefined, 'the file opened as it was');
  const entries = outbox.after(0, 1_000_000);
  t.true(entries.length >= durable, `${entries.length} entries, ${durable} reported durable`);
  t.deepEqual(
    entries.map((e) => JSON.parse(e.payload).i),
    entries.map((_, k) => k),
  );
  t.true(entries.every((e) => e.topic === 'pimesh/test/reading'));
});
