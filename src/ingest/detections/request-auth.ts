/**
 * The key check of one request to the detections API or its WebSocket: the key comes in
 * `X-API-Key` (or `Authorization: Bearer`, what the original dashboard sends); 401 without one (or
 * with none configured on the node), 403 with a wrong one, 429 while the address is blocked.
 */
import { PimeshError } from '../../errors.js';
import type { DetectionKeys, KeyScope } from './keys.js';

export interface KeyedRequest {
  /** The client's address (the failure limit counts per address). */
  ip: string;
  header(name: string): string | undefined;
}

export class KeyRefusedError extends PimeshError {
  readonly headers: Record<string, string>;

  constructor(status: 401 | 403, message: string, code: string) {
    super(message, { code, status });
    this.headers = status === 401 ? { 'WWW-Authenticate': 'X-API-Key' } : {};
  }
}

export function presentedKey(request: KeyedRequest): string {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.header('authorization') ?? '')?.[1];
  return request.header('x-api-key') || bearer || '';
}

/** The key presented, or a 401/429; before a body is read, so refusals cost no parsing. */
export async function keyPresented(keys: DetectionKeys, request: KeyedRequest): Promise<string> {
  if (!keys.configured()) {
    throw new KeyRefusedError(
      401,
      'no detections key is configured on this node: set PIMESH_DETECTIONS_KEY (detections.key) or detections.agentKeys',
      'ERR_NO_DETECTIONS_KEY',
    );
  }
  await keys.refuseIfBlocked(request.ip);
  const key = presentedKey(request);
  if (!key)
    throw new KeyRefusedError(401, 'missing X-API-Key header (the detections key)', 'ERR_KEY_MISSING');
  return key;
}

/** Passes when `scope` needs no key or the key (`key`, else the request's) allows it. */
export async function authorize(
  keys: DetectionKeys,
  request: KeyedRequest,
  scope: KeyScope,
  key?: string,
): Promise<void> {
  if (!keys.needed(scope)) return;
  const presented = key ?? (await keyPresented(keys, request));
  if (!(await keys.check(request.ip, presented, scope))) {
    throw new KeyRefusedError(403, "wrong key in X-API-Key (or another agent's)", 'ERR_KEY_WRONG');
  }
}
