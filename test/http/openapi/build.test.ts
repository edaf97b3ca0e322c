import Router from '@koa/router';
import test from 'ava';
import { z } from 'zod';
import { buildDocument, registeredRoutes } from '../../../src/http/openapi/document.js';
import type { Area } from '../../../src/http/openapi/types.js';

const INFO = { title: 't', version: '0', description: 'd' };
const area: Area = {
  tag: 'T',
  description: 'd',
  operations: [
    {
      method: 'get',
      path: '/things/:id',
      summary: 'One thing',
      query: z.object({ full: z.boolean().default(false) }),
      responses: { 200: { description: 'ok' } },
    },
  ],
};

test('a route without a catalog entry is listed without a summary and named in x-undocumented', (t) => {
  const router = new Router();
  router.get('/things/:id', () => {});
  router.post('/new-route', () => {});
  const doc = buildDocument(registeredRoutes(router.stack), [area], INFO) as {
    paths: Record<string, Record<string, { summary?: string; parameters?: unknown[] }>>;
    'x-undocumented'?: string[];
  };
  t.deepEqual(doc['x-undocumented'], ['POST /new-route']);
  t.is(doc.paths['/new-route']?.post?.summary, undefined);
  t.is(doc.paths['/things/{id}']?.get?.summary, 'One thing');
  t.deepEqual(doc.paths['/things/{id}']?.get?.parameters, [
    { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
    { name: 'full', in: 'query', required: false, schema: { type: 'boolean', default: false } },
  ]);
});

test('a catalog entry with no route is left out, and a pattern route documents only dispatched areas', (t) => {
  const router = new Router();
  router.all(/^\/things\/.*$/, () => {});
  const plain = buildDocument(registeredRoutes(new Router().stack), [area], INFO) as { paths: object };
  t.deepEqual(plain.paths, {});
  const notDispatched = buildDocument(registeredRoutes(router.stack), [area], INFO);
  t.deepEqual(notDispatched['x-undocumented'], ['ANY /^\\/things\\/.*$/']);
  const doc = buildDocument(registeredRoutes(router.stack), [{ ...area, dispatched: true }], INFO) as {
    paths: Record<string, unknown>;
  };
  t.deepEqual(Object.keys(doc.paths), ['/things/{id}']);
});
