/**
 * Output GPIO lines behind a small interface: the real one over `onoff` (sysfs GPIO), a fake in the
 * tests (test/helpers/fake-gpio.ts) that records every level written.
 */
import { DeviceTimeoutError, DeviceUnavailableError } from '../errors.js';
import { withTimeout } from '../util/timeout.js';

export type Level = 0 | 1;

export interface GpioLine {
  readonly pin: number;
  write(value: Level): Promise<void>;
  /** Releases the line; the pin keeps its last level. */
  unexport(): void;
}

export interface GpioFactory {
  /**
   * An output line on `pin` (the number the GPIO layer uses), driven to `initial` as it is set up
   * (no glitch through the other level). DeviceUnavailableError (503) when there is no GPIO.
   */
  open(pin: number, initial: Level): Promise<GpioLine>;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** GPIO through onoff (loaded on first use, so a node that never drives a pin never loads it). */
export class OnoffGpioFactory implements GpioFactory {
  constructor(private readonly options: { timeoutMs?: number } = {}) {}

  async open(pin: number, initial: Level): Promise<GpioLine> {
    const device = `GPIO ${pin}`;
    const timeoutMs = this.options.timeoutMs ?? 1000;
    let Gpio: typeof import('onoff').Gpio;
    try {
      ({ Gpio } = await import('onoff'));
    } catch (error) {
      throw new DeviceUnavailableError('GPIO', `cannot load onoff: ${reasonOf(error)}`, error);
    }
    if (!Gpio.accessible) {
      throw new DeviceUnavailableError(
        'GPIO',
        'not accessible (no /sys/class/gpio: not a Raspberry Pi, or the kernel has no sysfs GPIO, or the user is not in group gpio)',
      );
    }
    let gpio: InstanceType<typeof Gpio>;
    try {
      // 'low'/'high' set the direction and level in one write; an exported pin keeps its direction.
      gpio = new Gpio(pin, initial ? 'high' : 'low', undefined, { reconfigureDirection: false });
    } catch (error) {
      throw new DeviceUnavailableError(device, `cannot export: ${reasonOf(error)}`, error);
    }
    return {
      pin,
      async write(value: Level) {
        try {
          await withTimeout(gpio.write(value), timeoutMs, () => new DeviceTimeoutError(device, timeoutMs));
        } catch (error) {
          if ((error as { code?: string }).code === 'ERR_DEVICE_TIMEOUT') throw error;
          throw new DeviceUnavailableError(device, `write failed: ${reasonOf(error)}`, error);
        }
      },
      unexport() {
        try {
          gpio.unexport();
        } catch {}
      },
    };
  }
}
