import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Host } from './host.js';
import { type CpuTicks, cpuPercent, parseCpuTicks } from './proc.js';

export interface CpuUsage {
  /** Percent busy over all cores, one decimal. */
  cpu_usage: number;
  /** The same per core. */
  per_cpu_usage: number[];
}

interface Sample {
  total: CpuTicks;
  cpus: CpuTicks[];
}

const SINCE_BOOT: Sample = { total: { all: 0, busy: 0 }, cpus: [] };

function usageBetween(before: Sample, after: Sample): CpuUsage {
  return {
    cpu_usage: cpuPercent(before.total, after.total),
    per_cpu_usage: after.cpus.map((core, i) => cpuPercent(before.cpus[i] ?? SINCE_BOOT.total, core)),
  };
}

/**
 * CPU usage, frequency and temperature. Usage is psutil.cpu_percent's: busy time since the previous
 * call (the first call counts since boot), or over a blocking interval when asked.
 */
export class CpuReader {
  readonly #host: Host;
  #last: Sample = SINCE_BOOT;
  #thermal?: string | null;

  constructor(host: Host) {
    this.#host = host;
  }

  async usage(blockMs = 0): Promise<CpuUsage> {
    if (blockMs > 0) {
      const before = await this.#sample();
      await sleep(blockMs);
      const after = await this.#sample();
      this.#last = after;
      return usageBetween(before, after);
    }
    const before = this.#last;
    const after = await this.#sample();
    this.#last = after;
    return usageBetween(before, after);
  }

  /** Mean current frequency of the cores in MHz (scaling_cur_freq), or null when the kernel gives none. */
  frequencyMhz(): number | null {
    const speeds = cpus()
      .map((c) => c.speed)
      .filter((s) => s > 0);
    if (speeds.length === 0) return null;
    return speeds.reduce((sum, s) => sum + s, 0) / speeds.length;
  }

  /**
   * The `cpu_thermal` sensor in °C (hwmon, else the `cpu-thermal` thermal zone), as piStat reads it
   * through psutil; null on hosts without one. The sensor's path is looked up once.
   */
  async temperature(): Promise<number | null> {
    if (this.#thermal === undefined) this.#thermal = await this.#findThermal();
    if (this.#thermal === null) return null;
    const raw = await this.#host.text(this.#thermal);
    const milli = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
    if (Number.isNaN(milli)) {
      this.#thermal = undefined;
      return null;
    }
    return milli / 1000;
  }

  async #sample(): Promise<Sample> {
    const text = await this.#host.text('/proc/stat');
    const parsed = text === undefined ? undefined : parseCpuTicks(text);
    if (!parsed) throw new Error('/proc/stat is not readable');
    return parsed;
  }

  async #findThermal(): Promise<string | null> {
    const host = this.#host;
    for (const dir of (await host.list('/sys/class/hwmon')) ?? []) {
      const name = await host.text(`/sys/class/hwmon/${dir}/name`);
      if (name?.trim() === 'cpu_thermal') return `/sys/class/hwmon/${dir}/temp1_input`;
    }
    for (const dir of (await host.list('/sys/class/thermal')) ?? []) {
      if (!dir.startsWith('thermal_zone')) continue;
      const type = await host.text(`/sys/class/thermal/${dir}/type`);
      if (type?.trim() === 'cpu-thermal' || type?.trim() === 'cpu_thermal')
        return `/sys/class/thermal/${dir}/temp`;
    }
    return null;
  }
}
