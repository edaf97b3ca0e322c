/**
 * The dashboard's hardware panel: CPU temperature, throttling, root disk, GNSS fix, LTE signal, LAN
 * sensors and BLE detections. Each item is a value or "not available" with the reason, never a
 * made-up figure. Reads are cheap (sysfs, statfs, gpsd's last report) and cached for a few seconds;
 * the modem is asked only when its port exists, at most once a minute, in the background.
 */
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../../config/load.js';
import type { GpsdSnapshot } from '../../hardware/gnss/gpsd-client.js';
import type { LteStatus } from '../../hardware/lte/modem.js';
import { execFileRunner } from '../../system/command-runner.js';
import { CpuReader } from '../../system/cpu.js';
import { hostAt } from '../../system/host.js';
import { PiProbe } from '../../system/pi.js';
import { diskUsage } from '../../system/storage.js';

export interface HardwareItem {
  key: string;
  label: string;
  /** The reading, as shown. */
  value?: string;
  /** Why there is no reading. */
  unavailable?: string;
  /** A warning (throttled now, no fix): shown highlighted. */
  warn?: boolean;
}

export interface HardwareSources {
  cpuTemperature: () => Promise<number | null>;
  /** vcgencmd get_throttled bits, undefined off a Pi or without vcgencmd. */
  throttled: () => Promise<number | undefined>;
  disk: () => Promise<{ used: number; total: number; percent: number }>;
  /** gpsd's state; undefined when gpsd is disabled. */
  gnss?: () => GpsdSnapshot;
  gnssStaleMs: number;
  /** The modem's port, and its status. */
  lte?: { port: string; status: () => Promise<LteStatus> };
  /** LAN sensors now (undefined: the listener is off). */
  sensors?: () => { boards: number; readings: number; alarms: number } | undefined;
  /** Detections of the last 5 minutes (undefined: detections are off). */
  detections?: () => Promise<{ detections: number; devices: number } | undefined>;
  now?: () => number;
}

const GB = 1e9;
const na = (key: string, label: string, why: string): HardwareItem => ({ key, label, unavailable: why });

export class HardwarePanel {
  readonly #s: HardwareSources;
  readonly #now: () => number;
  #cached: { at: number; items: Promise<HardwareItem[]> } | undefined;
  #lte: { at: number; item: HardwareItem } | undefined;
  #lteRunning: Promise<void> | undefined;

  constructor(sources: HardwareSources) {
    this.#s = sources;
    this.#now = sources.now ?? Date.now;
  }

  /** The panel; recomputed at most every 5 s. */
  items(): Promise<HardwareItem[]> {
    const now = this.#now();
    if (this.#cached && now - this.#cached.at < 5000) return this.#cached.items;
    const items = this.#read();
    this.#cached = { at: now, items };
    return items;
  }

  async #read(): Promise<HardwareItem[]> {
    const s = this.#s;
    const [temp, bits, disk, detections] = await Promise.all([
      s.cpuTemperature().catch(() => null),
      s.throttled().catch(() => undefined),
      s.disk().catch(() => undefined),
      s.detections ? s.detections().catch(() => undefined) : Promise.resolve(undefined),
    ]);
    const items: HardwareItem[] = [
      temp === null
        ? na('cpuTemp', 'CPU temperature', 'no CPU thermal sensor on this host')
        : { key: 'cpuTemp', label: 'CPU temperature', value: `${temp.toFixed(1)} °C`, warn: temp >= 80 },
      throttleItem(bits),
      disk === undefined
        ? na('disk', 'Disk (/)', 'could not read the root file system')
        : {
            key: 'disk',
            label: 'Disk (/)',
            value: `${(disk.used / GB).toFixed(1)} of ${(disk.total / GB).toFixed(1)} GB used (${Math.round(disk.percent)}%)`,
            warn: disk.percent >= 90,
          },
      this.#gnss(),
      await this.#lteItem(),
      this.#sensors(),
      s.detections === undefined
        ? na('detections', 'BLE detections', 'off (not configured)')
        : detections === undefined
          ? na('detections', 'BLE detections', 'not ready')
          : {
              key: 'detections',
              label: 'BLE detections',
              value: `${detections.detections} in the last 5 min, ${detections.devices} devices`,
            },
    ];
    return items;
  }

