import { spawn } from 'node:child_process';
import { needs, root } from '../helpers/needs.js';
import { TSX } from '../helpers/pimesh-process.js';

const PAIR = new URL('../helpers/mdns-pair.ts', import.meta.url).pathname;

// Multicast never leaves this machine: both nodes run inside a private network namespace that has
// only `lo` (unshare -n, as root), and advertise on 127.0.0.1.
const namespaced = needs('unshare', 'ip', root);

namespaced(
  'two nodes on a LAN find each other over mDNS and exchange authenticated POSTs without a seed',
  async (t) => {
    t.timeout(180_000); // a safety net for two processes in a namespace on a busy machine
    const script = `ip link set lo up && exec "${process.execPath}" --import "${TSX}" "${PAIR}"`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('unshare', ['-n', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString();
      });
      child.once('error', reject);
      child.once('exit', () => resolve(text));
    });
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
      ok: boolean;
      ms: number;
      lists: string[][];
      ports: number[];
    };
    t.log(`found each other and exchanged POSTs in ${result.ms} ms`);
    t.true(result.ok, JSON.stringify(result));
    const [a, b] = result.ports;
    for (const list of result.lists) {
      t.true(list.includes(`b8:27:eb:00:00:a1=127.0.0.1:${a}`));
      t.true(list.includes(`b8:27:eb:00:00:a2=127.0.0.1:${b}`));
    }
  },
);
