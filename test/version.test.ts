/**
 * One version string: pimesh's, in package.json, `pimesh --version`, /api/status, /health and the
 * X-Pimesh-Version header. The one exception is /api/version's body, pi_backend's 2.2.0, kept for
 * pi_backend's clients (the header beside it says pimesh's).
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import request from 'supertest';
import { VERSION } from '../src/version.js';
import { fullNode } from './helpers/full-node.js';
import { runCli } from './helpers/pimesh-process.js';

test('every answer that names a version names pimesh’s, except /api/version’s body', async (t) => {
  const packageVersion = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ).version;
  t.is(VERSION, packageVersion);
  t.is((await runCli(['--version'], {})).stdout.trim(), VERSION);
  const node = await fullNode();
  t.teardown(() => node.stop());
  t.is((await request(node.handler).get('/api/status')).body.version, VERSION);
  t.is((await request(node.handler).get('/health')).body.version, VERSION);
  const piBackend = await request(node.handler).get('/api/version');
  t.deepEqual(piBackend.body, { version: '2.2.0' });
  t.is(piBackend.headers['x-pimesh-version'], VERSION);
});
