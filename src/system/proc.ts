/**
 * Pure parsers for the /proc files piStat's psutil reads, with psutil's arithmetic, so the figures
 * match piStat's without spawning anything.
 */

/** Rounds as psutil does for percentages (one decimal). */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A percentage of `part` in `whole`, one decimal; 0 when `whole` is 0. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? round1((part / whole) * 100) : 0;
}

/** CPU time counters of one line of /proc/stat: everything counted (`all`) and the part not idle. */
export interface CpuTicks {
  all: number;
  busy: number;
}

function ticks(fields: number[]): CpuTicks {
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
  const all = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { all, busy: all - idle };
}

/** /proc/stat → the `cpu` line and each `cpuN` line. */
export function parseCpuTicks(text: string): { total: CpuTicks; cpus: CpuTicks[] } | undefined {
  let total: CpuTicks | undefined;
  const cpus: CpuTicks[] = [];
  for (const line of text.split('\n')) {
    const [name, ...rest] = line.trim().split(/\s+/);
    if (!name?.startsWith('cpu')) continue;
    const fields = rest.map(Number);
    if (name === 'cpu') total = ticks(fields);
    else cpus.push(ticks(fields));
  }
  return total ? { total, cpus } : undefined;
}

/** Busy share between two samples, as psutil.cpu_percent: 0..100, one decimal. */
export function cpuPercent(before: CpuTicks, after: CpuTicks): number {
  const all = after.all - before.all;
  if (all <= 0) return 0;
  return round1(Math.min(100, Math.max(0, ((after.busy - before.busy) / all) * 100)));
}

export interface DiskIo {
  read_count: number;
  write_count: number;
  read_bytes: number;
  write_bytes: number;
  /** Milliseconds spent reading. */
  read_time: number;
  /** Milliseconds spent writing. */
  write_time: number;
}

/**
 * /proc/diskstats summed over whole disks (psutil.disk_io_counters(perdisk=False): only names listed
 * in /sys/block, so partitions are not counted twice). Sectors are 512 bytes.
 */
export function parseDiskstats(text: string, isDisk: (name: string) => boolean): DiskIo {
  const io: DiskIo = {
    read_count: 0,
    write_count: 0,
    read_bytes: 0,
    write_bytes: 0,
    read_time: 0,
    write_time: 0,
  };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !isDisk(f[2])) continue;
    io.read_count += Number(f[3]);
    io.read_bytes += Number(f[5]) * 512;
    io.read_time += Number(f[6]);
    io.write_count += Number(f[7]);
    io.write_bytes += Number(f[9]) * 512;
    io.write_time += Number(f[10]);
  }
  return io;
}

export interface InterfaceCounters {
  bytes_sent: number;
  bytes_recv: number;
  packets_sent: number;
  packets_recv: number;
  errin: number;
  errout: number;
  dropin: number;
  dropout: number;
}

/** /proc/net/dev → counters per interface, in piStat's key order. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const result = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 12) continue;
    result.set(name, {
      bytes_sent: f[8],
      bytes_recv: f[0],
      packets_sent: f[9],
      packets_recv: f[1],
      errin: f[2],
      errout: f[10],
      dropin: f[3],
      dropout: f[11],
    });
  }
  return result;
}

/** Sockets listed in one of /proc/net/{tcp,tcp6,udp,udp6} (one per line after the header). */
export function countSockets(text: string): number {
  return text.split('\n').filter((line, i) => i > 0 && /^\s*\d+:/.test(line)).length;
}

/** /proc/net/wireless → signal level (dBm) per interface; levels that are not negative dBm are left out. */
export function parseWireless(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([^\s:]+):\s+\S+\s+\S+\s+(-\d+)\.?\s/.exec(line);
    if (m) result.set(m[1], Number(m[2]));
  }
  return result;
}

/** `iwconfig wlan0` → `Signal level=-58 dBm` → -58 (piStat's regex). */
export function parseIwconfigSignal(text: string): number | undefined {
  const m = /Signal level=(-\d+) dBm/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface Mount {
  device: string;
  mountpoint: string;
  filesystem: string;
}

const unescapeMount = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** /proc/self/mounts → entries, with `\040`-style escapes decoded. */
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, filesystem] = line.trim().split(/\s+/);
    if (!device || !mountpoint || !filesystem) continue;
    mounts.push({ device: unescapeMount(device), mountpoint: unescapeMount(mountpoint), filesystem });
  }
  return mounts;
}

/** /proc/filesystems → the types backed by a device (not `nodev`, except zfs), as psutil keeps them. */
export function parsePhysicalFilesystems(text: string): Set<string> {
  const types = new Set<string>();
  for (const line of text.split('\n')) {
    const [first, second] = line.split('\t').map((s) => s.trim());
    if (first === 'nodev') {
      if (second === 'zfs') types.add('zfs');
    } else if (first || second) types.add(first || second);
  }
  return types;
}

/** /proc/cpuinfo → the `Serial` line's value (Raspberry Pi), or undefined. */
export function parseCpuinfoSerial(text: string): string | undefined {
  const m = /^Serial\s*:\s*(\S+)/m.exec(text);
  return m?.[1];
}
