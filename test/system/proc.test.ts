import test from 'ava';
import {
  countSockets,
  cpuPercent,
  parseCpuinfoSerial,
  parseCpuTicks,
  parseDiskstats,
  parseIwconfigSignal,
  parseMounts,
  parseNetDev,
  parsePhysicalFilesystems,
  parseWireless,
  percent,
} from '../../src/system/proc.js';
import {
  IWCONFIG_WLAN0,
  PROC_CPUINFO,
  PROC_DISKSTATS,
  PROC_FILESYSTEMS,
  PROC_MOUNTS,
  PROC_NET_DEV,
  PROC_NET_TCP,
  PROC_NET_UDP,
  PROC_NET_WIRELESS,
  PROC_STAT,
} from './samples.js';

test('/proc/stat gives the total and one entry per core; usage is busy over all ticks, as psutil', (t) => {
  const before = parseCpuTicks(PROC_STAT);
  t.truthy(before);
  t.is(before?.cpus.length, 4);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  t.deepEqual(before?.total, {
    all: 74608 + 2520 + 24433 + 1117073 + 6176 + 4054,
    busy: 74608 + 2520 + 24433 + 4054,
  });
  const after = { all: before!.total.all + 1000, busy: before!.total.busy + 250 };
  t.is(cpuPercent(before!.total, after), 25);
  t.is(cpuPercent(after, after), 0, 'no ticks elapsed is 0, not NaN');
});

test('percentages have one decimal and 0 of 0 is 0', (t) => {
  t.is(percent(1, 3), 33.3);
  t.is(percent(5, 0), 0);
});

test('/proc/net/dev gives the psutil counters per interface', (t) => {
  const counters = parseNetDev(PROC_NET_DEV);
  t.deepEqual([...counters.keys()], ['lo', 'eth0', 'wlan0']);
  t.deepEqual(counters.get('eth0'), {
    bytes_sent: 12345678,
    bytes_recv: 98765432,
    packets_sent: 23456,
    packets_recv: 65432,
    errin: 1,
    errout: 3,
    dropin: 2,
    dropout: 4,
  });
});

test('sockets are counted one per line after the header', (t) => {
  t.is(countSockets(PROC_NET_TCP), 2);
  t.is(countSockets(PROC_NET_UDP), 1);
  t.is(countSockets('  sl  local_address\n'), 0);
});

test('/proc/net/wireless gives the signal level in dBm; iwconfig output too (piStat regex)', (t) => {
  t.deepEqual([...parseWireless(PROC_NET_WIRELESS)], [['wlan0', -61]]);
  t.is(parseIwconfigSignal(IWCONFIG_WLAN0), -58);
  t.is(parseIwconfigSignal('wlan0     unassociated  ESSID:off/any\n'), undefined);
});

test('/proc/diskstats is summed over whole disks only, sectors of 512 bytes, times in ms', (t) => {
  const io = parseDiskstats(PROC_DISKSTATS, (name) => name === 'mmcblk0' || name === 'ram0');
  t.deepEqual(io, {
    read_count: 12345,
    write_count: 6789,
    read_bytes: 987654 * 512,
    write_bytes: 456789 * 512,
    read_time: 5000,
    write_time: 7000,
  });
});

test('mounts are decoded (\\040 is a space) and only device-backed filesystem types are physical', (t) => {
  const mounts = parseMounts(PROC_MOUNTS);
  t.deepEqual(mounts[4], { device: '/dev/sda1', mountpoint: '/media/usb stick', filesystem: 'vfat' });
  const physical = parsePhysicalFilesystems(PROC_FILESYSTEMS);
  t.deepEqual([...physical].sort(), ['ext4', 'vfat', 'zfs']);
});

test('the Serial line of /proc/cpuinfo is the serial', (t) => {
  t.is(parseCpuinfoSerial(PROC_CPUINFO), '10000000abcdef01');
  t.is(parseCpuinfoSerial('processor\t: 0\nmodel name\t: Intel\n'), undefined);
});
