import type { SystemSource, SystemStats } from '../../src/system/collector.js';
import type { ProcessInfo } from '../../src/system/processes.js';

/** A SystemSource that counts its collections and stamps each with a sequence number. */
export class FakeSource implements SystemSource {
  collections = 0;
  blockMs: number[] = [];
  delayMs = 0;
  fail?: Error;
  processList: ProcessInfo[] = [];
  healthFails = false;

  async stats(blockMs: number): Promise<SystemStats> {
    this.collections++;
    this.blockMs.push(blockMs);
    const n = this.collections;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) throw this.fail;
    return {
      cpu_temp: null,
      cpu_freq: 1500,
      cpu_usage: n,
      per_cpu_usage: [n, n],
      memory: { total: 4_000_000_000, available: 3_000_000_000, used: 1_000_000_000, percent: 25 },
      swap: { total: 0, used: 0, free: 0, percent: 0 },
      disk: { total: 32e9, used: 8e9, free: 24e9, percent: 25 },
      disk_io: { read_count: 1, write_count: 2, read_bytes: 3, write_bytes: 4, read_time: 5, write_time: 6 },
      uptime: 86400.5,
      load_avg: [0.5, 0.7, 0.9],
      timestamp: 1_700_000_000 + n,
      gpu: {},
      power: {},
      clocks: {},
      network: {
        eth0: {
          bytes_sent: 1,
          bytes_recv: 2,
          packets_sent: 3,
          packets_recv: 4,
          errin: 0,
          errout: 0,
          dropin: 0,
          dropout: 0,
        },
        active_connections: 12,
      },
      hardware: { usb_devices: 3 },
    };
  }

  async processes(): Promise<ProcessInfo[]> {
    if (this.fail) throw this.fail;
    return this.processList;
  }

  async network() {
    return { active_connections: 0 };
  }

  async storage() {
    return {
      devices: [],
      disk_io: { read_count: 0, write_count: 0, read_bytes: 0, write_bytes: 0, read_time: 0, write_time: 0 },
    };
  }

  async health() {
    if (this.healthFails) throw new Error('meminfo unreadable');
    return { uptime: 100.5, memory_usage: 25 };
  }

  async isRaspberryPi() {
    return false;
  }
}

/** A clock tests move by hand. */
export function manualClock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** A response header that may be absent (supertest types them all as strings). */
export function header(res: { headers: Record<string, string | string[] | undefined> }, name: string) {
  return res.headers[name] as string | undefined;
}