  #gnss(): HardwareItem {
    const label = 'GNSS fix';
    if (!this.#s.gnss) return na('gnss', label, 'gpsd is disabled');
    const snap = this.#s.gnss();
    if (!snap.connected) return na('gnss', label, `gpsd at ${snap.address} not connected`);
    const tpv = snap.tpv;
    if (!tpv || this.#now() - tpv.receivedAt > this.#s.gnssStaleMs) {
      return na('gnss', label, 'no recent position report');
    }
    const mode = tpv.data.mode;
    const fix = mode === 3 ? '3D fix' : mode === 2 ? '2D fix' : 'no fix';
    return { key: 'gnss', label, value: fix, warn: mode !== 2 && mode !== 3 };
  }

  #sensors(): HardwareItem {
    const label = 'LAN sensors';
    const got = this.#s.sensors?.();
    if (!got) return na('sensors', label, 'off (not configured)');
    const alarms = got.alarms > 0 ? `, ${got.alarms} in alarm` : '';
    return {
      key: 'sensors',
      label,
      value: `${got.boards} board(s) connected, ${got.readings} sensor(s)${alarms}`,
      warn: got.alarms > 0,
    };
  }

  /** The last LTE reading (refreshed in the background once a minute); waits ≤ 1.5 s the first time. */
  async #lteItem(): Promise<HardwareItem> {
    const label = 'LTE signal';
    const lte = this.#s.lte;
    if (!lte) return na('lte', label, 'no modem configured');
    if (!existsSync(lte.port)) return na('lte', label, `no modem at ${lte.port}`);
    const now = this.#now();
    if (!this.#lte || now - this.#lte.at > 60_000) {
      this.#lteRunning ??= lte
        .status()
        .then(
          (st) => lteItem(st),
          (error: Error) => na('lte', label, error.message),
        )
        .then((item) => {
          this.#lte = { at: this.#now(), item };
        })
        .finally(() => {
          this.#lteRunning = undefined;
        });
      if (!this.#lte) {
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1500).unref());
        await Promise.race([this.#lteRunning, timeout]);
      }
    }
    return this.#lte?.item ?? na('lte', label, 'the modem has not answered yet');
  }
}

function throttleItem(bits: number | undefined): HardwareItem {
  const label = 'Throttling';
  if (bits === undefined) return na('throttle', label, 'not a Raspberry Pi, or no vcgencmd');
  const now = [];
  if (bits & 0x1) now.push('under-voltage');
  if (bits & 0x2) now.push('frequency capped');
  if (bits & 0x4) now.push('throttled');
  if (bits & 0x8) now.push('soft temperature limit');
  const past = bits & 0xf0000 ? ' (has happened since boot)' : '';
  const value = now.length > 0 ? `now: ${now.join(', ')}` : `none now${past}`;
  return { key: 'throttle', label, value, warn: now.length > 0 };
}

function lteItem(st: LteStatus): HardwareItem {
  const label = 'LTE signal';
  const rssi = st.decoded.rssi_dbm;
  if (rssi === null) return na('lte', label, 'the modem reports no signal figure');
  const op = st.decoded.operator ? `, ${st.decoded.operator}` : '';
  const reg = st.decoded.registered === false ? ', not registered' : '';
  return { key: 'lte', label, value: `${rssi} dBm${op}${reg}`, warn: rssi <= -105 };
}

/** The daemon's sources: the host's sysfs and statfs, vcgencmd on a Pi, gpsd, the modem port. */
export function hostHardwareSources(
  config: LoadedConfig['config'],
  parts: Pick<HardwareSources, 'gnss' | 'sensors' | 'detections'> & {
    lteStatus: (port: string) => Promise<LteStatus>;
  },
): HardwareSources {
  const host = hostAt('/');
  const cpu = new CpuReader(host);
  const pi = new PiProbe({
    host,
    run: execFileRunner,
    vcgencmd: config.systemMonitor.vcgencmd,
    timeoutMs: config.systemMonitor.commandTimeoutMs,
  });
  const port = config.lte.defaultPort;
  return {
    cpuTemperature: () => cpu.temperature(),
    throttled: async () => {
      const flags = (await pi.readings()).power.throttled_flags;
      return flags === undefined ? undefined : Number.parseInt(flags.raw, 16);
    },
    disk: () => diskUsage(host, '/'),
    gnss: parts.gnss,
    gnssStaleMs: config.gnss.staleAfterSeconds * 1000,
    lte: { port, status: () => parts.lteStatus(port) },
    sensors: parts.sensors,
    detections: parts.detections,
  };
}
