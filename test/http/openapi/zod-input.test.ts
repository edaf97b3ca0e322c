import { readdirSync } from 'node:fs';
import test from 'ava';
import request from 'supertest';
import { z } from 'zod';
import { InputError } from '../../../src/errors.js';
import { parseInput } from '../../../src/http/validate.js';
import { dataBody, keyBody } from '../../../src/pi-backend/api-schemas.js';
import { ADMIN_KEY, piBackendApp } from '../../pi-backend/app.js';

const post = (app: ReturnType<typeof piBackendApp>['app'], path: string, body: unknown) =>
  request(app.callback())
    .post(path)
    .set('Content-Type', 'application/json')
    .set('X-API-Key', ADMIN_KEY)
    .send(JSON.stringify(body));

/** The message the schema itself gives for `value`: the route must answer exactly it. */
const schemaMessage = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error?.issues[0]?.message;

for (const [path, schema, body] of [
  ['/api/keys', keyBody, { key_name: 'lower_case', key_value: 'x' }],
  ['/api/keys', keyBody, { key_name: 'A_KEY', key_value: 'line\nbreak' }],
  ['/api/keys', keyBody, { key_name: 'A_KEY', key_value: 42 }],
  ['/api/data', dataBody, { data: ['not', 'a', 'string'] }],
  ['/api/data', dataBody, { other: 'field' }],
] as const) {
  test(`POST ${path} with ${JSON.stringify(body)} is a 400 with its schema's message, and writes nothing`, async (t) => {
    const { app, dir } = piBackendApp();
    const res = await post(app, path, body);
    t.is(res.status, 400);
    t.deepEqual(res.body, { error: schemaMessage(schema, body), code: 'ERR_INPUT' });
    t.deepEqual(readdirSync(dir), [], 'no file written');
  });
}

test('the same schemas accept what the routes store', async (t) => {
  const { app } = piBackendApp();
  t.is((await post(app, '/api/keys', { key_name: 'A_KEY', key_value: 'secret' })).status, 200);
  t.is((await post(app, '/api/data', { data: 'hello' })).status, 201);
});

test('parseInput names the field when the message does not, and keeps a message that does', (t) => {
  const schema = z.object({ limit: z.int().min(1), name: z.string({ error: 'name is required' }) });
  const unnamed = t.throws(() => parseInput(schema, { limit: 0, name: 'x' }), { instanceOf: InputError });
  t.regex(unnamed.message, /^limit: /);
  t.is(unnamed.status, 400);
  const named = t.throws(() => parseInput(schema, { limit: 1 }), { instanceOf: InputError });
  t.is(named.message, 'name is required');
  t.deepEqual(parseInput(schema, { limit: 2, name: 'x' }), { limit: 2, name: 'x' });
});
