/**
 * Linux IIO devices through sysfs (`<root>/bus/iio/devices/iio:deviceN/`): found by their `name`
 * file, channels read as `(in_<chan>_raw + offset) * scale` (Documentation/ABI/testing/sysfs-bus-iio).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceProtocolError, DeviceTimeoutError, DeviceUnavailableError } from '../../errors.js';
import { withTimeout } from '../../util/timeout.js';

export type Vector = [number, number, number];

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isMissing = (error: unknown) => (error as { code?: string }).code === 'ENOENT';

/** One IIO device directory. Every read has a timeout; a missing optional file is `undefined`. */
export class IioDevice {
  readonly label: string;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly timeoutMs: number,
  ) {
    this.label = `${name} (${dir})`;
  }

  /** The text of attribute `file`, trimmed, or undefined when the driver does not have it. */
  async attribute(file: string): Promise<string | undefined> {
    try {
      const text = await withTimeout(
        readFile(join(this.dir, file), 'utf8'),
        this.timeoutMs,
        () => new DeviceTimeoutError(this.label, this.timeoutMs),
      );
      return text.trim();
    } catch (error) {
      if (isMissing(error)) return undefined;
      if ((error as { code?: string }).code === 'ERR_DEVICE_TIMEOUT') throw error;
      throw new DeviceUnavailableError(this.label, `reading ${file}: ${reasonOf(error)}`, error);
    }
  }

  private async number(file: string): Promise<number | undefined> {
    const text = await this.attribute(file);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      throw new DeviceProtocolError(this.label, `${file} is not a number: ${JSON.stringify(text)}`);
    }
    return value;
  }

  /**
   * Channel `in_<type>[_<axis>]` in the driver's units: `_input` when the driver gives a processed
   * value, otherwise `(raw + offset) * scale` with offset and scale per channel or shared by type.
   */
  async channel(type: string, axis?: string): Promise<number> {
    const base = axis ? `in_${type}_${axis}` : `in_${type}`;
    const processed = await this.number(`${base}_input`);
    if (processed !== undefined) return processed;
    const raw = await this.number(`${base}_raw`);
    if (raw === undefined) throw new DeviceProtocolError(this.label, `no ${base}_raw`);
    const scale = (await this.number(`${base}_scale`)) ?? (await this.number(`in_${type}_scale`)) ?? 1;
    const offset = (await this.number(`${base}_offset`)) ?? (await this.number(`in_${type}_offset`)) ?? 0;
    return (raw + offset) * scale;
  }

  /** x, y, z of `type`, turned into the board's frame by the IIO mount matrix when the driver has one. */
  async vector(type: string): Promise<Vector> {
    const v: Vector = [
      await this.channel(type, 'x'),
      await this.channel(type, 'y'),
      await this.channel(type, 'z'),
    ];
    const matrix = parseMountMatrix(
      (await this.attribute(`in_${type}_mount_matrix`)) ??
        (await this.attribute('in_mount_matrix')) ??
        (await this.attribute('mount_matrix')),
    );
    if (!matrix) return v;
    return matrix.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]) as Vector;
  }
}

/** `"1, 0, 0; 0, 1, 0; 0, 0, 1"` → rows, or undefined when absent or malformed. */
export function parseMountMatrix(text: string | undefined): Vector[] | undefined {
  if (!text) return undefined;
  const rows = text.split(';').map((row) => row.split(',').map((cell) => Number(cell.trim())));
  if (rows.length !== 3 || rows.some((row) => row.length !== 3 || row.some((n) => !Number.isFinite(n)))) {
    return undefined;
  }
  return rows as Vector[];
}

/**
 * IIO devices under `<sysfsRoot>/bus/iio/devices`, by driver name (the first of each name).
 * No such directory (no IIO drivers loaded) is an empty map.
 */
export async function findIioDevices(sysfsRoot: string, timeoutMs: number): Promise<Map<string, IioDevice>> {
  const root = join(sysfsRoot, 'bus', 'iio', 'devices');
  let entries: string[];
  try {
    entries = await withTimeout(readdir(root), timeoutMs, () => new DeviceTimeoutError(root, timeoutMs));
  } catch (error) {
    if (isMissing(error) || (error as { code?: string }).code === 'ENOTDIR') return new Map();
    throw error;
  }
  const devices = new Map<string, IioDevice>();
  const named = await Promise.all(
    entries
      .filter((entry) => /^iio:device\d+$/.test(entry))
      .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)))
      .map(async (entry) => {
        const probe = new IioDevice(entry, join(root, entry), timeoutMs);
        const name = await probe.attribute('name').catch(() => undefined);
        return name ? new IioDevice(name, probe.dir, timeoutMs) : undefined;
      }),
  );
  for (const device of named) if (device && !devices.has(device.name)) devices.set(device.name, device);
  return devices;
}
