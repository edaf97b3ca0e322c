/**
 * A GPIO fake behind the same GpioFactory interface as the onoff implementation: it records every
 * level driven (with the time), and can play a machine without GPIO or a line that fails.
 */
import { performance } from 'node:perf_hooks';
import { DeviceUnavailableError } from '../../src/errors.js';
import type { GpioFactory, GpioLine, Level } from '../../src/hardware/gpio.js';

/** [milliseconds (performance.now()), pin, level] */
export type Transition = [number, number, Level];

export class FakeGpio implements GpioFactory {
  /** false: open() fails like onoff's `Gpio.accessible === false`. */
  accessible = true;
  /** true: every write fails (EIO) until set back. */
  failWrites = false;
  readonly transitions: Transition[] = [];
  readonly levels = new Map<number, Level>();
  readonly exported = new Set<number>();
  /** How many times each pin was opened. */
  readonly opens = new Map<number, number>();

  async open(pin: number, initial: Level): Promise<GpioLine> {
    if (!this.accessible) throw new DeviceUnavailableError('GPIO', 'not accessible (fake without GPIO)');
    this.exported.add(pin);
    this.opens.set(pin, (this.opens.get(pin) ?? 0) + 1);
    this.drive(pin, initial);
    return {
      pin,
      write: async (value: Level) => {
        if (!this.exported.has(pin)) throw new Error(`GPIO ${pin} is not exported`);
        if (this.failWrites) throw new DeviceUnavailableError(`GPIO ${pin}`, 'write failed: EIO (fake)');
        this.drive(pin, value);
      },
      unexport: () => {
        this.exported.delete(pin);
      },
    };
  }

  /** The transitions of one pin (a write of the level it already has is not a transition). */
  edges(pin: number): Transition[] {
    return this.transitions.filter(([, p]) => p === pin);
  }

  private drive(pin: number, value: Level): void {
    if (this.levels.get(pin) === value) return;
    this.levels.set(pin, value);
    this.transitions.push([performance.now(), pin, value]);
  }
}
