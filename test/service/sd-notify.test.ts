/**
 * systemd's notify protocol as systemd would see it: a real AF_UNIX datagram socket (bound by a small
 * python3 receiver, since Node cannot) as NOTIFY_SOCKET. A real `pimesh serve` says READY=1 once it
 * serves and pings WATCHDOG=1 from its event loop; when the loop stops (SIGSTOP), the pings stop, which
 * is what makes systemd restart a stalled service; they come back with the loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ExecutionContext } from 'ava';
import { SystemdNotifier } from '../../src/service/sd-notify.js';
import { needs } from '../helpers/needs.js';
import { startPimesh } from '../helpers/pimesh-process.js';
import { until } from '../helpers/until.js';

const python = needs('python3');

const RECEIVER = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(s.recv(65536).decode().replace("\\n", "|"), flush=True)
`;

interface Received {
  at: number;
  text: string;
}

/** A notify socket and every datagram it got, with its arrival time. */
async function notifySocket(t: ExecutionContext): Promise<{ path: string; got: Received[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'pimesh-notify-')), 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-u', '-c', RECEIVER, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill());
  const got: Received[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'bound') resolve();
      else got.push({ at: Date.now(), text: line });
    });
  });
  return { path, got };
}

python('READY=1 with the main PID and a status reaches the socket as one datagram', async (t) => {
  const { path, got } = await notifySocket(t);
  const notifier = new SystemdNotifier({ env: { NOTIFY_SOCKET: path } });
  t.teardown(() => notifier.close());
  notifier.ready('serving on 127.0.0.1:8080');
  await until('the READY datagram', () => got.length > 0);
  t.is(got[0].text, `READY=1|MAINPID=${process.pid}|STATUS=serving on 127.0.0.1:8080`);
});

python('without NOTIFY_SOCKET nothing is sent and no watchdog runs', (t) => {
  const notifier = new SystemdNotifier({ env: { WATCHDOG_USEC: '1000000' } });
  t.false(notifier.enabled);
  t.is(notifier.watchdogMs, undefined);
  notifier.ready('x');
  notifier.startWatchdog();
  notifier.close();
  t.pass();
});

python.serial(
  'a real node says READY, pings the watchdog, and stops pinging while its event loop is stopped',
  async (t) => {
    const { path, got } = await notifySocket(t);
    const node = await startPimesh({ PIMESH_MDNS: 'off', NOTIFY_SOCKET: path, WATCHDOG_USEC: '1500000' });
    t.teardown(() => node.stop());
    await until('READY=1', () => got.some((g) => g.text.startsWith('READY=1')));
    t.regex(
      got.find((g) => g.text.startsWith('READY=1'))?.text ?? '',
      new RegExp(`^READY=1\\|MAINPID=\\d+\\|STATUS=serving on .*:${node.port}$`),
    );
    const pings = () => got.filter((g) => g.text === 'WATCHDOG=1');
    await until('three watchdog pings', () => pings().length >= 3);

    // The event loop stops: no ping for longer than WATCHDOG_USEC, so systemd would restart the node.
    process.kill(node.child.pid as number, 'SIGSTOP');
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const during = pings().filter((g) => g.at > stoppedAt + 200).length;
    process.kill(node.child.pid as number, 'SIGCONT');
    t.is(during, 0, 'no WATCHDOG=1 while the loop was stopped');
    const resumedAt = Date.now();
    await until('a ping after the loop resumed', () => pings().some((g) => g.at > resumedAt));
  },
);
