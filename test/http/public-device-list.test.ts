/**
 * `network.publicDeviceList`: off (the default), `day=deviceList` is a 403, the list being every
 * node's IP and MAC; on, chargecontroller.php echoes deviceList.json as the original did, so the
 * original admin console's Network Status works. opendata.php never answered it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { startPimesh, tempCwd } from '../helpers/pimesh-process.js';

// deviceList.json as main's api.php writes it: compact, slashes unescaped, a pre-2022 entry without tz.
const FILE =
  '[{"mac":"b8:27:eb:1d:cf:0d","ip":"24.228.119.49","time stamp":"1682271846.0655384","name":"Solar Power for Artists","tz":"America/New_York","log":["2023-04-23 06:51:06.969307"]},' +
  '{"mac":"b8:27:eb:00:00:02","ip":"5.6.7.8:8080","time stamp":"1612345000.5","name":"Old &amp; <b>","log":[""]}]';

async function node(t: import('ava').ExecutionContext, publicList: 'on' | 'off') {
  const cwd = tempCwd();
  mkdirSync(join(cwd, 'peers'));
  writeFileSync(join(cwd, 'peers', 'deviceList.json'), FILE);
  const n = await startPimesh(
    { PIMESH_PEERS_DIR: join(cwd, 'peers'), PIMESH_SCHEDULE: 'off', PIMESH_PUBLIC_DEVICE_LIST: publicList },
    cwd,
  );
  t.teardown(() => n.stop());
  return n;
}

test('on: chargecontroller.php?day=deviceList is the file, byte for byte, as the original echoed it', async (t) => {
  const n = await node(t, 'on');
  const res = await fetch(n.url('/api/v1/chargecontroller.php?day=deviceList'));
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'text/html; charset=UTF-8');
  t.is(await res.text(), FILE);
  const opendata = await fetch(n.url('/api/v1/opendata.php?day=deviceList'));
  t.is(opendata.status, 200);
  t.is(await opendata.text(), '', 'opendata.php dropped day=deviceList: an empty body');
});

test('off (the default): day=deviceList is a 403 that says why', async (t) => {
  const n = await node(t, 'off');
  const res = await fetch(n.url('/api/v1/chargecontroller.php?day=deviceList'));
  t.is(res.status, 403);
  t.regex(((await res.json()) as { error: { message: string } }).error.message, /not public/);
});
