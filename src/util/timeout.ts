/**
 * The one timeout helper: `work`, or the error `onTimeout()` makes once `ms` have passed. The work itself
 * is not cancelled (a blocked sysfs read stays blocked in the thread pool); only the caller stops
 * waiting. The timer does not keep the process alive.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
