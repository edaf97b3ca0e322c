/**
 * The API catalog: what each route is, its parameters (zod schemas, the same ones the routes that
 * validate with zod use) and its answers. One file per area in this directory; the document
 * (/openapi.json) is built from the routes the app registered, each looked up here.
 */
import type { z } from 'zod';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** X-API-Key: the node's admin key or a key of the detections API; the metrics bearer token. */
export type Security = 'adminKey' | 'detectionsKey' | 'metricsToken';

/** One answer: its description, content type and (for JSON) its shape when known. */
export interface Reply {
  description: string;
  /** Content type; absent: no body. */
  type?: string;
  schema?: z.ZodType;
}

export interface Operation {
  method: Method;
  /** The path as the route registers it (`/api/v1/devices/:id`). */
  path: string;
  summary: string;
  description?: string;
  /** Query parameters, one per key of the object. */
  query?: z.ZodObject;
  /** Path parameters (`:id`); absent: each is a string. */
  params?: z.ZodObject;
  body?: { schema: z.ZodType; type?: string; description?: string };
  /** Any one of these keys is accepted (absent: public). */
  security?: Security[];
  responses: Record<number, Reply>;
}

/** A route answering every method (`router.all`): documented as its path item's summary. */
export interface AnyMethod {
  path: string;
  summary: string;
  description?: string;
}

export interface Area {
  /** The tag of every operation of the area. */
  tag: string;
  description: string;
  operations: Operation[];
  anyMethod?: AnyMethod[];
  /**
   * The area's module may answer these paths under one pattern route (a RegExp path) instead of a
   * route each: a pattern route documents the area's operations whose path it matches.
   */
  dispatched?: boolean;
  /**
   * Endpoints served outside the router (a WebSocket upgrade): documented whenever another
   * operation of the area is.
   */
  unrouted?: Operation[];
}
