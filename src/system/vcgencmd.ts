/**
 * Pure parsers for `vcgencmd` output (Raspberry Pi firmware tool), with piStat's regular expressions.
 * Each answers `undefined` when the output does not match, so the caller omits the key.
 */

function match(out: string, pattern: RegExp): string | undefined {
  return pattern.exec(out)?.[1];
}

/** `measure_temp` → `temp=45.8'C` → 45.8 (°C). */
export function parseTemperature(out: string): number | undefined {
  const value = match(out, /temp=(\d+\.\d+)/);
  return value === undefined ? undefined : Number(value);
}

/** `get_mem gpu` → `gpu=76M` → 79691776 (bytes: MiB × 1048576). */
export function parseMemoryBytes(out: string): number | undefined {
  const value = match(out, /(\d+)M/);
  return value === undefined ? undefined : Number(value) * 1048576;
}

/** `measure_clock arm` → `frequency(48)=1500398464` → 1500398464 (Hz). */
export function parseClockHz(out: string): number | undefined {
  const value = match(out, /=(\d+)/);
  return value === undefined ? undefined : Number(value);
}

/** `measure_volts core` → `volt=1.2000V` → 1.2 (V). */
export function parseVolts(out: string): number | undefined {
  const value = match(out, /(\d+\.\d+)V/);
  return value === undefined ? undefined : Number(value);
}

/** `get_throttled` → `throttled=0x50005` → 0x50005. */
export function parseThrottled(out: string): number | undefined {
  const value = match(out, /0x([0-9a-fA-F]+)/);
  return value === undefined ? undefined : Number.parseInt(value, 16);
}

/** `version` → the whole output, trimmed (three lines: date, copyright, version hash). */
export function parseFirmware(out: string): string | undefined {
  const value = out.trim();
  return value === '' ? undefined : value;
}

/** Every documented bit of `get_throttled`, "now" (bits 0-3) and "has occurred since boot" (16-19). */
export interface ThrottledFlags {
  under_voltage_now: boolean;
  freq_capped_now: boolean;
  throttled_now: boolean;
  soft_temp_limit_now: boolean;
  under_voltage_occurred: boolean;
  freq_capped_occurred: boolean;
  throttled_occurred: boolean;
  soft_temp_limit_occurred: boolean;
  /** The value as vcgencmd prints it, e.g. `0x50005`. */
  raw: string;
}

const bit = (bits: number, n: number) => (bits & (1 << n)) !== 0;

export function decodeThrottled(bits: number): ThrottledFlags {
  return {
    under_voltage_now: bit(bits, 0),
    freq_capped_now: bit(bits, 1),
    throttled_now: bit(bits, 2),
    soft_temp_limit_now: bit(bits, 3),
    under_voltage_occurred: bit(bits, 16),
    freq_capped_occurred: bit(bits, 17),
    throttled_occurred: bit(bits, 18),
    soft_temp_limit_occurred: bit(bits, 19),
    raw: `0x${bits.toString(16)}`,
  };
}

/** piStat's three booleans: the current-state bits 0, 1 and 2 only (`0x50000` → all false). */
export function piStatThrottled(bits: number): {
  under_voltage: boolean;
  freq_capped: boolean;
  throttled: boolean;
} {
  return { under_voltage: bit(bits, 0), freq_capped: bit(bits, 1), throttled: bit(bits, 2) };
}
