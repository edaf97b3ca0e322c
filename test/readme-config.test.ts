/**
 * The README's configuration table is the steward's reference: it must name every environment
 * variable the node reads, no variable it does not read, config keys that exist in the schema, each
 * variable beside the key it sets, and every section of the schema.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import type { z } from 'zod';
import { ENV_BINDINGS } from '../src/config/env.js';
import { configSchema } from '../src/config/schema.js';

/** Variables read elsewhere than the config (the table documents them too). */
const NOT_CONFIG = new Set(['PIMESH_SQLITE', 'PIMESH_CONFIG', 'PIMESH_LOG_FORMAT', 'PIMESH_LOW_MEMORY']);

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = README.slice(
  README.indexOf('## Configuration'),
  README.indexOf('\n## ', README.indexOf('## Configuration') + 5),
);
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| variable') && !line.startsWith('|---'))
  // Cells split at every | not escaped as \|; the first and last pieces are the row's edges.
  .map((line) =>
    line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** `PISTAT_RATE_LIMIT_ENABLED` / `_REQUESTS`: a suffix replaces the last word of the name before it. */
function envNames(cell: string): string[] {
  const out: string[] = [];
  for (const token of ticks(cell)) {
    if (token.startsWith('_') && out.length > 0) out.push(out[out.length - 1].replace(/_[A-Z]+$/, token));
    else if (/^(PIMESH|PISTAT)_[A-Z_]+$|^TZ$/.test(token)) out.push(token);
  }
  return out;
}

/** `http.limits.headersMs`, `requestMs`: a bare name is a sibling of the dotted key before it. */
function configKeys(cell: string): string[] {
  const out: string[] = [];
  for (const raw of ticks(cell)) {
    const token = raw.replace(/^\./, '');
    if (!/^[a-zA-Z][\w.*<>-]*$/.test(token) || /^[A-Z_]+$/.test(token)) continue;
    if (!token.includes('.') && out.length > 0) out.push(out[out.length - 1].replace(/[^.]+$/, token));
    else if (token.includes('.') || /^[a-z][a-zA-Z]+$/.test(token)) out.push(token);
  }
  return out;
}

type Schema = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

/** The schema at a dotted path, through defaults, optionals and pipes; undefined when it has none. */
function at(schema: Schema, path: string[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const key of path) {
    node = unwrapObject(node);
    if (!node) return undefined;
    if (key === '*' || key.startsWith('<')) return node;
    const shape = (node._zod.def.shape ?? {}) as Record<string, Schema>;
    node = shape[key];
    if (!node) return undefined;
  }
  return node;
}

/** A union (the DNS providers) has the key when one of its options has it. */
function atAny(schema: Schema, path: string[]): Schema | undefined {
  for (let i = 1; i <= path.length; i++) {
    const node = unwrapUnion(at(schema, path.slice(0, i - 1)));
    if (node?._zod.def.type === 'union') {
      const options = node._zod.def.options as Schema[];
      return options.map((o) => at(o, path.slice(i - 1))).find((found) => found !== undefined);
    }
  }
  return at(schema, path);
}

function unwrapUnion(node: Schema | undefined): Schema | undefined {
  for (let i = 0; node && i < 10; i++) {
    const def = node._zod.def;
    if (def.type === 'union' || def.type === 'object') return node;
    node = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as Schema | undefined;
  }
  return undefined;
}

function unwrapObject(node: Schema | undefined): Schema | undefined {
  for (let i = 0; node && i < 10; i++) {
    const def = node._zod.def;
    if (def.type === 'object') return node;
    node = (def.innerType ??
      (def.type === 'pipe'
        ? (def.out as Schema)._zod.def.type === 'transform'
          ? def.in
          : def.out
        : undefined)) as Schema | undefined;
  }
  return undefined;
}

const documentedEnv = new Set(rows.flatMap((r) => envNames(r[0] ?? '')));
const documentedKeys = rows.flatMap((r) => configKeys(r[1] ?? ''));

test('every environment variable the node reads is in the table', (t) => {
  const missing = ENV_BINDINGS.map((b) => b.name).filter((name) => !documentedEnv.has(name));
  t.deepEqual(missing, []);
});

test('every variable the table names is read by the node', (t) => {
  const known = new Set([...ENV_BINDINGS.map((b) => b.name), ...NOT_CONFIG]);
  t.deepEqual(
    [...documentedEnv].filter((name) => !known.has(name)),
    [],
  );
});

test('every config key the table names exists in the schema', (t) => {
  t.true(documentedKeys.length > 100, `${documentedKeys.length} keys read from the table`);
  const unknown = documentedKeys.filter(
    (key) => atAny(configSchema as unknown as Schema, key.split('.')) === undefined,
  );
  t.deepEqual(unknown, []);
});

test('every variable stands beside the config key it sets', (t) => {
  const wrong: string[] = [];
  for (const row of rows) {
    const keys = configKeys(row[1] ?? '');
    for (const name of envNames(row[0] ?? '')) {
      const binding = ENV_BINDINGS.find((b) => b.name === name);
      if (!binding) continue;
      const path = binding.path.join('.');
      const ok = keys.some(
        (k) =>
          k === path || (k.endsWith('.*') && path.startsWith(k.slice(0, -1))) || k.startsWith(`${path}.<`),
      );
      if (!ok) wrong.push(`${name} sets ${path}, the row says ${keys.join(', ') || 'nothing'}`);
    }
  }
  t.deepEqual(wrong, []);
});

test('every section of the schema is in the table', (t) => {
  const sections = Object.keys((configSchema as unknown as Schema)._zod.def.shape as object);
  const mentioned = new Set(documentedKeys.map((k) => k.split('.')[0]));
  t.deepEqual(
    sections.filter((s) => !mentioned.has(s)),
    [],
  );
});
