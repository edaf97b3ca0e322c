import { readFileSync } from 'node:fs';
import type { PublicPeer } from './solar-query.js';

/**
 * Reads deviceList.json for the public `networkInfo=` answers (names, time zones, POE logs, stamps).
 * A missing or unreadable file is an empty network, never an error page.
 */
export function readPeerNames(path: string): PublicPeer[] | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(parsed)
      ? parsed.filter((p): p is PublicPeer => typeof p === 'object' && p !== null)
      : undefined;
  } catch {
    return undefined;
  }
}
