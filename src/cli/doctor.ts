/**
 * `pimesh doctor`: checks the configuration, the daemon and its port, the serial devices and their
 * permissions, gpsd, GPIO, the modes of files holding secrets, the DNS settings, the peers, the
 * clock and where each scheduled job runs. One line per check (PASS, WARN or FAIL, with a fix), a
 * summary, and exit status 1 when anything FAILs.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import {
  type CheckResult,
  dataDirCheck,
  deviceCheck,
  fail,
  gpioCheck,
  modeCheck,
  pass,
  portFree,
  scheduleChecks,
  schedulePaths,
  tcpProbe,
  warn,
} from '../doctor/checks.js';
import { daemonBase } from '../one-shot.js';
import { boundedRequest } from '../util/bounded-request.js';
import { runCommand } from '../util/run-command.js';

const onPath = (name: string) =>
  (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, name)));

function nodeCheck(): CheckResult {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20)
    return fail('Node.js', `${process.versions.node} is too old`, 'install Node.js 22 or 24 (LTS)');
  if (major < 22 || (major === 22 && minor < 13)) {
    return warn(
      'Node.js',
      `${process.versions.node}: no node:sqlite (22.13+), so LAN sensors and detections need better-sqlite3`,
      'install Node.js 22 or 24 (LTS)',
    );
  }
  return pass('Node.js', process.versions.node);
}

async function daemonCheck(loaded: LoadedConfig): Promise<CheckResult[]> {
  const base = daemonBase(loaded);
  const { host, port } = loaded.config.http;
  try {
    const r = await boundedRequest(`${base}/api/status`, { timeoutMs: 3000, maxBytes: 1 << 20 });
    const status = JSON.parse(r.body) as { status?: string; reasons?: string[]; version?: string };
    if (status.status === 'ok') return [pass('daemon', `answers on ${base} (pimesh ${status.version})`)];
    return [
      warn(
        'daemon',
        `answers on ${base} but is degraded: ${(status.reasons ?? []).join('; ')}`,
        'journalctl -u pimesh -n 50',
      ),
    ];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ECONNREFUSED')
      return [fail('daemon', `${base}: ${code ?? (error as Error).message}`, 'journalctl -u pimesh -n 50')];
  }
  const taken = await portFree(host, port);
  return [
    warn('daemon', `no daemon answers on ${base}`, 'sudo systemctl start pimesh'),
    taken === undefined
      ? pass('port', `${host}:${port} is free for the daemon`)
      : fail(
          'port',
          `${host}:${port} cannot be used: ${taken}`,
          'another program holds it: set http.port / PIMESH_PORT, or stop that program',
        ),
  ];
}

async function chargeControllerCheck(loaded: LoadedConfig): Promise<CheckResult> {
  const source = loaded.config.chargeController.source;
  if (source === 'sim')
    return warn(
      'charge controller',
      'SIMULATED: the readings are invented',
      'set PIMESH_CHARGE_CONTROLLER=/dev/charge-controller',
    );
  if (source === 'none')
    return warn('charge controller', 'none configured: no readings, no PV for the election');
  return deviceCheck('charge controller', source, 'chargeController.source');
}

async function gpsdCheck(loaded: LoadedConfig): Promise<CheckResult> {
  const gpsd = loaded.config.gnss.gpsd;
  if (!gpsd.enabled) return pass('gpsd', 'not used (gnss.gpsd.enabled is false)');
  const reason = await tcpProbe(gpsd.host, gpsd.port, 1500);
  return reason === undefined
    ? pass('gpsd', `answers on ${gpsd.host}:${gpsd.port}`)
    : warn(
        'gpsd',
        `${gpsd.host}:${gpsd.port}: ${reason}; /api/hardware/gps answers 503`,
        'sudo apt install gpsd, or gnss.gpsd.enabled: false on a node without GNSS',
      );
}

function dnsCheck(loaded: LoadedConfig): CheckResult {
  const dns = loaded.config.dns as { provider?: string } | undefined;
  if (!dns) return pass('DNS', 'not configured: this node never updates the point of entry’s record');
  return pass('DNS', `provider ${dns.provider}, checked with the configuration`);
}

/** Each peer's PV-voltage, 3 s at most; their clocks from the Date headers. */
async function peersCheck(loaded: LoadedConfig): Promise<{ result: CheckResult; skews: number[] }> {
  const file = join(loaded.config.peersDir, 'deviceList.json');
  let peers: { name?: string; ip?: string }[] = [];
  try {
    const { readFileSync } = await import('node:fs');
    peers = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {
      result: warn(
        'peers',
        `no device list at ${file} yet`,
        'set network.seeds, or wait for the first gossip',
      ),
      skews: [],
    };
  }
  const list = peers.filter((p) => typeof p.ip === 'string' && p.ip !== '').slice(0, 32);
  if (list.length === 0) return { result: warn('peers', 'the device list holds no peer yet'), skews: [] };
  const skews: number[] = [];
  const down: string[] = [];
  await Promise.all(
    list.map(async (p) => {
      const sent = Date.now();
      try {
        const r = await boundedRequest(`http://${p.ip}/api/v1/chargecontroller.php?value=PV-voltage`, {
          timeoutMs: 3000,
          maxBytes: 4096,
        });
        const date = Date.parse(String(r.headers.date ?? ''));
        if (Number.isFinite(date)) skews.push(date - (sent + Date.now()) / 2);
        if (r.statusCode !== 200) down.push(`${p.name ?? p.ip} (${r.statusCode})`);
      } catch (error) {
        down.push(`${p.name ?? p.ip} (${(error as { code?: string }).code ?? 'error'})`);
      }
    }),
  );
  const up = list.length - down.length;
  const result =
    down.length === 0
      ? pass('peers', `all ${list.length} answer`)
      : warn(
          'peers',
          `${up} of ${list.length} answer; not: ${down.slice(0, 5).join(', ')}${down.length > 5 ? '…' : ''}`,
          'normal for nodes on battery at night; check the addresses with pimesh peers',
        );
  return { result, skews };
}

