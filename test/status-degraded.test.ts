/**
 * A real node whose charge controller is missing: `ok` until the samples keep failing, then
 * `/api/status` is a 503 saying why, while `/health` stays 200 (agents use it as a connectivity
 * check) and carries the same state.
 */
import test from 'ava';
import { startPimesh } from './helpers/pimesh-process.js';

test('a node whose charge controller fails every sample is degraded, with the reason', async (t) => {
  const node = await startPimesh({
    PIMESH_CHARGE_CONTROLLER: '/nonexistent/ttyUSB0',
    PIMESH_SCHEDULE: 'off',
  });
  t.teardown(() => node.stop());
  const status = async () => {
    const res = await fetch(node.url('/api/status'));
    return { code: res.status, body: (await res.json()) as { status: string; reasons: string[] } };
  };
  t.like(await status(), { code: 200, body: { status: 'ok', reasons: [] } });

  for (let i = 0; i < 3; i++) {
    const res = await fetch(node.url('/api/jobs/log-sample'), { method: 'POST' });
    t.is(res.status, 503);
  }
  const degraded = await status();
  t.is(degraded.code, 503);
  t.is(degraded.body.status, 'degraded');
  t.is(degraded.body.reasons.length, 1);
  t.regex(
    degraded.body.reasons[0],
    /^the charge controller failed the last 3 samples: .*\/nonexistent\/ttyUSB0/,
  );

  const health = await fetch(node.url('/health'));
  t.is(health.status, 200);
  t.like(await health.json(), { status: 'degraded', reasons: degraded.body.reasons });
});
