/**
 * Layers point one way, checked on the source itself: the mesh knows nothing of HTTP or the job
 * schedule, the config validates with leaf schema files only, and test-only code stays under test/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The project files a source file imports (type-only imports included), as paths under src/. */
function imports(file: string, { typesToo = true } = {}): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)(\s+type)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
    if (m[1] && !typesToo) continue;
    found.push(relative(SRC, resolve(dirname(file), m[2].replace(/\.js$/, '.ts'))));
  }
  return found;
}

const under = (prefix: string) => files(SRC).filter((f) => relative(SRC, f).startsWith(prefix));

for (const layer of ['mesh/', 'ingest/', 'hardware/', 'readings/']) {
  test(`src/${layer} imports nothing from src/http or src/jobs`, (t) => {
    const wrong = under(layer).flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('http/') || i.startsWith('jobs/'))
        .map((i) => `${relative(SRC, f)} -> ${i}`),
    );
    t.deepEqual(wrong, []);
  });
}

test('the config schema loads only leaf files: zod and node: modules, nothing of the features behind them', (t) => {
  const leaf = (file: string, seen = new Set<string>()): string[] => {
    if (seen.has(file)) return [];
    seen.add(file);
    return imports(join(SRC, file), { typesToo: false }).flatMap((i) => {
      const own = imports(join(SRC, i), { typesToo: false });
      return own.length === 0 ? [] : own.every((o) => o.endsWith('config.ts')) ? leaf(i, seen) : [i];
    });
  };
  t.deepEqual(leaf('config/schema.ts'), []);
});

test('test-only transports and models live under test/, not src/', (t) => {
  const names = files(SRC).map((f) => relative(SRC, f));
  t.false(
    names.some((n) => /memory-transport|original-scheme|fake-/.test(n)),
    names.join(' '),
  );
});
