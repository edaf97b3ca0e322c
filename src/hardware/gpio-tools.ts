/**
 * GPIO through the GPIO character device with libgpiod's own tools (`gpioset`, `gpiofind`; Debian's
 * `gpiod` package): nothing to compile, no sysfs, so it works on kernels 6.6 and later, where the
 * sysfs numbers moved (`gpioBase`) and on the Pi 5. A line is named as the Pi's device tree names it
 * (`GPIO17`), so no chip number or base is needed; `chip` pins it to a chip and offset instead.
 *
 * Each write is one short `gpioset` run: the line is requested as an output with its level in one
 * step (no glitch through the other level) and released when the tool exits. The Pi's pin controller
 * keeps the level after the release; libgpiod does not promise that for every chip, which is why this
 * suits the LTE HAT's PWRKEY pulse and flight-mode level, not a line that must be held by a process.
 *
 * libgpiod 1.x (Debian 12) and 2.x (Debian 13) take different arguments: `gpioCommands` builds both.
 */
import { DeviceTimeoutError, DeviceUnavailableError } from '../errors.js';
import { CommandError, runCommand } from '../util/run-command.js';
import type { GpioFactory, GpioLine, Level } from './gpio.js';

export interface GpioToolsOptions {
  /** A chip (`gpiochip0`); the pin is then its offset. Default: find the line named `GPIO<pin>`. */
  chip?: string;
  /** Per tool run (default 2000 ms). */
  timeoutMs?: number;
  /** Where the tools are (default: on PATH). */
  bin?: string;
}

export type LibgpiodMajor = 1 | 2;

/** What a line is, for the tools: a chip and an offset, or a line name (libgpiod 2 finds it). */
export type LineRef = { chip: string; offset: number } | { name: string };

/** The `gpioset` arguments that set `line` to `value` and exit. */
export function gpiosetArgs(major: LibgpiodMajor, line: LineRef, value: Level): string[] {
  if (major === 1) {
    if (!('chip' in line)) throw new TypeError('libgpiod 1 needs a chip and an offset (gpiofind first)');
    return ['--mode=exit', line.chip, `${line.offset}=${value}`];
  }
  // libgpiod 2 holds the line until killed unless a toggle period of 0 says "set, then exit".
  return 'chip' in line
    ? ['-t0', '-c', line.chip, `${line.offset}=${value}`]
    : ['-t0', `${line.name}=${value}`];
}

/** The major version from `gpioset --version` ("gpioset (libgpiod) v1.6.3"), or undefined. */
export function parseLibgpiodVersion(text: string): LibgpiodMajor | undefined {
  const major = /\(libgpiod\)\s+v?(\d+)\./.exec(text)?.[1];
  return major === '1' ? 1 : major === '2' ? 2 : undefined;
}

/** `gpiofind GPIO17` prints "gpiochip0 17". */
export function parseGpiofind(text: string): { chip: string; offset: number } | undefined {
  const match = /^(\S+)\s+(\d+)\s*$/.exec(text.trim());
  return match ? { chip: match[1], offset: Number(match[2]) } : undefined;
}

const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';

export class GpioToolsFactory implements GpioFactory {
  readonly #options: GpioToolsOptions;
  #major: Promise<LibgpiodMajor> | undefined;

  constructor(options: GpioToolsOptions = {}) {
    this.#options = options;
  }

  async open(pin: number, initial: Level): Promise<GpioLine> {
    const device = `GPIO ${pin}`;
    const major = await this.#version();
    const line = await this.#resolve(major, pin, device);
    const write = (value: Level) => this.#set(major, line, value, device);
    await write(initial);
    return { pin, write, unexport() {} };
  }

  #tool(name: string): string {
    return this.#options.bin ? `${this.#options.bin}/${name}` : name;
  }

  async #run(name: string, args: string[], device: string) {
    const timeoutMs = this.#options.timeoutMs ?? 2000;
    try {
      const result = await runCommand(this.#tool(name), args, { timeoutMs, maxOutput: 64 * 1024 });
      if (result.timedOut) throw new DeviceTimeoutError(device, timeoutMs);
      return result;
    } catch (error) {
      if (error instanceof CommandError && error.code === 'ENOENT') {
        throw new DeviceUnavailableError(
          'GPIO',
          `${name} is not installed (Debian: apt-get install gpiod), or set lte.gpioDriver to "onoff"`,
          error,
        );
      }
      throw error;
    }
  }

  #version(): Promise<LibgpiodMajor> {
    this.#major ??= (async () => {
      const result = await this.#run('gpioset', ['--version'], 'GPIO');
      const major = parseLibgpiodVersion(`${result.stdout}\n${result.stderr}`);
      if (!major)
        throw new DeviceUnavailableError('GPIO', `unknown gpioset version: ${lastLine(result.stdout)}`);
      return major;
    })();
    // A failed probe (tool missing) is tried again next time: it may be installed meanwhile.
    this.#major.catch(() => {
      this.#major = undefined;
    });
    return this.#major;
  }

  async #resolve(major: LibgpiodMajor, pin: number, device: string): Promise<LineRef> {
    if (this.#options.chip) return { chip: this.#options.chip, offset: pin };
    const name = `GPIO${pin}`;
    if (major === 2) return { name };
    const result = await this.#run('gpiofind', [name], device);
    const found = result.code === 0 ? parseGpiofind(result.stdout) : undefined;
    if (!found) {
      throw new DeviceUnavailableError(
        device,
        `no GPIO chip has a line named ${name} (not a Raspberry Pi, no /dev/gpiochip*, or set lte.gpioChip)`,
      );
    }
    return found;
  }

  async #set(major: LibgpiodMajor, line: LineRef, value: Level, device: string): Promise<void> {
    const result = await this.#run('gpioset', gpiosetArgs(major, line, value), device);
    if (result.code !== 0) {
      const reason = lastLine(result.stderr) || `gpioset exited with ${result.code ?? result.signal}`;
      throw new DeviceUnavailableError(device, `write failed: ${reason}`);
    }
  }
}
