/**
 * Who may write detections (and, with `readsPublic` off, read them): the shared key (PIMESH_DETECTIONS_KEY
 * or its bcrypt hash) writes anything; an agent's own key (`agentKeys`) writes only that agent's
 * detections and device; reads take any of them. Every check goes through the node's failure
 * limiter (src/auth): an address with too many wrong keys is refused (429) before its key is looked at.
 */
import { FailureLimiter } from '../../auth/failure-limiter.js';
import { type KeyChecker, KeyGuard } from '../../auth/key-guard.js';
import { SecretKey } from '../../auth/secret-key.js';

export interface DetectionKeysOptions {
  key?: string;
  keyHash?: string;
  /** device_id → that agent's key. */
  agentKeys?: Record<string, string>;
  readsPublic?: boolean;
  /** Shared with the node's other keys, so wrong guesses count together (default: one of its own). */
  limiter?: FailureLimiter;
}

/** What a request wants to do: write as an agent, write settings, or read. */
export type KeyScope = { write: 'agent'; deviceId: string } | { write: 'settings' } | { read: true };

const anyOf = (checkers: KeyChecker[]): KeyChecker => ({
  async verify(candidate) {
    for (const c of checkers) if (await c.verify(candidate)) return true;
    return false;
  },
});

export class DetectionKeys {
  readonly readsPublic: boolean;
  readonly #shared: SecretKey;
  readonly #agents = new Map<string, SecretKey>();
  readonly #limiter: FailureLimiter;
  readonly #guards = new Map<string, KeyGuard>();

  constructor(options: DetectionKeysOptions = {}) {
    this.#shared = new SecretKey({ key: options.key, keyHash: options.keyHash });
    for (const [deviceId, key] of Object.entries(options.agentKeys ?? {})) {
      this.#agents.set(deviceId, new SecretKey({ key }));
    }
    this.readsPublic = options.readsPublic ?? true;
    this.#limiter = options.limiter ?? new FailureLimiter();
  }

  /** Whether any key is configured (without one, every write is refused). */
  configured(): boolean {
    return this.#shared.configured() || this.#agents.size > 0;
  }

  /** Whether `scope` needs a key at all. */
  needed(scope: KeyScope): boolean {
    return !('read' in scope) || !this.readsPublic;
  }

  /** One guard per scope, so each checks the keys that scope accepts. */
  #guard(scope: KeyScope): KeyGuard {
    const own = 'write' in scope && scope.write === 'agent' ? this.#agents.get(scope.deviceId) : undefined;
    // Agents without a key of their own share the settings guard: the map stays as small as the config.
    const name =
      'read' in scope ? 'read' : own ? `agent:${(scope as { deviceId: string }).deviceId}` : 'shared';
    let guard = this.#guards.get(name);
    if (!guard) {
      const checker =
        name === 'read'
          ? anyOf([this.#shared, ...this.#agents.values()])
          : own
            ? anyOf([this.#shared, own])
            : this.#shared;
      guard = new KeyGuard(checker, this.#limiter, 'detections key');
      this.#guards.set(name, guard);
    }
    return guard;
  }

  /** Throws RateLimitedError (429) while `addr` has too many wrong keys. */
  refuseIfBlocked(addr: string): Promise<void> {
    return this.#guard({ write: 'settings' }).refuseIfBlocked(addr);
  }

  /** Whether `candidate` may do `scope`; a wrong key counts against `addr`. */
  check(addr: string, candidate: string, scope: KeyScope): Promise<boolean> {
    return this.#guard(scope).check(addr, candidate);
  }
}
