/**
 * The OpenAPI 3.1 document of an app, built from the routes its router registered (`router.stack`)
 * and the catalog: every registered route is in it, documented or flagged, so the document cannot
 * drift from what the node serves. Parameters and bodies are the catalog's zod schemas as JSON
 * Schema (2020-12, OpenAPI 3.1's dialect).
 */
import { z } from 'zod';
import type { Area, Method, Operation, Reply } from './types.js';

/** What the builder reads of a router layer (`@koa/router`'s Layer). */
export interface RouteLayer {
  path: string | RegExp;
  methods: string[];
}

export type RegisteredRoute =
  | { kind: 'operation'; method: Method; path: string }
  | { kind: 'any'; path: string }
  | { kind: 'pattern'; pattern: RegExp };

const METHODS: readonly Method[] = ['get', 'post', 'put', 'patch', 'delete'];

/** The routes of a router's stack: middleware layers (no method) are not routes. */
export function registeredRoutes(stack: readonly RouteLayer[]): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  for (const layer of stack) {
    const methods = layer.methods.map((m) => m.toLowerCase());
    if (methods.length === 0) continue;
    if (layer.path instanceof RegExp) {
      routes.push({ kind: 'pattern', pattern: layer.path });
    } else if (METHODS.every((m) => methods.includes(m))) {
      routes.push({ kind: 'any', path: layer.path });
    } else {
      for (const method of METHODS) {
        if (methods.includes(method)) routes.push({ kind: 'operation', method, path: layer.path });
      }
    }
  }
  return routes;
}

/** `/devices/:id` → `/devices/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
/** A path a pattern route would be asked for (`/devices/:id` → `/devices/id`). */
const samplePath = (path: string) => path.replace(/:(\w+)/g, '$1');
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/** A zod schema as JSON Schema 2020-12, as a client sends it (defaults are optional). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

function parameters(where: 'query' | 'path', schema: z.ZodObject | undefined, path: string) {
  const list: Record<string, unknown>[] = [];
  const shape = (schema?.shape ?? {}) as Record<string, z.ZodType>;
  if (where === 'path') {
    for (const [, name] of path.matchAll(/:(\w+)/g)) {
      const property = shape[name as string] ?? z.string();
      list.push({ name, in: 'path', required: true, ...described(property) });
    }
    return list;
  }
  for (const [name, property] of Object.entries(shape)) {
    const required = !property.safeParse(undefined).success;
    list.push({ name, in: 'query', required, ...described(property) });
  }
  return list;
}

function described(property: z.ZodType): { description?: string; schema: Record<string, unknown> } {
  const schema = jsonSchema(property);
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  return description ? { description, schema } : { schema };
}

function reply(r: Reply): Record<string, unknown> {
  if (!r.type) return { description: r.description };
  return {
    description: r.description,
    content: { [r.type]: r.schema ? { schema: jsonSchema(r.schema) } : {} },
  };
}

function operation(op: Operation, tag: string): Record<string, unknown> {
  const params = [...parameters('path', op.params, op.path), ...parameters('query', op.query, op.path)];
  return {
    tags: [tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => (c ?? '').toUpperCase())}`,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            ...(op.body.description ? { description: op.body.description } : {}),
            content: { [op.body.type ?? 'application/json']: { schema: jsonSchema(op.body.schema) } },
          },
        }
      : {}),
    ...(op.security ? { security: op.security.map((name) => ({ [name]: [] })) } : {}),
    responses: Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, reply(r)])),
  };
}

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
}

type PathItem = Record<string, unknown>;

/**
 * The document for `routes`: each route with its catalog entry; a pattern route (a module that
 * dispatches paths itself) with the catalog entries whose path it matches. A route the catalog does
 * not know is still listed, without a summary, and named in `x-undocumented`.
 */
export function buildDocument(
  routes: readonly RegisteredRoute[],
  areas: readonly Area[],
  info: DocumentInfo,
): Record<string, unknown> {
  const known = new Map<string, { op: Operation; tag: string }>();
  const dispatched = new Map<string, { op: Operation; tag: string }>();
  const anyKnown = new Map<string, { summary: string; description?: string }>();
  for (const area of areas) {
    for (const op of area.operations) {
      known.set(key(op.method, op.path), { op, tag: area.tag });
      if (area.dispatched) dispatched.set(key(op.method, op.path), { op, tag: area.tag });
    }
    for (const any of area.anyMethod ?? []) anyKnown.set(any.path, any);
  }
  const paths: Record<string, PathItem> = {};
  const item = (path: string) => {
    paths[openApiPath(path)] ??= {};
    return paths[openApiPath(path)] as PathItem;
  };
  const undocumented: string[] = [];
  const used = new Set<string>();
  const usedTags = new Set<string>();
  const add = (op: Operation, tag: string) => {
    used.add(key(op.method, op.path));
    usedTags.add(tag);
    item(op.path)[op.method] = operation(op, tag);
  };

  for (const route of routes) {
    if (route.kind === 'operation') {
      const id = key(route.method, route.path);
      if (used.has(id)) continue;
      const entry = known.get(id);
      if (entry) add(entry.op, entry.tag);
      else {
        undocumented.push(id);
        used.add(id);
        item(route.path)[route.method] = { responses: { default: { description: 'not documented' } } };
      }
    } else if (route.kind === 'any') {
      const any = anyKnown.get(route.path);
      const target = item(route.path);
      if (!any) undocumented.push(key('any', route.path));
      else {
        target.summary = any.summary;
        if (any.description) target.description = any.description;
      }
    }
  }
  for (const route of routes) {
    if (route.kind !== 'pattern') continue;
    let matched = false;
    for (const [id, { op, tag }] of dispatched) {
      if (!route.pattern.test(samplePath(op.path))) continue;
      matched = true;
      if (!used.has(id)) add(op, tag);
    }
    if (!matched) undocumented.push(key('any', String(route.pattern)));
  }
  for (const area of areas) {
    if (!usedTags.has(area.tag)) continue;
    for (const op of area.unrouted ?? []) add(op, area.tag);
  }

  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    tags: areas.filter((a) => usedTags.has(a.tag)).map((a) => ({ name: a.tag, description: a.description })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        adminKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: "The node's admin key (adminKey / PIMESH_ADMIN_KEY)",
        },
        detectionsKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: "A key of the detections API (an agent's, the settings key, or a read key)",
        },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The metrics token (metrics.token / PIMESH_METRICS_TOKEN), when one is set',
        },
      },
    },
    ...(undocumented.length > 0 ? { 'x-undocumented': undocumented } : {}),
  };
}
