/**
 * A real pimesh node for the dashboard's tests: a week of charge-controller rows up to now (battery
 * kept between 60 and 90 %, so the full page is served), two peers in the device list, the
 * simulated charge controller, no schedule (samples are taken through POST /api/jobs/log-sample).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLocalDatetime, TRACER_HEADER_LINE, tracerFileName } from '../../src/readings/tracer-csv.js';
import { SIMULATED_DIR } from '../../src/readings/tracer-dir.js';
import { type PimeshProcess, startPimesh, tempCwd } from './pimesh-process.js';

const py = (v: number) => {
  const r = Math.round(v * 100) / 100;
  return Number.isInteger(r) ? `${r}.0` : String(r);
};

/** Rows every `stepMinutes` for the last `days` days, ending a minute ago, one file per local date. */
export function writeWeek(dataDir: string, now = Date.now(), days = 7, stepMinutes = 10): void {
  const dir = join(dataDir, SIMULATED_DIR);
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, string[]>();
  for (let t = now - days * 86_400_000; t < now - 60_000; t += stepMinutes * 60_000) {
    const d = new Date(t);
    const hour = d.getHours() + d.getMinutes() / 60;
    const sun = Math.max(0, Math.sin((Math.PI * (hour - 6.5)) / 12.5));
    const pv = 40 * sun;
    const soc = 0.6 + 0.3 * sun;
    const load = 2.5 + 0.5 * Math.sin(t / 3.6e6);
    const cells = [17 * sun, pv / 17, pv, 0, 12 + soc, pv / 12, pv, 0, 12 + soc, load / 12, load, soc];
    const name = tracerFileName(d);
    if (!files.has(name)) files.set(name, [TRACER_HEADER_LINE]);
    files.get(name)?.push(`${formatLocalDatetime(d)},${cells.map(py).join(',')}`);
  }
  for (const [name, lines] of files) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
}

export function writePeers(peersDir: string): void {
  mkdirSync(peersDir, { recursive: true });
  const stamp = String(Math.floor(Date.now() / 1000) - 600);
  const peers = [
    {
      mac: 'b8:27:eb:00:00:01',
      ip: '192.0.2.10',
      'time stamp': stamp,
      name: 'Hong Kong node',
      tz: 'Asia/Hong_Kong',
      log: [''],
    },
    {
      mac: 'b8:27:eb:00:00:02',
      ip: '192.0.2.11',
      'time stamp': stamp,
      name: 'Berlin node',
      tz: 'Europe/Berlin',
      log: [''],
    },
  ];
  writeFileSync(join(peersDir, 'deviceList.json'), JSON.stringify(peers));
}

/** The node, listening on 127.0.0.1 and a free port. */
export async function startDashboardNode(env: NodeJS.ProcessEnv = {}): Promise<PimeshProcess> {
  const cwd = tempCwd();
  writeWeek(join(cwd, 'data'));
  writePeers(join(cwd, 'peers'));
  return startPimesh(
    {
      PIMESH_DATA_DIR: join(cwd, 'data'),
      PIMESH_PEERS_DIR: join(cwd, 'peers'),
      PIMESH_NAME: 'Test Node',
      PIMESH_SCHEDULE: 'off',
      PIMESH_CHARGE_CONTROLLER: 'sim',
      ...env,
    },
    cwd,
  );
}
