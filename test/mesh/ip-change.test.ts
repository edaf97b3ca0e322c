import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import test from 'ava';
import { startPimesh, tempCwd } from '../helpers/pimesh-process.js';

const KEY = 'ip-change-test-key';

/** A local stand-in for a what-is-my-IP service: answers whatever `ip.value` holds. */
async function whatIsMyIp(ip: { value: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.end(`${ip.value}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/?myip`, server };
}

const post = (port: number, job: string) =>
  fetch(`http://127.0.0.1:${port}/api/jobs/${job}`, { method: 'POST' }).then((r) => r.json());

test('a node whose public IP changes announces it at once, before the next gossip round', async (t) => {
  const ip = { value: '127.0.0.1' };
  const lookup = await whatIsMyIp(ip);
  const common = { PIMESH_NETWORK_KEY: KEY, PIMESH_SCHEDULE: 'off', PIMESH_CHARGE_CONTROLLER: 'none' };
  const b = await startPimesh({ ...common, PIMESH_MAC: 'b8:27:eb:00:00:b2', PIMESH_PUBLIC_IP: '127.0.0.1' });
  const a = await startPimesh({
    ...common,
    PIMESH_MAC: 'b8:27:eb:00:00:b1',
    PIMESH_PUBLIC_IP_URL: lookup.url,
    PIMESH_SEEDS: `127.0.0.1:${b.port}`,
  });
  const ipOfA = () => {
    const list = JSON.parse(readFileSync(join(b.cwd, 'peers', 'deviceList.json'), 'utf8')) as {
      mac: string;
      ip: string;
    }[];
    return list.find((e) => e.mac === 'b8:27:eb:00:00:b1')?.ip;
  };
  try {
    await post(b.port, 'post-ip');
    await post(a.port, 'post-ip');
    t.is(ipOfA(), `127.0.0.1:${a.port}`, 'the looked-up address is announced');
    t.deepEqual(await post(a.port, 'check-ip'), { ip: `127.0.0.1:${a.port}`, changed: false });

    ip.value = '127.0.0.3';
    t.deepEqual(await post(a.port, 'check-ip'), { ip: `127.0.0.3:${a.port}`, changed: true });
    t.is(ipOfA(), `127.0.0.3:${a.port}`, 'the peer has the new address without another round');

    const state = JSON.parse(readFileSync(join(a.cwd, 'peers', 'peer-state.json'), 'utf8'));
    t.truthy(JSON.stringify(state).includes('lastAnswered'), 'when the peer last answered is recorded');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    lookup.server.close();
  }
});

test('no public-IP lookup is made unless a URL is configured', async (t) => {
  const node = await startPimesh(
    { PIMESH_NETWORK_KEY: KEY, PIMESH_SCHEDULE: 'off', PIMESH_PUBLIC_IP: '127.0.0.1' },
    tempCwd(),
  );
  try {
    const result = (await post(node.port, 'check-ip')) as { ip: string; changed: boolean };
    t.is(result.ip, `127.0.0.1:${node.port}`);
    t.false(result.changed);
  } finally {
    await node.stop();
  }
});
