/**
 * A thousand hostile connections against a real `pimesh serve`: slowloris clients that never finish
 * their headers. The node keeps serving, stays within its memory, and drops every one of them at the
 * header deadline.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { startPimesh, tempCwd } from '../helpers/pimesh-process.js';

const peakRssMb = (pid: number) =>
  Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

test('1,000 slowloris connections: the node still answers, stays under 150 MB and drops them all', async (t) => {
  const cwd = tempCwd();
  writeFileSync(join(cwd, 'pimesh.config.json'), JSON.stringify({ http: { limits: { headersMs: 3000 } } }));
  const node = await startPimesh({ PIMESH_SCHEDULE: 'off' }, cwd);
  t.teardown(() => node.stop());

  const sockets: Socket[] = [];
  for (let i = 0; i < 1000; i++) {
    const socket = connect(node.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.resume(); // read the 408, so 'close' can come
    socket.write(`GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Hostile-${i}: `);
    sockets.push(socket);
  }
  t.teardown(() => {
    for (const s of sockets) s.destroy();
  });
  await Promise.all(sockets.map((s) => (s.connecting ? once(s, 'connect') : undefined)));

  const res = await fetch(node.url('/api/status'));
  t.is(res.status, 200, 'a real client is still served');
  await Promise.all(sockets.map((s) => (s.closed ? undefined : once(s, 'close'))));
  t.pass('every hostile connection was closed by the node');
  const peak = peakRssMb(node.child.pid as number);
  t.log(`peak RSS ${peak.toFixed(1)} MB`);
  t.true(peak < 150, `peak RSS ${peak.toFixed(1)} MB`);
});
