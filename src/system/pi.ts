import type { CommandRunner } from './command-runner.js';
import type { Host } from './host.js';
import { parseCpuinfoSerial } from './proc.js';
import {
  decodeThrottled,
  parseClockHz,
  parseFirmware,
  parseMemoryBytes,
  parseTemperature,
  parseThrottled,
  parseVolts,
  piStatThrottled,
  type ThrottledFlags,
} from './vcgencmd.js';

/** Each key is present only when its command answered something parseable (never null, never invented). */
export interface GpuInfo {
  /** °C. */
  temperature?: number;
  /** Bytes given to the GPU. */
  memory?: number;
  /** Hz. */
  v3d_clock?: number;
}

export interface PowerInfo {
  /** Volts. */
  core_voltage?: number;
  under_voltage?: boolean;
  freq_capped?: boolean;
  throttled?: boolean;
  /** Every get_throttled bit, "now" and "has occurred" (a pimesh addition). */
  throttled_flags?: ThrottledFlags;
}

/** Hz. */
export interface ClockInfo {
  arm?: number;
  core?: number;
  sdram?: number;
}

export interface HardwareInfo {
  model?: string;
  serial?: string;
  firmware?: string;
  usb_devices?: number;
}

export interface PiReadings {
  gpu: GpuInfo;
  power: PowerInfo;
  clocks: ClockInfo;
}

export interface PiProbeOptions {
  host: Host;
  run: CommandRunner;
  /** The vcgencmd executable. */
  vcgencmd: string;
  timeoutMs: number;
}

const stripNul = (s: string | undefined) => s?.replace(/\0/g, '').trim() || undefined;

const parsed = <T>(out: string | undefined, parse: (s: string) => T | undefined) =>
  out === undefined ? undefined : parse(out);

function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/**
 * The Raspberry Pi's own figures. A host is a Pi when /proc/device-tree/model says "Raspberry Pi"; on
 * any other host vcgencmd is never run and gpu, power and clocks are `{}`. The hardware description is
 * read once per process, as piStat does.
 */
export class PiProbe {
  readonly #options: PiProbeOptions;
  #hardware?: Promise<HardwareInfo>;
  #vcgencmdMissing = false;

  constructor(options: PiProbeOptions) {
    this.#options = options;
  }

  hardware(): Promise<HardwareInfo> {
    this.#hardware ??= this.#readHardware();
    return this.#hardware;
  }

  async isRaspberryPi(): Promise<boolean> {
    return (await this.hardware()).model?.includes('Raspberry Pi') ?? false;
  }

  async readings(): Promise<PiReadings> {
    if (!(await this.isRaspberryPi())) return { gpu: {}, power: {}, clocks: {} };
    const [temp, mem, v3d, volts, throttled, arm, core, sdram] = await Promise.all([
      this.#vc('measure_temp'),
      this.#vc('get_mem', 'gpu'),
      this.#vc('measure_clock', 'v3d'),
      this.#vc('measure_volts', 'core'),
      this.#vc('get_throttled'),
      this.#vc('measure_clock', 'arm'),
      this.#vc('measure_clock', 'core'),
      this.#vc('measure_clock', 'sdram'),
    ]);
    const gpu: GpuInfo = {};
    set(gpu, 'temperature', parsed(temp, parseTemperature));
    set(gpu, 'memory', parsed(mem, parseMemoryBytes));
    set(gpu, 'v3d_clock', parsed(v3d, parseClockHz));
    const power: PowerInfo = {};
    set(power, 'core_voltage', parsed(volts, parseVolts));
    const bits = parsed(throttled, parseThrottled);
    if (typeof bits === 'number')
      Object.assign(power, piStatThrottled(bits), { throttled_flags: decodeThrottled(bits) });
    const clocks: ClockInfo = {};
    set(clocks, 'arm', parsed(arm, parseClockHz));
    set(clocks, 'core', parsed(core, parseClockHz));
    set(clocks, 'sdram', parsed(sdram, parseClockHz));
    return { gpu, power, clocks };
  }

  async #readHardware(): Promise<HardwareInfo> {
    const { host } = this.#options;
    const [model, cpuinfo, serialNumber, usb] = await Promise.all([
      host.text('/proc/device-tree/model'),
      host.text('/proc/cpuinfo'),
      host.text('/proc/device-tree/serial-number'),
      host.list('/sys/bus/usb/devices'),
    ]);
    const hardware: HardwareInfo = {};
    // The device tree string ends in a NUL, which piStat passed on; it is stripped here.
    set(hardware, 'model', stripNul(model));
    set(hardware, 'serial', parsed(cpuinfo, parseCpuinfoSerial) || stripNul(serialNumber));
    if (hardware.model?.includes('Raspberry Pi')) {
      const version = await this.#vc('version');
      set(hardware, 'firmware', parsed(version, parseFirmware));
    }
    // What `lsusb` counts: every device including root hubs (usbN, N-x), not interfaces (N-x:c.i).
    set(hardware, 'usb_devices', usb?.filter((name) => !name.includes(':')).length);
    return hardware;
  }

  /** One vcgencmd call; undefined when it fails. A missing executable is not tried again. */
  async #vc(...args: string[]): Promise<string | undefined> {
    if (this.#vcgencmdMissing) return undefined;
    const { run, vcgencmd, timeoutMs } = this.#options;
    try {
      return await run(vcgencmd, args, timeoutMs);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') this.#vcgencmdMissing = true;
      return undefined;
    }
  }
}
