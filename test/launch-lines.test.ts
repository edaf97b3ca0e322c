/**
 * V8 sizes its young generation before any code runs, so the semi-space cap that gives memory back
 * after a load burst (see src/low-memory.ts) must be on every line that starts the node.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const FLAG = '--max-semi-space-size=2';

test('every launch line of the node caps the young generation', (t) => {
  t.is(read('src/cli.ts').split('\n')[0], `#!/usr/bin/env -S node ${FLAG}`);
  t.true(JSON.parse(read('package.json')).scripts.start.includes(`node ${FLAG} dist/cli.js serve`));
  t.regex(
    read('deploy/pimesh.service'),
    new RegExp(`^ExecStart=/usr/bin/node ${FLAG} /opt/pimesh/dist/cli.js serve`, 'm'),
  );
});
