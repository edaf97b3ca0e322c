import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Koa from 'koa';
import { type AppDeps, createApp } from '../../src/http/app.js';
import { createHandler } from '../../src/http/handler.js';
import type { NodeStatus } from '../../src/http/routes/status.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { SolarAnswers } from '../../src/readings/solar-answers.js';
import type { PublicPeer } from '../../src/readings/solar-query.js';
import { TracerStore } from '../../src/readings/tracer-store.js';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
export const FIXTURE_PROFILE: Record<string, unknown> = JSON.parse(
  readFileSync(join(FIXTURES, 'local.json'), 'utf8'),
);

/** 2021-02-24 08:00 local: the fixture's "today" is tracerData2021-02-24.csv. */
export const FIXTURE_NOW = () => new Date(2021, 1, 24, 8, 0, 0);

export interface SolarAppOptions {
  dir?: string;
  profile?: Record<string, unknown>;
  timezone?: string;
  peers?: PublicPeer[];
  now?: () => Date;
  log?: Logger;
  /** More routes, as the daemon mounts the seed systems'. */
  mount?: AppDeps['mount'];
}

/** A copy of the fixture charge-controller directory in a fresh temp dir. */
export function fixtureDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-cc-'));
  cpSync(join(FIXTURES, 'charge-controller'), dir, { recursive: true });
  return dir;
}

/** The HTTP app over a charge-controller directory, as a node would serve it. */
export function solarApp(options: SolarAppOptions = {}): {
  app: Koa;
  handler: RequestListener;
  store: TracerStore;
} {
  const store = new TracerStore(options.dir ?? fixtureDir());
  const answers = new SolarAnswers({
    store,
    profile: options.profile ?? FIXTURE_PROFILE,
    timezone: options.timezone ?? 'America/New_York',
    peers: () => options.peers,
    now: options.now ?? FIXTURE_NOW,
  });
  const status = (): NodeStatus => ({
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
  const sample = () => Promise.reject(new Error('no sampling in this app'));
  const app = createApp({
    answers,
    status,
    sample,
    log: options.log ?? silentLogger(),
    mount: options.mount,
  });
  return { app, handler: createHandler(app, answers), store };
}
