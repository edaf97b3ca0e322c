import { Validator } from '@seriousme/openapi-schema-validator';
import test from 'ava';
import request from 'supertest';
import { CATALOG } from '../../../src/http/openapi/catalog.js';
import { openApiPath } from '../../../src/http/openapi/document.js';
import { fullNode } from '../../helpers/full-node.js';

type PathItem = Record<string, { summary?: string } | string | undefined>;
type Document = { paths: Record<string, PathItem>; 'x-undocumented'?: string[] } & Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
let node: Awaited<ReturnType<typeof fullNode>>;
let res: request.Response;
let doc: Document;
test.before(async () => {
  node = await fullNode();
  res = await request(node.handler).get('/openapi.json');
  doc = res.body as Document;
});
test.after.always(() => node?.stop());

test('a node with every feature on serves /openapi.json, valid OpenAPI 3.1 for a real validator', async (t) => {
  t.is(res.status, 200);
  t.regex(res.headers['content-type'], /^application\/json/);
  const validator = new Validator();
  const result = await validator.validate(doc as never);
  t.deepEqual(result.errors, undefined);
  t.true(result.valid);
  t.is(validator.version, '3.1');
});

test('every route the node registers is in the document with a summary: none is undocumented', (t) => {
  t.deepEqual(doc['x-undocumented'], undefined, 'routes without a catalog entry (src/http/openapi/)');
  let operations = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    const ops = METHODS.filter((m) => item[m] !== undefined);
    operations += ops.length;
    for (const m of ops) t.truthy((item[m] as { summary?: string }).summary, `${m} ${path}`);
    if (ops.length === 0) t.truthy(item.summary, `any method ${path}`);
  }
  t.true(operations > 60, `${operations} operations`);
});

test('every catalog entry matches a route the node registers', (t) => {
  for (const area of CATALOG) {
    for (const op of [...area.operations, ...(area.unrouted ?? [])]) {
      t.truthy(doc.paths[openApiPath(op.path)]?.[op.method], `${op.method} ${op.path}`);
    }
    for (const any of area.anyMethod ?? [])
      t.is(doc.paths[openApiPath(any.path)]?.summary, any.summary, any.path);
  }
});

test('the Solar Protocol endpoints are documented with their parameters', (t) => {
  const chargecontroller = doc.paths['/api/v1/chargecontroller.php']?.get as {
    parameters: { name: string }[];
    tags: string[];
  };
  t.deepEqual(chargecontroller.tags, ['Solar Protocol']);
  t.deepEqual(
    chargecontroller.parameters.map((p) => p.name),
    ['value', 'duration', 'line', 'day', 'systemInfo', 'networkInfo'],
  );
  t.truthy(doc.paths['/api/v1/api.php']?.post);
});

test('a zod body schema is in the document as JSON Schema, with the constraints the route checks', (t) => {
  const keys = doc.paths['/api/keys']?.post as unknown as {
    requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
    security: unknown[];
  };
  const schema = keys.requestBody.content['application/json']?.schema as {
    required: string[];
    properties: Record<string, { pattern?: string; maxLength?: number }>;
  };
  t.deepEqual(schema.required, ['key_name', 'key_value']);
  t.is(schema.properties.key_name?.pattern, '^[A-Z][A-Z0-9_]{0,63}$');
  t.is(schema.properties.key_value?.maxLength, 4096);
  t.deepEqual(keys.security, [{ adminKey: [] }]);
});

test('/openapi.json carries an ETag and answers 304 to a client that has it', async (t) => {
  const etag = res.headers.etag as string;
  t.truthy(etag);
  const again = await request(node.handler).get('/openapi.json').set('If-None-Match', etag);
  t.is(again.status, 304);
});

test('a node with the optional features off documents what it serves, nothing undocumented', async (t) => {
  const plain = await fullNode({ PIMESH_MDNS: 'off', PIMESH_SCHEDULE: 'off' });
  t.teardown(() => plain.stop());
  const body = (await request(plain.handler).get('/openapi.json')).body as Document;
  t.deepEqual(body['x-undocumented'], undefined);
  t.truthy(body.paths['/stats']?.get, 'the system monitor');
  t.truthy(body.paths['/api/v1/devices/{id}']?.get, 'the detections API, answering 503 while off');
  t.is(body.paths['/api/v1/devices/{id}/']?.summary, undefined, 'no redirect routes while off');
});

test('/api/system, the page without script, lists the same operations as the document', async (t) => {
  const page = await request(node.handler).get('/api/system');
  t.is(page.status, 200);
  for (const path of ['/api/sensors/latest', '/api/sensors/live', '/api/v1/chargecontroller.php', '/stats']) {
    t.true(page.text.includes(`href="${path}"`), path);
  }
  t.true(page.text.includes('<code>POST /api/keys</code> (admin)'));
  t.true(page.text.includes('<code>GET /api/v1/devices/{id}</code>'));
});
