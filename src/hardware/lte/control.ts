import { setTimeout as sleep } from 'node:timers/promises';
import type { GpioFactory, GpioLine, Level } from '../gpio.js';
import type { LteConfig } from './config.js';
import type { LteModems } from './modem.js';

export interface PowerCycleResult {
  method: 'gpio' | 'at';
  message: string;
  pin?: number;
  pulse_ms?: number;
  port?: string;
}

type ControlConfig = Pick<
  LteConfig,
  | 'control'
  | 'defaultPort'
  | 'powerPin'
  | 'pulseMs'
  | 'flightPin'
  | 'flightActiveHigh'
  | 'gpioBase'
  | 'gpioDriver'
>;

export interface LteControlOptions {
  config: ControlConfig;
  gpio: GpioFactory;
  modems: LteModems;
}

/**
 * What drives the modem: the HAT's PWRKEY and flight-mode pins (`control: 'gpio'`) or `AT+CFUN`
 * on the default port (`control: 'at'`). One operation at a time. GPIO lines are opened on first
 * use and kept (the flight pin must hold its level); a line that fails is dropped and re-opened by
 * the next operation. close() releases them.
 */
export class LteControl {
  private readonly config: ControlConfig;
  private readonly gpio: GpioFactory;
  private readonly modems: LteModems;
  private readonly lines = new Map<number, GpioLine>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: LteControlOptions) {
    this.config = options.config;
    this.gpio = options.gpio;
    this.modems = options.modems;
  }

  /** GPIO: PWRKEY HIGH for pulseMs, then LOW (toggles the modem's power). AT: `AT+CFUN=1,1`. */
  powerCycle(): Promise<PowerCycleResult> {
    return this.serially(async () => {
      const { config } = this;
      if (config.control === 'at') {
        await this.modems.get(config.defaultPort).setFunctionality('1,1');
        return {
          method: 'at',
          message: 'LTE modem reset with AT+CFUN=1,1.',
          port: config.defaultPort,
        };
      }
      const line = await this.line(config.powerPin, 0);
      try {
        await this.write(line, 1);
      } catch (error) {
        // Best effort LOW again: a key left held down keeps toggling the modem's power.
        await line.write(0).catch(() => undefined);
        throw error;
      }
      await sleep(config.pulseMs);
      await this.write(line, 0);
      return {
        method: 'gpio',
        message: `LTE modem power key pulsed on BCM ${config.powerPin} for ${config.pulseMs} ms (the modem needs about 20 s to boot).`,
        pin: config.powerPin,
        pulse_ms: config.pulseMs,
      };
    });
  }

  /** GPIO: the flight pin to its active level (or back). AT: `AT+CFUN=4` / `AT+CFUN=1`. */
  setFlightMode(enable: boolean): Promise<void> {
    return this.serially(async () => {
      const { config } = this;
      if (config.control === 'at') {
        await this.modems.get(config.defaultPort).setFunctionality(enable ? '4' : '1');
        return;
      }
      const level: Level = enable === config.flightActiveHigh ? 1 : 0;
      const line = await this.line(config.flightPin, level);
      await this.write(line, level);
    });
  }

  /** Releases the GPIO lines (their pins keep their levels). */
  async close(): Promise<void> {
    await this.queue;
    for (const line of this.lines.values()) line.unexport();
    this.lines.clear();
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async line(bcm: number, initial: Level): Promise<GpioLine> {
    const existing = this.lines.get(bcm);
    if (existing) return existing;
    // The character device numbers lines by BCM offset; only sysfs (onoff) needs the base.
    const base = this.config.gpioDriver === 'onoff' ? this.config.gpioBase : 0;
    const line = await this.gpio.open(base + bcm, initial);
    this.lines.set(bcm, line);
    return line;
  }

  private async write(line: GpioLine, value: Level): Promise<void> {
    try {
      await line.write(value);
    } catch (error) {
      for (const [bcm, known] of this.lines) if (known === line) this.lines.delete(bcm);
      line.unexport();
      throw error;
    }
  }
}
