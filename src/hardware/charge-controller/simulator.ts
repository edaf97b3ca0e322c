import { readingFromRegisters } from './registers.js';
import type { ChargeController, TracerReading } from './types.js';

export interface SimulatorOptions {
  latitude: number;
  longitude: number;
  /** Panel peak power in watts. */
  pvWatts?: number;
  /** Nominal system voltage; voltages scale with pvVolts / 12. */
  pvVolts?: number;
}

const RAD = Math.PI / 180;

/** Sun elevation in degrees at `date` for a place (NOAA general solar position approximation). */
export function solarElevation(date: Date, latitude: number, longitude: number): number {
  const { minutesOfDay, dayOfYear, daysInYear } = utcParts(date);
  const gamma = ((2 * Math.PI) / daysInYear) * (dayOfYear - 1 + (minutesOfDay / 60 - 12) / 24);
  const eqTime =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(gamma) -
      0.032077 * Math.sin(gamma) -
      0.014615 * Math.cos(2 * gamma) -
      0.040849 * Math.sin(2 * gamma));
  const decl =
    0.006918 -
    0.399912 * Math.cos(gamma) +
    0.070257 * Math.sin(gamma) -
    0.006758 * Math.cos(2 * gamma) +
    0.000907 * Math.sin(2 * gamma) -
    0.002697 * Math.cos(3 * gamma) +
    0.00148 * Math.sin(3 * gamma);
  const trueSolarMinutes = minutesOfDay + eqTime + 4 * longitude;
  const hourAngle = (trueSolarMinutes / 4 - 180) * RAD;
  const lat = latitude * RAD;
  const cosZenith = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
  return 90 - Math.acos(Math.max(-1, Math.min(1, cosZenith))) / RAD;
}

function utcParts(date: Date) {
  const year = date.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const dayOfYear = Math.floor((date.getTime() - startOfYear) / 86_400_000) + 1;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const minutesOfDay = date.getUTCHours() * 60 + date.getUTCMinutes() + date.getUTCSeconds() / 60;
  return { minutesOfDay, dayOfYear, daysInYear: leap ? 366 : 365 };
}

/** FNV-1a of a string, mapped to [0, 1). */
function hashUnit(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

/** Clear-sky factor of a (UTC) day, 0.3 (overcast) to 1 (clear): a hash of YYYY-MM-DD. */
export function cloudFactor(date: Date): number {
  return 0.3 + 0.7 * hashUnit(date.toISOString().slice(0, 10));
}

/** Local solar hour 0-24 (mean solar time from the longitude). */
function solarHour(date: Date, longitude: number): number {
  const hours = (date.getTime() / 3_600_000 + longitude / 15) % 24;
  return hours < 0 ? hours + 24 : hours;
}

/** State of charge 0.35-0.95: lowest at solar 07:00, rising until 16:00, falling through the night. */
export function stateOfCharge(date: Date, longitude: number): number {
  const h = solarHour(date, longitude);
  const sinceLow = (h - 7 + 24) % 24;
  const progress = sinceLow <= 9 ? (1 - Math.cos((Math.PI * sinceLow) / 9)) / 2 : 1 - (sinceLow - 9) / 15;
  return 0.35 + 0.6 * progress;
}

const reg = (value: number) => Math.max(0, Math.min(0xffff, Math.round(value * 100)));

/** A deterministic solar day for development and demos: the same instant always gives the same reading. */
export class SimulatedChargeController implements ChargeController {
  readonly kind = 'simulator' as const;
  readonly simulated = true;
  readonly description: string;
  private readonly latitude: number;
  private readonly longitude: number;
  private readonly pvWatts: number;
  private readonly scale: number;

  constructor(options: SimulatorOptions) {
    this.latitude = options.latitude;
    this.longitude = options.longitude;
    this.pvWatts = options.pvWatts ?? 50;
    this.scale = (options.pvVolts ?? 12) / 12;
    this.description = `simulator (lat ${this.latitude}, long ${this.longitude}, ${this.pvWatts} W)`;
  }

  async read(now: Date = new Date()): Promise<TracerReading> {
    return readingFromRegisters(...this.registersAt(now));
  }

  /** The two register blocks (0x3100 x16, 0x311A x2) the real controller would answer at `now`. */
  registersAt(now: Date): [number[], number[]] {
    const sinElevation = Math.sin(solarElevation(now, this.latitude, this.longitude) * RAD);
    const pvPower = this.pvWatts * Math.max(0, sinElevation) * cloudFactor(now);
    // Near open circuit in daylight (17-21 V for 12 V), a little leakage voltage in twilight, 0 at night.
    const pvVoltage =
      this.scale *
      (sinElevation > 0 ? 17 + 4 * Math.min(1, sinElevation / 0.5) : Math.max(0, 1.5 + 30 * sinElevation));
    const soc = stateOfCharge(now, this.longitude);
    const batteryVoltage = this.scale * (11.8 + 2 * soc + (pvPower > 0 ? 0.1 : 0));
    const batteryPower = pvPower * 0.95;
    const loadPower = 2.5 + 0.5 * Math.sin((now.getTime() / 60_000) * 0.05);

    const pvV = reg(pvVoltage);
    const pvP = reg(pvPower);
    const batV = reg(batteryVoltage);
    const batP = reg(batteryPower);
    const loadP = reg(loadPower);
    // Currents from the rounded registers, as a meter would: I = P / V.
    const current = (power: number, voltage: number) =>
      voltage > 0 ? Math.round((power / voltage) * 100) : 0;
    const block3100 = new Array<number>(16).fill(0);
    block3100[0] = pvV;
    block3100[1] = current(pvP, pvV);
    block3100[2] = pvP;
    block3100[3] = 0;
    block3100[4] = batV;
    block3100[5] = current(batP, batV);
    block3100[6] = batP;
    block3100[7] = 0;
    block3100[8] = batV;
    block3100[9] = current(loadP, batV);
    block3100[10] = loadP;
    return [block3100, [Math.round(soc * 100), 0]];
  }

  async close(): Promise<void> {}
}
