/**
 * The document of a running app, built once from its router on first request (the catalog and the
 * JSON Schema conversion are loaded only then) and kept with its ETag.
 */
import { createHash } from 'node:crypto';
import { VERSION } from '../../version.js';
import { CATALOG } from './catalog.js';
import { buildDocument, type RouteLayer, registeredRoutes } from './document.js';

export interface ServedDocument {
  document: Record<string, unknown>;
  json: string;
  etag: string;
}

const DESCRIPTION =
  'The HTTP API of this pimesh node: the Solar Protocol endpoints, the seed systems (pi_backend, ' +
  'piStat), the LAN sensors and the BLE detections. Generated from the routes the node registered and the schemas that validate their input.';

const built = new WeakMap<object, ServedDocument>();

export function documentOf(router: { stack: readonly RouteLayer[] }): ServedDocument {
  let served = built.get(router);
  if (!served) {
    const document = buildDocument(registeredRoutes(router.stack), CATALOG, {
      title: 'pimesh',
      version: VERSION,
      description: DESCRIPTION,
    });
    const json = JSON.stringify(document);
    const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
    served = { document, json, etag };
    built.set(router, served);
  }
  return served;
}
