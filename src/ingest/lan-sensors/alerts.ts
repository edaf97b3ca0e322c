/**
 * A reading that turns `critical` (per key, on the transition, not on every frame): a warning in the
 * log (bounded per key by a LogThrottle, so a flapping sensor cannot flood it), a counter, and when a
 * webhook is configured a JSON POST retried with backoff. At most one request per key is in flight and
 * `maxConcurrent` in all; a key's newer alert replaces its waiting one; beyond `maxPending` waiting
 * keys an alert is dropped and counted.
 */
import pRetry, { AbortError } from 'p-retry';
import { PimeshError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import {
  type BoundedRequestOptions,
  type BoundedResponse,
  boundedRequest,
  KiB,
} from '../../util/bounded-request.js';
import type { LiveStatusChange } from './live.js';

export interface AlertsOptions {
  log: Logger;
  webhookUrl?: string;
  /** One attempt, the whole exchange (default 5 s). */
  timeoutMs?: number;
  /** Attempts after the first (default 3), 1 s, 2 s, 4 s apart (randomised). */
  retries?: number;
  minRetryMs?: number;
  maxConcurrent?: number;
  maxPending?: number;
  /** For tests: the one HTTP request function (default boundedRequest). */
  request?: (url: string, options: BoundedRequestOptions) => Promise<BoundedResponse>;
}

export interface AlertCounters {
  /** Transitions into critical since start. */
  critical: number;
  webhook: { sent: number; failed: number; dropped: number; inFlight: number; pending: number } | null;
}

/** The webhook answered with a status that is not a 2xx. */
export class WebhookError extends PimeshError {
  readonly statusCode: number;

  constructor(statusCode: number) {
    super(`the alert webhook answered ${statusCode}`, { code: 'ERR_SENSORS_WEBHOOK', status: 502 });
    this.statusCode = statusCode;
  }
}

/** An answer this small is all a webhook needs to say. */
const MAX_ANSWER_BYTES = 16 * KiB;

export class Alerts {
  readonly #options: AlertsOptions;
  readonly #throttle: LogThrottle;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Map<string, LiveStatusChange>();
  readonly #abort = new AbortController();
  readonly #running = new Set<Promise<void>>();
  #critical = 0;
  #sent = 0;
  #failed = 0;
  #dropped = 0;

  constructor(options: AlertsOptions) {
    this.#options = options;
    this.#throttle = new LogThrottle(options.log);
  }

  /** A key's reading turned critical. */
  critical(change: LiveStatusChange): void {
    this.#critical++;
    this.#throttle.warn(
      `critical:${change.ip_id}`,
      { ip_id: change.ip_id, sensor: change.sensor, value: change.value, from: change.from },
      `sensor ${change.ip_id} (${change.sensor}) is critical`,
    );
    if (!this.#options.webhookUrl || this.#abort.signal.aborted) return;
    const maxPending = this.#options.maxPending ?? 100;
    if (!this.#pending.has(change.ip_id) && this.#pending.size >= maxPending) {
      this.#dropped++;
      return;
    }
    // Map order is arrival order: a key already waiting keeps its place with the newer alert.
    this.#pending.set(change.ip_id, change);
    this.#next();
  }

  #next(): void {
    const maxConcurrent = this.#options.maxConcurrent ?? 4;
    for (const [key, change] of this.#pending) {
      if (this.#inFlight.size >= maxConcurrent) return;
      if (this.#inFlight.has(key)) continue;
      this.#pending.delete(key);
      this.#inFlight.add(key);
      const run = this.#post(change).finally(() => {
        this.#inFlight.delete(key);
        this.#running.delete(run);
        this.#next();
      });
      this.#running.add(run);
    }
  }

  async #post(change: LiveStatusChange): Promise<void> {
    const url = this.#options.webhookUrl as string;
    const request = this.#options.request ?? boundedRequest;
    const body = JSON.stringify({
      event: 'critical',
      ...change,
      at: new Date(change.time * 1000).toISOString(),
    });
    const signal = this.#abort.signal;
    try {
      await pRetry(
        async () => {
          const answer = await this.#attempt(request, url, body);
          if (answer.statusCode >= 200 && answer.statusCode < 300) return;
          const error = new WebhookError(answer.statusCode);
          // A 4xx other than a timeout or a rate limit will not change by asking again.
          const final = answer.statusCode < 500 && answer.statusCode !== 408 && answer.statusCode !== 429;
          throw final ? new AbortError(error) : error;
        },
        {
          retries: this.#options.retries ?? 3,
          minTimeout: this.#options.minRetryMs ?? 1000,
          factor: 2,
          randomize: true,
          signal,
        },
      );
      this.#sent++;
    } catch (error) {
      if (signal.aborted) return;
      this.#failed++;
      // Not the error itself: got's carries the options, the URL with any token in it.
      const { code, message } = error as { code?: string; message?: string };
      this.#throttle.error('webhook', { code, ip_id: change.ip_id }, `alert webhook failed: ${message}`);
    }
  }

  /**
   * One request, cancelled by stop(). Each attempt gets a signal of its own: got keeps its abort
   * listener after the request has ended, and aborting a finished request would throw uncaught.
   */
  async #attempt(
    request: NonNullable<AlertsOptions['request']>,
    url: string,
    body: string,
  ): Promise<BoundedResponse> {
    const attempt = new AbortController();
    const cancel = () => attempt.abort();
    this.#abort.signal.addEventListener('abort', cancel, { once: true });
    try {
      return await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        timeoutMs: this.#options.timeoutMs ?? 5000,
        maxBytes: MAX_ANSWER_BYTES,
        signal: attempt.signal,
      });
    } finally {
      this.#abort.signal.removeEventListener('abort', cancel);
    }
  }

  counters(): AlertCounters {
    return {
      critical: this.#critical,
      webhook: this.#options.webhookUrl
        ? {
            sent: this.#sent,
            failed: this.#failed,
            dropped: this.#dropped,
            inFlight: this.#inFlight.size,
            pending: this.#pending.size,
          }
        : null,
    };
  }

  /** Cancels what is in flight and waiting. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#pending.clear();
    await Promise.allSettled([...this.#running]);
    this.#throttle.flush();
  }
}
