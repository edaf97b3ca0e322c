/** The twelve measured columns of a Solar Protocol tracerData CSV, in file order (after `datetime`). */
export const TRACER_COLUMNS = [
  'PV voltage',
  'PV current',
  'PV power L',
  'PV power H',
  'battery voltage',
  'battery current',
  'battery power L',
  'battery power H',
  'load voltage',
  'load current',
  'load power',
  'battery percentage',
] as const;

export type TracerColumn = (typeof TRACER_COLUMNS)[number];

/** One sample: every column as the original computes it (register / 100; battery percentage a fraction 0-1). */
export type TracerReading = Record<TracerColumn, number>;

/** Where samples come from. Implemented by the Modbus RTU driver and by the simulator. */
export interface ChargeController {
  /** `tracer` for the real EPEver driver, `simulator` for the simulated solar day. */
  readonly kind: 'tracer' | 'simulator';
  /** True when the values are invented: every answer derived from them is marked as simulated. */
  readonly simulated: boolean;
  /** Human-readable source, e.g. `/dev/ttyUSB0 @115200 slave 1` or `simulator (40.65, -73.94, 50 W)`. */
  readonly description: string;
  /** Takes one sample. Rejects with a DeviceUnavailableError, DeviceTimeoutError or DeviceProtocolError. */
  read(now?: Date): Promise<TracerReading>;
  /** Releases the port. Safe to call twice. */
  close(): Promise<void>;
}
