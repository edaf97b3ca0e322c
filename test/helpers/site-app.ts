import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type Koa from 'koa';
import { type AppDeps, createApp } from '../../src/http/app.js';
import type { SiteDeps } from '../../src/http/routes/site.js';
import type { NodeStatus } from '../../src/http/routes/status.js';
import { silentLogger } from '../../src/log.js';
import { SolarAnswers } from '../../src/readings/solar-answers.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { READING } from './readings.js';
import { FIXTURE_NOW, FIXTURE_PROFILE, FIXTURES, fixtureDir } from './solar-app.js';

/** The fixture site's files that get precompressed siblings. */
export const PRECOMPRESSED = ['style.css'];

/**
 * The precompressed siblings a site's build step would make: `<name>.gz` and `<name>.br` next to
 * each file, from its bytes.
 */
export function precompress(dir: string, names: readonly string[] = PRECOMPRESSED): void {
  for (const name of names) {
    const bytes = readFileSync(join(dir, name));
    writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(bytes));
  }
}

/** A copy of test/fixtures/site in a temp dir, with style.css precompressed. */
export function siteFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-site-'));
  cpSync(join(FIXTURES, 'site'), dir, { recursive: true });
  precompress(dir);
  return dir;
}

/** A copy of test/fixtures/site-local (the steward's `/local/`) in a temp dir. */
export function localFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-site-local-'));
  cpSync(join(FIXTURES, 'site-local'), dir, { recursive: true });
  return dir;
}

export interface SiteApp {
  app: Koa;
  store: TracerStore;
  dir: string | undefined;
  localDir: string | undefined;
  /** Appends a sample with this battery fraction (0-1) to the fixture's "today". */
  battery: (fraction: number) => Promise<void>;
}

/**
 * The node's app (every route) with the website, over a copy of the charge-controller fixture
 * (today is 2021-02-24, whose newest row reads 0.33) or `ccDir` (an empty dir: no battery reading).
 */
export function siteApp(
  site: Partial<Omit<SiteDeps, 'battery'>> = {},
  options: { ccDir?: string; mount?: AppDeps['mount'] } = {},
): SiteApp {
  const store = new TracerStore(options.ccDir ?? fixtureDir());
  const answers = new SolarAnswers({
    store,
    profile: FIXTURE_PROFILE,
    timezone: 'America/New_York',
    peers: () => undefined,
    now: FIXTURE_NOW,
  });
  const dir = 'dir' in site ? site.dir : siteFixture();
  const localDir = 'localDir' in site ? site.localDir : localFixture();
  const app = createApp({
    answers,
    status: fixedStatus,
    sample: () => Promise.reject(new Error('no sampling in this app')),
    log: silentLogger(),
    mount: options.mount,
    site: {
      lowPowerBelowPercent: 50,
      lowPowerIndex: 'index-small.html',
      maxAgeSeconds: 600,
      ...site,
      dir,
      localDir,
      battery: () => answers.latest('battery-percentage'),
    },
  });
  const battery = async (fraction: number) => {
    await store.append(FIXTURE_NOW(), { ...READING, 'battery percentage': fraction });
  };
  return { app, store, dir, localDir, battery };
}

const fixedStatus = (): NodeStatus => ({
  status: 'ok',
  reasons: [],
  name: 'test',
  version: '0.0.0',
  uptime: 0,
  timezone: 'UTC',
  timestamp: new Date(0).toISOString(),
  chargeController: {
    source: 'none',
    simulated: false,
    description: 'none',
    lastSample: null,
    lastError: null,
  },
});
