import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CommandRunner } from '../../src/system/command-runner.js';
import { CommandError } from '../../src/system/command-runner.js';

/** Output of `vcgencmd <args>` on a Raspberry Pi 4 (recorded samples; spec B.3 and the piStat README). */
export const VCGENCMD: Record<string, string> = {
  measure_temp: "temp=45.8'C\n",
  'get_mem gpu': 'gpu=76M\n',
  'measure_clock v3d': 'frequency(46)=500000000\n',
  'measure_volts core': 'volt=1.2000V\n',
  get_throttled: 'throttled=0x50005\n',
  'measure_clock arm': 'frequency(48)=1500398464\n',
  'measure_clock core': 'frequency(1)=500000992\n',
  'measure_clock sdram': 'frequency(0)=400000000\n',
  version:
    'Mar 17 2023 10:50:39 \nCopyright (c) 2012 Broadcom\nversion 82f3750a65fadae9a38077e3c2e217ad158c8d54 (clean) (release) (start)\n',
};

export const IWCONFIG_WLAN0 = `wlan0     IEEE 802.11  ESSID:"solar-mesh"  
          Mode:Managed  Frequency:2.437 GHz  Access Point: B8:27:EB:12:34:56   
          Bit Rate=72.2 Mb/s   Tx-Power=31 dBm   
          Retry short limit:7   RTS thr:off   Fragment thr:off
          Power Management:on
          Link Quality=52/70  Signal level=-58 dBm  
          Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0
          Tx excessive retries:0  Invalid misc:0   Missed beacon:0

`;

export const PROC_NET_WIRELESS = `Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE
 face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22
 wlan0: 0000   52.  -61.  -256        0      0      0      0      0        0
`;

export const PROC_NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     789    0    0    0     0          0         0   123456     789    0    0    0     0       0          0
  eth0: 98765432   65432    1    2    0     0          0       120 12345678   23456    3    4    0     0       0          0
 wlan0: 7654321    4321    0    5    0     0          0         0  1234567    1234    0    0    0     0       0          0
`;

export const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 21345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000  1000        0 21399 1 0000000000000000 20 4 30 10 -1
`;

export const PROC_NET_UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  345: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   108        0 14221 2 0000000000000000 0
`;

export const PROC_STAT = `cpu  74608 2520 24433 1117073 6176 4054 0 0 0 0
cpu0 18800 600 6100 279200 1500 1000 0 0 0 0
cpu1 18600 640 6110 279300 1550 1020 0 0 0 0
cpu2 18700 630 6100 279250 1560 1010 0 0 0 0
cpu3 18508 650 6123 279323 1566 1024 0 0 0 0
intr 1000
ctxt 2000
btime 1700000000
`;

export const PROC_DISKSTATS = `   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 179       0 mmcblk0 12345 2000 987654 5000 6789 3000 456789 7000 0 9000 12000 0 0 0 0 0 0
 179       1 mmcblk0p1 100 0 2000 50 2 0 8 1 0 60 51 0 0 0 0 0 0
 179       2 mmcblk0p2 12200 2000 985000 4900 6787 3000 456781 6999 0 8900 11900 0 0 0 0 0 0
`;

export const PROC_CPUINFO = `processor	: 0
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU part	: 0xd08

Hardware	: BCM2835
Revision	: c03112
Serial		: 10000000abcdef01
Model		: Raspberry Pi 4 Model B Rev 1.2
`;

export const PROC_MOUNTS = `/dev/mmcblk0p2 / ext4 rw,noatime 0 0
devtmpfs /dev devtmpfs rw,relatime,size=1867796k,nr_inodes=466949,mode=755 0 0
proc /proc proc rw,relatime 0 0
/dev/mmcblk0p1 /boot/firmware vfat rw,relatime,fmask=0022 0 0
/dev/sda1 /media/usb\\040stick vfat rw,relatime 0 0
/dev/sdb1 /mnt/unplugged ext4 rw,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev,size=789600k,mode=755 0 0
`;

export const PROC_FILESYSTEMS =
  'nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\text4\n\tvfat\nnodev\tdevtmpfs\nnodev\tzfs\n';

const roots: string[] = [];

/** Deletes every tree piRoot made (test.after.always). */
export async function removeRoots(): Promise<void> {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

/**
 * A Raspberry Pi 4's /proc and /sys in a temporary directory (the collector reads them under this root).
 * `extra` adds or, with `undefined`, removes files.
 */
export async function piRoot(extra: Record<string, string | undefined> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pimesh-pi-'));
  roots.push(root);
  const files: Record<string, string | undefined> = {
    'proc/device-tree/model': 'Raspberry Pi 4 Model B Rev 1.2\0',
    'proc/cpuinfo': PROC_CPUINFO,
    'proc/stat': PROC_STAT,
    'proc/diskstats': PROC_DISKSTATS,
    'proc/net/dev': PROC_NET_DEV,
    'proc/net/wireless': PROC_NET_WIRELESS,
    'proc/net/tcp': PROC_NET_TCP,
    'proc/net/udp': PROC_NET_UDP,
    'proc/self/mounts': PROC_MOUNTS,
    'proc/filesystems': PROC_FILESYSTEMS,
    'sys/class/hwmon/hwmon0/name': 'cpu_thermal\n',
    'sys/class/hwmon/hwmon0/temp1_input': '45277\n',
    'sys/block/mmcblk0/size': '62333952\n',
    'sys/bus/usb/devices/usb1/product': 'xHCI Host Controller\n',
    'sys/bus/usb/devices/usb2/product': 'xHCI Host Controller\n',
    'sys/bus/usb/devices/1-1/product': 'USB2.0 Hub\n',
    'sys/bus/usb/devices/1-1.4/product': 'GPS receiver\n',
    'sys/bus/usb/devices/1-1:1.0/bInterfaceClass': '09\n',
    'sys/bus/usb/devices/1-0:1.0/bInterfaceClass': '09\n',
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) {
    if (text === undefined) continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  // Mount points the statfs of /storage/devices reads under the root.
  for (const dir of ['boot/firmware', 'media/usb stick']) await mkdir(join(root, dir), { recursive: true });
  return root;
}

/** A vcgencmd (and iwconfig) that answers the recorded samples; `fail` lists subcommands that exit 255. */
export function fakeRunner(
  options: { fail?: string[]; answers?: Record<string, string>; iwconfig?: string } = {},
) {
  const calls: string[] = [];
  const answers = { ...VCGENCMD, ...options.answers };
  const run: CommandRunner = async (cmd, args) => {
    const line = args.join(' ');
    calls.push(`${cmd} ${line}`);
    if (cmd === 'iwconfig') {
      if (options.iwconfig === undefined) throw new CommandError(cmd, 'spawn iwconfig ENOENT', 'ENOENT');
      return options.iwconfig;
    }
    if (options.fail?.includes(line) || !(line in answers)) {
      throw new CommandError(`${cmd} ${line}`, 'exited with status 255');
    }
    return answers[line];
  };
  return { run, calls };
}
