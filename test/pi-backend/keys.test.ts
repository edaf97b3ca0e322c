import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { pino } from 'pino';
import request from 'supertest';
import { KeysFile } from '../../src/pi-backend/keys-file.js';
import { ADMIN_KEY, piBackendApp } from './app.js';

const post = (app: ReturnType<typeof piBackendApp>['app'], body: unknown, key: string | null = ADMIN_KEY) => {
  const req = request(app.callback()).post('/api/keys').set('Content-Type', 'application/json');
  if (key !== null) req.set('X-API-Key', key);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
};

const mode = (path: string) => statSync(path).mode & 0o777;

test('POST /api/keys saves the key in an owner-only file and never answers the value', async (t) => {
  const { app, dir } = piBackendApp();
  const res = await post(app, { key_name: 'GEMINI_API_KEY', key_value: 'AIzaSy-secret' });
  t.is(res.status, 200);
  t.deepEqual(res.body, { success: true, message: "Key 'GEMINI_API_KEY' saved." });
  t.false(res.text.includes('AIzaSy-secret'));
  const file = join(dir, 'API.keys');
  t.is(readFileSync(file, 'utf8'), '[API_KEYS]\nGEMINI_API_KEY=AIzaSy-secret\n');
  t.is(mode(file), 0o600);
  t.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('writing one key keeps the other keys and sections, replacing the same name in any case', async (t) => {
  const { app, dir } = piBackendApp();
  const file = join(dir, 'API.keys');
  writeFileSync(
    file,
    '[API_KEYS]\nopenweather_api_key = owm123\nGEMINI_API_KEY = YOUR_KEY_HERE\nWINDY_API_KEY = "w=1;2"\n\n[OTHER]\nx = 1\n',
    { mode: 0o600 },
  );
  t.is((await post(app, { key_name: 'GEMINI_API_KEY', key_value: 'abc' })).status, 200);
  t.is((await post(app, { key_name: 'OPENWEATHER_API_KEY', key_value: 'owm456' })).status, 200);
  const keys = new KeysFile(file);
  t.is(await keys.get('GEMINI_API_KEY'), 'abc');
  t.is(await keys.get('OPENWEATHER_API_KEY'), 'owm456');
  t.is(await keys.get('WINDY_API_KEY'), 'w=1;2');
  t.deepEqual((await keys.names()).sort(), ['GEMINI_API_KEY', 'OPENWEATHER_API_KEY', 'WINDY_API_KEY']);
  t.regex(readFileSync(file, 'utf8'), /\[OTHER\]\nx=1/);
  t.is(mode(file), 0o600);
});

test('values with INI metacharacters survive a write and a read', async (t) => {
  const { app, dir } = piBackendApp();
  const value = 'a;b#c="d" [e] \\f =g';
  t.is((await post(app, { key_name: 'ODD_KEY', key_value: value })).status, 200);
  t.is((await post(app, { key_name: 'OTHER_KEY', key_value: ' padded ' })).status, 200);
  const keys = new KeysFile(join(dir, 'API.keys'));
  t.is(await keys.get('ODD_KEY'), value);
  t.is(await keys.get('OTHER_KEY'), ' padded ');
});

test('a keys file readable by others is tightened to 0600 and a warning is logged', async (t) => {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const { app, dir } = piBackendApp({ log });
  const file = join(dir, 'API.keys');
  writeFileSync(file, '[API_KEYS]\nA_KEY = a\n');
  chmodSync(file, 0o644);
  t.is((await post(app, { key_name: 'B_KEY', key_value: 'b' })).status, 200);
  t.is(mode(file), 0o600);
  t.true(lines.some((l) => l.includes('tightened to 0600') && l.includes('"mode":"644"')));
  chmodSync(file, 0o640);
  t.is(await new KeysFile(file).get('A_KEY'), 'a');
  t.is(mode(file), 0o600, 'a read tightens it too');
});

test('the placeholder YOUR_KEY_HERE and empty values read as no key', async (t) => {
  const { dir } = piBackendApp();
  const file = join(dir, 'API.keys');
  writeFileSync(file, '[API_KEYS]\nA = YOUR_KEY_HERE\nB =\n', { mode: 0o600 });
  const keys = new KeysFile(file);
  t.is(await keys.get('A'), undefined);
  t.is(await keys.get('B'), undefined);
  t.is(await keys.get('C'), undefined);
});

test('POST /api/keys needs the admin key: 401 without it, 403 with a wrong one, nothing written', async (t) => {
  const { app, dir } = piBackendApp();
  const none = await post(app, { key_name: 'A_KEY', key_value: 'x' }, null);
  t.is(none.status, 401);
  t.is(typeof none.body.error, 'string');
  const wrong = await post(app, { key_name: 'A_KEY', key_value: 'x' }, 'not-the-key');
  t.is(wrong.status, 403);
  t.regex(wrong.body.error, /wrong admin key/);
  t.false(existsSync(join(dir, 'API.keys')));
});

test('a node without an admin key refuses POST /api/keys and POST /api/data (503), writing nothing', async (t) => {
  const { app, dir } = piBackendApp({ adminKey: null });
  t.is((await post(app, { key_name: 'A_KEY', key_value: 'x' })).status, 503);
  const data = await request(app.callback())
    .post('/api/data')
    .set('X-API-Key', ADMIN_KEY)
    .send({ data: 'x' });
  t.is(data.status, 503);
  t.deepEqual(readdirSync(dir), []);
});

for (const [title, body, field] of [
  ['a missing key_name', { key_value: 'x' }, /key_name is required/],
  ['a missing key_value', { key_name: 'A_KEY' }, /key_value is required/],
  ['an empty key_value', { key_name: 'A_KEY', key_value: '' }, /key_value is required/],
  ['a lower-case key_name', { key_name: 'a_key', key_value: 'x' }, /key_name must be/],
  ['a key_name with a bracket', { key_name: 'A]B', key_value: 'x' }, /key_name must be/],
  [
    'a key_value with a newline',
    { key_name: 'A_KEY', key_value: 'x\n[EVIL]\ny=1' },
    /key_value must not contain line breaks/,
  ],
  [
    'a key_value over 4096 characters',
    { key_name: 'A_KEY', key_value: 'x'.repeat(4097) },
    /key_value is over 4096/,
  ],
  ['a number as key_value', { key_name: 'A_KEY', key_value: 5 }, /key_value is required/],
  ['a body that is not JSON', '{"key_name": "A_KEY",', /must be JSON/],
  ['a JSON array', '[1]', /must be a JSON object/],
] as const) {
  test(`POST /api/keys with ${title} is a 400 naming the field, nothing written`, async (t) => {
    const { app, dir } = piBackendApp();
    const res = await post(app, body);
    t.is(res.status, 400);
    t.regex(res.body.error, field);
    t.false(existsSync(join(dir, 'API.keys')));
  });
}

test('concurrent writes of different keys keep every key', async (t) => {
  const { dir } = piBackendApp();
  const keys = new KeysFile(join(dir, 'API.keys'));
  await Promise.all(Array.from({ length: 10 }, (_, i) => keys.set(`KEY_${i}`, `value-${i}`)));
  t.is((await keys.names()).length, 10);
  t.is(await keys.get('KEY_7'), 'value-7');
});
