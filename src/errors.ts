/**
 * Errors as classes with stable `code`s (got/p-retry style). HTTP maps them through `status`:
 * a domain error that names a status is answered with it; everything else is a 500.
 */
export class PimeshError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(message: string, options: { code: string; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status ?? 500;
  }
}

/** The configuration is invalid; `problems` lists every one of them as `path: message`. */
export class ConfigError extends PimeshError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`, { code: 'ERR_CONFIG' });
    this.problems = problems;
  }
}

/** A device or service the request needs is not there (no port, no daemon, not configured): 503. */
export class DeviceUnavailableError extends PimeshError {
  readonly device: string;

  constructor(device: string, reason: string, cause?: unknown) {
    super(`${device} unavailable: ${reason}`, { code: 'ERR_DEVICE_UNAVAILABLE', status: 503, cause });
    this.device = device;
  }
}

/** A device did not answer in time: 503 as well, but retryable. */
export class DeviceTimeoutError extends PimeshError {
  readonly device: string;
  readonly timeoutMs: number;

  constructor(device: string, timeoutMs: number) {
    super(`${device} did not answer within ${timeoutMs} ms`, { code: 'ERR_DEVICE_TIMEOUT', status: 503 });
    this.device = device;
    this.timeoutMs = timeoutMs;
  }
}

/** A device answered with something that is not a valid frame (bad CRC, wrong length, wrong slave). */
export class DeviceProtocolError extends PimeshError {
  readonly device: string;

  constructor(device: string, message: string, code = 'ERR_DEVICE_PROTOCOL') {
    super(`${device}: ${message}`, { code, status: 503 });
    this.device = device;
  }
}

/** Bad input from a client: 400 with a message naming what is wrong. */
export class InputError extends PimeshError {
  constructor(message: string, status = 400) {
    super(message, { code: 'ERR_INPUT', status });
  }
}
