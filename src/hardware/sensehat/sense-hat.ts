/**
 * The Sense HAT's sensors through their kernel IIO drivers: HTS221 (humidity, temperature), LPS25H
 * (pressure, temperature), LSM9DS1 (accelerometer `lsm9ds1_accel`, magnetometer `lsm9ds1_magn`),
 * plus the CPU temperature from the thermal zone. The answer follows pi_backend's later
 * `modules/sense_hat.py` shape; each chip that is absent or fails is left out and named.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceTimeoutError, PimeshError } from '../../errors.js';
import { withTimeout } from '../../util/timeout.js';
import { findIioDevices, type IioDevice, type Vector } from './iio.js';
import { type Orientation, orientation } from './orientation.js';

/** The kernel's IIO device names (st_sensors `*_DEV_NAME`, hts221 `HTS221_DEV_NAME`). */
export const SENSE_HAT_CHIPS = {
  humidity: 'hts221',
  pressure: 'lps25h',
  accelerometer: 'lsm9ds1_accel',
  magnetometer: 'lsm9ds1_magn',
} as const;

export const CPU_THERMAL = 'thermal_zone0';

/** pi_backend's message, word for word (checklist A.6). */
export const SENSE_HAT_UNAVAILABLE = 'Sense HAT hardware is not available or failed to initialize.';

const STANDARD_GRAVITY = 9.80665;

type Xyz = { x: number; y: number; z: number };

export interface SenseHatSensors {
  /** The HTS221's temperature (sense_hat's get_temperature()), else the LPS25H's. */
  temperature_c?: number;
  temperature_raw_humidity_c?: number;
  temperature_raw_pressure_c?: number;
  temperature_cpu_c?: number;
  /** avg − (cpu − avg) / 2, avg being the mean of the chip temperatures (pi_backend's correction). */
  temperature_corrected_c?: number;
  pressure_hpa?: number;
  humidity_percent?: number;
  orientation_degrees?: Orientation;
  /** In g, as sense_hat's get_accelerometer_raw(). */
  accelerometer_raw?: Xyz;
  /** In µT, as sense_hat's get_compass_raw(). */
  compass_raw?: Xyz;
}

export interface SenseHatReading {
  sensors: SenseHatSensors;
  /** Chips (and the CPU thermal zone) not found. */
  missing: string[];
  /** Chips found that could not be read, with the reason. */
  errors: Record<string, string>;
  /** Seconds since the epoch, as pi_backend's `last_update`. */
  last_update: number;
}

export interface SenseHatOptions {
  sysfsRoot: string;
  readTimeoutMs: number;
  now?: () => number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100 + 0;
const xyz = ([x, y, z]: Vector, factor: number): Xyz => ({
  x: round2(x * factor),
  y: round2(y * factor),
  z: round2(z * factor),
});

/** Reads every chip on each call (a chip that comes back is used at once); concurrent calls share one read. */
export class SenseHat {
  private inFlight?: Promise<SenseHatReading>;

  constructor(private readonly options: SenseHatOptions) {}

  read(): Promise<SenseHatReading> {
    this.inFlight ??= this.readAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async readAll(): Promise<SenseHatReading> {
    const { sysfsRoot, readTimeoutMs } = this.options;
    const devices = await findIioDevices(sysfsRoot, readTimeoutMs);
    const missing: string[] = [];
    const errors: Record<string, string> = {};
    const attempt = async <T>(chip: string, read: (device: IioDevice) => Promise<T>) => {
      const device = devices.get(chip);
      if (!device) {
        missing.push(chip);
        return undefined;
      }
      try {
        return await read(device);
      } catch (error) {
        errors[chip] = error instanceof Error ? error.message : String(error);
        return undefined;
      }
    };
    const [humidity, pressure, accel, magn, cpu] = await Promise.all([
      // hts221 scales to °C and % (not the ABI's milli units): its scale is slope / (16|64 × 1000).
      attempt(SENSE_HAT_CHIPS.humidity, async (d) => ({
        percent: await d.channel('humidityrelative'),
        celsius: await d.channel('temp'),
      })),
      // st_pressure follows the ABI: kPa and milli °C.
      attempt(SENSE_HAT_CHIPS.pressure, async (d) => ({
        hpa: (await d.channel('pressure')) * 10,
        celsius: (await d.channel('temp')) / 1000,
      })),
      attempt(SENSE_HAT_CHIPS.accelerometer, (d) => d.vector('accel')),
      attempt(SENSE_HAT_CHIPS.magnetometer, (d) => d.vector('magn')),
      this.cpuCelsius(missing, errors),
    ]);
    if (!humidity && !pressure && !accel && !magn) {
      const detail = Object.keys(errors).length
        ? JSON.stringify(errors)
        : `no ${Object.values(SENSE_HAT_CHIPS).join(', ')} under ${join(sysfsRoot, 'bus/iio/devices')}`;
      throw new PimeshError(SENSE_HAT_UNAVAILABLE, {
        code: 'ERR_DEVICE_UNAVAILABLE',
        status: 503,
        cause: new Error(detail),
      });
    }
    return {
      sensors: sensorsFrom({ humidity, pressure, accel, magn, cpu }),
      missing,
      errors,
      last_update: (this.options.now?.() ?? Date.now()) / 1000,
    };
  }

  private async cpuCelsius(missing: string[], errors: Record<string, string>): Promise<number | undefined> {
    const file = join(this.options.sysfsRoot, 'class', 'thermal', CPU_THERMAL, 'temp');
    try {
      const text = await withTimeout(
        readFile(file, 'utf8'),
        this.options.readTimeoutMs,
        () => new DeviceTimeoutError(file, this.options.readTimeoutMs),
      );
      const milli = Number(text.trim());
      if (!Number.isFinite(milli) || text.trim() === '') throw new Error(`${file} is not a number`);
      return milli / 1000;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') missing.push(CPU_THERMAL);
      else errors[CPU_THERMAL] = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  }
}

interface Parts {
  humidity?: { percent: number; celsius: number };
  pressure?: { hpa: number; celsius: number };
  accel?: Vector;
  magn?: Vector;
  cpu?: number;
}

function sensorsFrom({ humidity, pressure, accel, magn, cpu }: Parts): SenseHatSensors {
  const sensors: SenseHatSensors = {};
  const chipTemperatures = [humidity?.celsius, pressure?.celsius].filter((t) => t !== undefined);
  if (chipTemperatures.length) sensors.temperature_c = round2(chipTemperatures[0]);
  if (humidity) sensors.temperature_raw_humidity_c = round2(humidity.celsius);
  if (pressure) sensors.temperature_raw_pressure_c = round2(pressure.celsius);
  if (cpu !== undefined) sensors.temperature_cpu_c = round2(cpu);
  if (cpu !== undefined && chipTemperatures.length) {
    const avg = chipTemperatures.reduce((sum, t) => sum + t, 0) / chipTemperatures.length;
    sensors.temperature_corrected_c = round2(avg - (cpu - avg) / 2);
  }
  if (pressure) sensors.pressure_hpa = round2(pressure.hpa);
  if (humidity) sensors.humidity_percent = round2(humidity.percent);
  if (accel || magn) {
    const angles = orientation(accel, magn);
    sensors.orientation_degrees = Object.fromEntries(
      Object.entries(angles).map(([axis, value]) => [axis, round2(value) % 360]),
    );
  }
  if (accel) sensors.accelerometer_raw = xyz(accel, 1 / STANDARD_GRAVITY);
  if (magn) sensors.compass_raw = xyz(magn, 100);
  return sensors;
}
