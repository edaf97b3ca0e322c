import { DeviceTimeoutError } from '../errors.js';

/**
 * `work`, or a DeviceTimeoutError naming `device` after `ms`. The work itself is not cancelled (a
 * blocked sysfs read stays blocked in the thread pool); only the caller stops waiting for it.
 */
export function withTimeout<T>(work: Promise<T>, device: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeviceTimeoutError(device, ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
