import type Router from '@koa/router';
import type { Context } from 'koa';
import { InputError } from '../../errors.js';
import { dataBody, keyBody } from '../../pi-backend/api-schemas.js';
import { MAX_DATA_BYTES } from '../../pi-backend/data-store.js';
import type { PiBackend } from '../../pi-backend/index.js';
import { locationData, parseModules } from '../../pi-backend/location-data.js';
import { parseServices, weatherData } from '../../pi-backend/weather.js';
import { VERSION } from '../../version.js';
import { requireAdmin } from '../admin-auth.js';
import { flatErrorMiddleware } from '../errors.js';
import { readJsonObject } from '../json-body.js';
import { parseInput } from '../validate.js';

/** The pi_backend API version its clients check. */
export const PI_BACKEND_VERSION = '2.2.0';

/** A JSON-escaped 64 KiB string can take up to six bytes per byte. */
const MAX_DATA_BODY = MAX_DATA_BYTES * 6 + 1024;
const MAX_KEYS_BODY = 16 * 1024;
const MAX_LIST_LIMIT = 100_000;

/** One query parameter as a string (a repeated one is a 400 naming it). */
export function queryParam(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw new InputError(`${name} must be given once`);
  return value;
}

/** `?limit=`: a whole number from 1 to `max`, or undefined when absent. */
export function limitParam(ctx: Context, max: number): number | undefined {
  const raw = queryParam(ctx, 'limit');
  if (raw === undefined) return undefined;
  const limit = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= max)) throw new InputError(`limit must be a whole number from 1 to ${max}`);
  return limit;
}

/**
 * The pi_backend v2.2.0 endpoints that need no hardware driver. Errors are flat (`{"error": "..."}`),
 * as pi_backend's clients read them. Reading is public; `POST /api/keys` and `POST /api/data` need the
 * node's admin key in `X-API-Key`.
 */
export function piBackendRoutes(router: Router, deps: PiBackend): void {
  const admin = requireAdmin(deps.adminKey);

  router.get('/api/version', flatErrorMiddleware, (ctx) => {
    ctx.set('X-Pimesh-Version', VERSION);
    ctx.body = { version: PI_BACKEND_VERSION };
  });

  router.post('/api/keys', flatErrorMiddleware, admin, async (ctx) => {
    const body = await readJsonObject(
      ctx,
      MAX_KEYS_BODY,
      '{"key_name": "GEMINI_API_KEY", "key_value": "..."}',
    );
    const { key_name: name, key_value: value } = parseInput(keyBody, body);
    await deps.keys.set(name, value);
    ctx.body = { success: true, message: `Key '${name}' saved.` };
  });

  router.get('/api/hardware/cpu', flatErrorMiddleware, async (ctx) => {
    ctx.body = await deps.system.cpu();
  });

  router.get('/api/hardware/memory', flatErrorMiddleware, async (ctx) => {
    ctx.body = await deps.system.memory();
  });

  router.post('/api/data', flatErrorMiddleware, admin, async (ctx) => {
    const body = await readJsonObject(ctx, MAX_DATA_BODY, '{"data": "your_string_here"}');
    const entry = await deps.data.add(parseInput(dataBody, body).data);
    ctx.status = 201;
    ctx.body = { success: true, id: entry.id, timestamp: entry.timestamp };
  });

  router.get('/api/data', flatErrorMiddleware, async (ctx) => {
    ctx.body = await deps.data.list(limitParam(ctx, MAX_LIST_LIMIT));
  });

  router.get('/api/location-data', flatErrorMiddleware, async (ctx) => {
    const modules = parseModules(queryParam(ctx, 'modules'));
    ctx.body = await locationData(locationQuery(ctx), modules, deps.weather);
  });

  router.get('/api/weather-data', flatErrorMiddleware, async (ctx) => {
    const services = parseServices(queryParam(ctx, 'services'));
    ctx.body = await weatherData(locationQuery(ctx), services, deps.weather);
  });
}

function locationQuery(ctx: Context) {
  return { location: queryParam(ctx, 'location'), lat: queryParam(ctx, 'lat'), lon: queryParam(ctx, 'lon') };
}
