import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { condition, needs } from '../../helpers/needs.js';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'pimesh-site-config-'));

const problemsOf = (fn: () => unknown): string[] => {
  const error = (() => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(error instanceof ConfigError)) throw new Error('expected a ConfigError');
  return error.problems;
};

test('no site is configured by default, with the original low-power rule ready', (t) => {
  const { config } = loadConfig({ cwd: emptyDir(), env: {} });
  t.is(config.site.dir, undefined);
  t.is(config.site.localDir, undefined);
  t.is(config.site.lowPowerBelowPercent, 50);
  t.is(config.site.lowPowerIndex, 'index-small.html');
  t.is(config.site.maxAgeSeconds, 600);
});

test('PIMESH_SITE_* set the directories (resolved against the working directory) and the threshold', (t) => {
  const cwd = emptyDir();
  mkdirSync(join(cwd, 'www'));
  mkdirSync(join(cwd, 'local'));
  const { config } = loadConfig({
    cwd,
    env: { PIMESH_SITE_DIR: 'www', PIMESH_SITE_LOCAL_DIR: './local', PIMESH_SITE_LOW_POWER_BELOW: '65' },
  });
  t.is(config.site.dir, join(cwd, 'www'));
  t.is(config.site.localDir, join(cwd, 'local'));
  t.is(config.site.lowPowerBelowPercent, 65);
});

test('the config file sets the same, and lowPowerIndex and maxAgeSeconds too', (t) => {
  const cwd = emptyDir();
  mkdirSync(join(cwd, 'frontend'));
  writeFileSync(
    join(cwd, 'pimesh.config.json'),
    JSON.stringify({ site: { dir: 'frontend', lowPowerIndex: 'lite.html', maxAgeSeconds: 0 } }),
  );
  const { config } = loadConfig({ cwd, env: {} });
  t.is(config.site.dir, join(cwd, 'frontend'));
  t.is(config.site.lowPowerIndex, 'lite.html');
  t.is(config.site.maxAgeSeconds, 0);
});

test('a missing site directory is a config error, reported with every other problem', (t) => {
  const cwd = emptyDir();
  writeFileSync(join(cwd, 'a-file'), 'not a directory');
  const problems = problemsOf(() =>
    loadConfig({
      cwd,
      env: { PIMESH_SITE_DIR: 'nowhere', PIMESH_SITE_LOCAL_DIR: 'a-file', PIMESH_PORT: 'eighty' },
    }),
  );
  t.true(problems.some((p) => p.startsWith('http.port (PIMESH_PORT)')));
  t.true(problems.includes(`site.dir (PIMESH_SITE_DIR): ${join(cwd, 'nowhere')}: no such directory`));
  t.true(problems.includes(`site.localDir (PIMESH_SITE_LOCAL_DIR): ${join(cwd, 'a-file')}: not a directory`));
});

test('a directory from the config file is named without a variable', (t) => {
  const cwd = emptyDir();
  writeFileSync(join(cwd, 'pimesh.config.json'), JSON.stringify({ site: { dir: 'gone' } }));
  t.deepEqual(
    problemsOf(() => loadConfig({ cwd, env: {} })),
    [`site.dir: ${join(cwd, 'gone')}: no such directory`],
  );
});

test('a low-power page outside the site root and a threshold over 100 are refused', (t) => {
  const cwd = emptyDir();
  writeFileSync(join(cwd, 'pimesh.config.json'), JSON.stringify({ site: { lowPowerIndex: '../x.html' } }));
  const problems = problemsOf(() => loadConfig({ cwd, env: { PIMESH_SITE_LOW_POWER_BELOW: '150' } }));
  t.true(problems.some((p) => p.startsWith('site.lowPowerIndex: must be a file name in the site directory')));
  t.true(
    problems.includes('site.lowPowerBelowPercent (PIMESH_SITE_LOW_POWER_BELOW): must be a percentage 0-100'),
  );
});

const notRoot = needs(condition(process.getuid?.() !== 0, 'running as root, who reads any directory', false));

notRoot('a directory this user cannot read is a config error', (t) => {
  const cwd = emptyDir();
  mkdirSync(join(cwd, 'closed'));
  chmodSync(join(cwd, 'closed'), 0o000);
  try {
    t.deepEqual(
      problemsOf(() => loadConfig({ cwd, env: { PIMESH_SITE_DIR: 'closed' } })),
      [`site.dir (PIMESH_SITE_DIR): ${join(cwd, 'closed')}: not readable by this user`],
    );
  } finally {
    chmodSync(join(cwd, 'closed'), 0o755);
  }
});
