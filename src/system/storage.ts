import type { Host } from './host.js';
import { type DiskIo, parseDiskstats, parseMounts, parsePhysicalFilesystems, percent } from './proc.js';

/** Bytes; `percent` is used / (used + free), as `df` and psutil give it. */
export interface DiskUsage {
  total: number;
  used: number;
  free: number;
  percent: number;
}

export type StorageDevice =
  | ({ device: string; mountpoint: string; filesystem: string } & DiskUsage)
  | { device: string; mountpoint: string; filesystem: string; access_error: true };

/** psutil.disk_usage: `free` is what an unprivileged user may still write (f_bavail). */
export async function diskUsage(host: Host, mountpoint: string): Promise<DiskUsage> {
  const s = await host.statfs(mountpoint);
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  return { total, used, free, percent: percent(used, used + free) };
}

/** Whole disks when /sys/block cannot be listed: sda, vda, mmcblk0, nvme0n1 (not their partitions). */
const WHOLE_DISK = /^(?:[shv]d[a-z]+|xvd[a-z]+|mmcblk\d+|nvme\d+n\d+)$/;

/** I/O counters summed over the whole disks (psutil.disk_io_counters()). */
export async function diskIo(host: Host): Promise<DiskIo> {
  const [stats, blocks] = await Promise.all([host.text('/proc/diskstats'), host.list('/sys/block')]);
  if (stats === undefined) throw new Error('/proc/diskstats is not readable');
  const disks = blocks ? new Set(blocks) : undefined;
  return parseDiskstats(stats, (name) => (disks ? disks.has(name) : WHOLE_DISK.test(name)));
}

/**
 * Mounted filesystems backed by a device (psutil.disk_partitions(all=False)), each with its usage; a
 * mount that cannot be read is listed with `access_error: true`.
 */
export async function storageDevices(host: Host): Promise<StorageDevice[]> {
  const [mounts, filesystems] = await Promise.all([
    host.text('/proc/self/mounts'),
    host.text('/proc/filesystems'),
  ]);
  if (mounts === undefined) throw new Error('/proc/self/mounts is not readable');
  const physical = filesystems === undefined ? undefined : parsePhysicalFilesystems(filesystems);
  const kept = parseMounts(mounts).filter(
    (m) =>
      m.device !== 'none' &&
      m.device !== '' &&
      (physical ? physical.has(m.filesystem) : m.device.startsWith('/dev/')),
  );
  return Promise.all(
    kept.map(async (m): Promise<StorageDevice> => {
      try {
        return { ...m, ...(await diskUsage(host, m.mountpoint)) };
      } catch {
        return { ...m, access_error: true };
      }
    }),
  );
}
