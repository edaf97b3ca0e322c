// Runs inside a private network namespace (`unshare -n`, only `lo`): starts two `pimesh serve`
// processes with mDNS on 127.0.0.1, no seeds and no schedule, and waits until each has the other in
// its deviceList.json, which only an authenticated POST exchange puts there. Prints one JSON line.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPimesh, tempCwd } from './pimesh-process.js';

const macs = ['b8:27:eb:00:00:a1', 'b8:27:eb:00:00:a2'];
const nodes = await Promise.all(
  macs.map((mac, i) =>
    startPimesh(
      {
        PIMESH_MDNS: '127.0.0.1',
        PIMESH_PUBLIC_IP: '127.0.0.1',
        PIMESH_MAC: mac,
        PIMESH_NAME: `lan node ${i + 1}`,
        PIMESH_NETWORK_KEY: 'mdns-test-key',
        PIMESH_SCHEDULE: 'off',
        PIMESH_CHARGE_CONTROLLER: 'none',
      },
      tempCwd(),
    ),
  ),
);
const read = (cwd: string) => {
  const file = join(cwd, 'peers', 'deviceList.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8') || '[]') as { mac: string; ip: string }[]).map(
    (e) => `${e.mac}=${e.ip}`,
  );
};
// Polled until both lists hold both nodes; the deadline is a safety net for a busy machine, and `ms`
// is only reported, never judged.
const started = Date.now();
let lists: string[][] = [];
let ok = false;
while (Date.now() - started < 60_000 && !ok) {
  await sleep(200);
  lists = nodes.map((n) => read(n.cwd));
  ok = lists.every((list) => macs.every((mac) => list.some((e) => e.startsWith(`${mac}=`))));
}
const ms = Date.now() - started;
const logs = nodes.map((n) =>
  n
    .logs()
    .split('\n')
    .filter((l) => /mDNS/.test(l)),
);
await Promise.all(nodes.map((n) => n.stop()));
console.log(JSON.stringify({ ok, ms, lists, ports: nodes.map((n) => n.port), logs }));
