import { DeviceUnavailableError } from '../errors.js';

export interface CpuUsage {
  cpu_usage_percent: number;
  cores: number;
}

export interface MemoryUsage {
  memory_usage_percent: number;
  total_bytes: number;
  available_bytes: number;
  used_bytes: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const clampPercent = (n: number) => round1(Math.min(100, Math.max(0, Number.isFinite(n) ? n : 0)));

/**
 * CPU and memory use through systeminformation (loaded on first use). CPU use is measured over
 * `sampleMs` (pi_backend used psutil.cpu_percent(interval=0.1)); concurrent requests share one
 * measurement. Memory use counts what is not available (page cache is free memory), as psutil does.
 */
export class SystemStats {
  readonly #sampleMs: number;
  #cpu: Promise<CpuUsage> | undefined;

  constructor(options: { sampleMs?: number } = {}) {
    this.#sampleMs = options.sampleMs ?? 100;
  }

  cpu(): Promise<CpuUsage> {
    this.#cpu ??= this.#measureCpu().finally(() => {
      this.#cpu = undefined;
    });
    return this.#cpu;
  }

  async #measureCpu(): Promise<CpuUsage> {
    try {
      const { default: si } = await import('systeminformation');
      await si.currentLoad();
      await new Promise((resolve) => setTimeout(resolve, this.#sampleMs));
      const load = await si.currentLoad();
      return { cpu_usage_percent: clampPercent(load.currentLoad), cores: load.cpus.length };
    } catch (error) {
      throw new DeviceUnavailableError('cpu', (error as Error).message, error);
    }
  }

  async memory(): Promise<MemoryUsage> {
    let mem: { total: number; available: number };
    try {
      const { default: si } = await import('systeminformation');
      mem = await si.mem();
    } catch (error) {
      throw new DeviceUnavailableError('memory', (error as Error).message, error);
    }
    if (!(mem.total > 0)) throw new DeviceUnavailableError('memory', 'total memory unknown');
    const used = Math.max(0, mem.total - mem.available);
    return {
      memory_usage_percent: clampPercent((used / mem.total) * 100),
      total_bytes: mem.total,
      available_bytes: mem.available,
      used_bytes: used,
    };
  }
}
