import { loadavg, uptime } from 'node:os';
import type { Systeminformation } from 'systeminformation';

/** systeminformation, loaded on first use (it is large; a node nobody monitors never loads it). */
const loadSi = () => import('systeminformation').then((m) => m.default);

import { type CommandRunner, execFileRunner } from './command-runner.js';
import { CpuReader } from './cpu.js';
import { type Host, hostAt } from './host.js';
import { type NetworkInterfaces, NetworkReader } from './network.js';
import { type ClockInfo, type GpuInfo, type HardwareInfo, PiProbe, type PowerInfo } from './pi.js';
import type { DiskIo } from './proc.js';
import { percent } from './proc.js';
import { type ProcessInfo, siProcessLister } from './processes.js';
import { type DiskUsage, diskIo, diskUsage, type StorageDevice, storageDevices } from './storage.js';

export interface MemoryInfo {
  total: number;
  available: number;
  /** total − available (what `free` calls used). */
  used: number;
  percent: number;
}

export interface SwapInfo {
  total: number;
  used: number;
  free: number;
  percent: number;
}

type Empty = Record<string, never>;

/** GET /stats, in piStat's key order. Sizes in bytes, clocks in Hz, times in seconds. */
export interface SystemStats {
  cpu_temp: number | null;
  /** MHz. */
  cpu_freq: number | null;
  cpu_usage: number;
  per_cpu_usage: number[];
  memory: MemoryInfo | Empty;
  swap: SwapInfo | Empty;
  disk: DiskUsage | Empty;
  disk_io: DiskIo | Empty;
  uptime: number;
  load_avg: number[];
  /** Epoch seconds of the collection. */
  timestamp: number;
  gpu: GpuInfo;
  power: PowerInfo;
  clocks: ClockInfo;
  network: NetworkInterfaces;
  hardware: HardwareInfo;
}

/** Where every system monitor answer comes from; tests inject fakes of it to check caching. */
export interface SystemSource {
  /** One full collection; `blockMs` > 0 measures CPU usage over that interval. */
  stats(blockMs: number): Promise<SystemStats>;
  processes(): Promise<ProcessInfo[]>;
  network(): Promise<NetworkInterfaces>;
  storage(): Promise<{ devices: StorageDevice[]; disk_io: DiskIo }>;
  health(): Promise<{ uptime: number; memory_usage: number }>;
  isRaspberryPi(): Promise<boolean>;
}

export interface SystemCollectorOptions {
  /** /proc and /sys are read under this root (default '/'). */
  host?: Host;
  /** Runs vcgencmd and iwconfig (default: execFile, no shell). */
  run?: CommandRunner;
  vcgencmd?: string;
  commandTimeoutMs?: number;
  /** Epoch milliseconds (timestamps in answers). */
  now?: () => number;
  /** The process list (default: systeminformation). */
  listProcesses?: () => Promise<ProcessInfo[]>;
}

/** Keeps the key when the read works, `{}` when it fails (piStat's behaviour for each group). */
async function orEmpty<T>(read: () => Promise<T>): Promise<T | Empty> {
  try {
    return await read();
  } catch {
    return {};
  }
}

/**
 * The real source: systeminformation for memory and processes, /proc and /sys for what psutil read
 * there (CPU ticks, disk and network counters, sockets, mounts), vcgencmd on a Raspberry Pi. Every
 * group of /stats is read in parallel; nothing on that path spawns a process except vcgencmd on a Pi.
 */
export class SystemCollector implements SystemSource {
  readonly #host: Host;
  readonly #now: () => number;
  readonly #cpu: CpuReader;
  readonly #pi: PiProbe;
  readonly #network: NetworkReader;
  readonly #listProcesses: () => Promise<ProcessInfo[]>;

  constructor(options: SystemCollectorOptions = {}) {
    this.#host = options.host ?? hostAt('/');
    this.#now = options.now ?? Date.now;
    const run = options.run ?? execFileRunner;
    const timeoutMs = options.commandTimeoutMs ?? 5000;
    this.#cpu = new CpuReader(this.#host);
    this.#pi = new PiProbe({ host: this.#host, run, vcgencmd: options.vcgencmd ?? 'vcgencmd', timeoutMs });
    this.#network = new NetworkReader({ host: this.#host, run, timeoutMs });
    this.#listProcesses = options.listProcesses ?? siProcessLister(this.#now);
  }

  async stats(blockMs: number): Promise<SystemStats> {
    const [cpuTemp, usage, mem, disk, io, pi, network, hardware] = await Promise.all([
      this.#cpu.temperature(),
      this.#cpu.usage(blockMs),
      loadSi().then((si) => si.mem()),
      orEmpty(() => diskUsage(this.#host, '/')),
      orEmpty(() => diskIo(this.#host)),
      this.#pi.readings(),
      this.#network.interfaces().catch(() => ({})),
      this.#pi.hardware(),
    ]);
    return {
      cpu_temp: cpuTemp,
      cpu_freq: this.#cpu.frequencyMhz(),
      cpu_usage: usage.cpu_usage,
      per_cpu_usage: usage.per_cpu_usage,
      memory: mem.total > 0 ? memoryOf(mem) : {},
      swap: mem.total > 0 ? swapOf(mem) : {},
      disk,
      disk_io: io,
      uptime: uptime(),
      load_avg: loadavg(),
      timestamp: this.#now() / 1000,
      gpu: pi.gpu,
      power: pi.power,
      clocks: pi.clocks,
      network,
      hardware,
    };
  }

  processes(): Promise<ProcessInfo[]> {
    return this.#listProcesses();
  }

  network(): Promise<NetworkInterfaces> {
    return this.#network.interfaces().catch(() => ({}));
  }

  async storage(): Promise<{ devices: StorageDevice[]; disk_io: DiskIo }> {
    const [devices, io] = await Promise.all([storageDevices(this.#host), diskIo(this.#host)]);
    return { devices, disk_io: io };
  }

  async health(): Promise<{ uptime: number; memory_usage: number }> {
    const mem = await (await loadSi()).mem();
    if (!(mem.total > 0)) throw new Error('memory figures are not available');
    return { uptime: uptime(), memory_usage: memoryOf(mem).percent };
  }

  isRaspberryPi(): Promise<boolean> {
    return this.#pi.isRaspberryPi();
  }
}

function memoryOf(mem: Systeminformation.MemData): MemoryInfo {
  const used = mem.total - mem.available;
  return { total: mem.total, available: mem.available, used, percent: percent(used, mem.total) };
}

function swapOf(mem: Systeminformation.MemData): SwapInfo {
  return {
    total: mem.swaptotal,
    used: mem.swapused,
    free: mem.swapfree,
    percent: percent(mem.swapused, mem.swaptotal),
  };
}