async function clockCheck(skews: number[]): Promise<CheckResult> {
  if (skews.length > 0) {
    const sorted = [...skews].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] / 1000;
    if (Math.abs(median) > 120) {
      return fail(
        'clock',
        `${median.toFixed(0)} s off the peers' clocks: peers refuse samples more than 120 s apart`,
        'sudo timedatectl set-ntp true',
      );
    }
  }
  const ntp = await runCommand('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {
    timeoutMs: 2000,
  }).catch(() => undefined);
  if (ntp?.code === 0 && ntp.stdout.trim() === 'yes') return pass('clock', 'synchronised by NTP');
  if (ntp?.code === 0)
    return warn('clock', 'not synchronised by NTP (timedatectl)', 'sudo timedatectl set-ntp true');
  return skews.length > 0
    ? pass('clock', `within ${Math.max(...skews.map((s) => Math.abs(s / 1000))).toFixed(0)} s of the peers`)
    : warn(
        'clock',
        'cannot tell: no timedatectl and no peer answered',
        'install systemd-timesyncd or chrony',
      );
}

function secretFiles(loaded: LoadedConfig): CheckResult[] {
  const files = new Set<string>();
  for (const source of loaded.sources) if (source.endsWith('.json')) files.add(join(dirname(source), 'env'));
  if (process.env.PIMESH_CONFIG) files.add(join(dirname(process.env.PIMESH_CONFIG), 'env'));
  files.add(loaded.config.piBackend.keysFile ?? join(loaded.config.dataDir, 'API.keys'));
  return [...files].map((f) => modeCheck('secrets file', f));
}

export async function runDoctor(loaded: LoadedConfig): Promise<CheckResult[]> {
  const [daemon, cc, gpsd, peers, data] = await Promise.all([
    daemonCheck(loaded),
    chargeControllerCheck(loaded),
    gpsdCheck(loaded),
    peersCheck(loaded),
    dataDirCheck(loaded.config.dataDir),
  ]);
  return [
    pass('configuration', loaded.sources.join('; ') || 'defaults'),
    nodeCheck(),
    ...daemon,
    cc,
    ...data,
    gpsd,
    gpioCheck(loaded, onPath),
    ...secretFiles(loaded),
    dnsCheck(loaded),
    peers.result,
    await clockCheck(peers.skews),
    ...scheduleChecks(loaded, schedulePaths()),
  ];
}

export function formatReport(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.flatMap((r) => [
    `${r.verdict}  ${r.name.padEnd(width)}  ${r.detail}`,
    ...(r.fix && r.verdict !== 'PASS' ? [`${' '.repeat(width + 8)}fix: ${r.fix}`] : []),
  ]);
  const count = (v: string) => results.filter((r) => r.verdict === v).length;
  lines.push('', `${count('PASS')} PASS, ${count('WARN')} WARN, ${count('FAIL')} FAIL`);
  return lines.join('\n');
}

/** The command: a configuration that does not load is itself a FAIL, reported the same way. */
export async function doctorCommand(configPath: string | undefined): Promise<number> {
  const { loadConfig } = await import('../config/load.js');
  const { ConfigError } = await import('../errors.js');
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ configPath });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.log(
      formatReport([
        fail('configuration', error.message.replace(/\n\s*/g, '; '), 'pimesh config shows every problem'),
      ]),
    );
    return 1;
  }
  const results = await runDoctor(loaded);
  console.log(formatReport(results));
  return results.some((r) => r.verdict === 'FAIL') ? 1 : 0;
}
