import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import test from 'ava';
import request from 'supertest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createApp } from '../../src/http/app.js';
import { createHandler } from '../../src/http/handler.js';
import { silentLogger } from '../../src/log.js';
import { RequestStats } from '../../src/metrics/request-stats.js';
import type { MetricsDeps, MetricsSources } from '../../src/metrics/sources.js';
import { SolarAnswers } from '../../src/readings/solar-answers.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { parseMetrics, sampleValue } from '../helpers/prometheus.js';
import { FIXTURE_NOW, FIXTURE_PROFILE, fixtureDir } from '../helpers/solar-app.js';

const TOKEN = 'scrape-me-0123456789abcdef';

function node(options: { token?: string; sources?: Partial<MetricsSources> } = {}) {
  const answers = new SolarAnswers({
    store: new TracerStore(fixtureDir()),
    profile: FIXTURE_PROFILE,
    timezone: 'America/New_York',
    peers: () => undefined,
    now: FIXTURE_NOW,
  });
  const sources: MetricsSources = {
    version: '9.9.9',
    timezone: () => 'America/New_York',
    latest: (column) => answers.latest(column),
    chargeController: () => ({ source: 'tracer', simulated: false, sampleErrors: 2, consecutiveFailures: 0 }),
    peers: () => ({ known: 4, reachable: 3 }),
    election: () => ({ pointOfEntry: true, rounds: 7, lastRoundAt: 1_700_000_000_000, dns: undefined }),
    gossipSent: () => ({ answered: 5, failed: 1 }),
    ingest: () => ({
      sensors: undefined,
      detections: undefined,
      mqtt: undefined,
      uplink: undefined,
      websocketConnections: 0,
    }),
    ...options.sources,
  };
  const metrics: MetricsDeps = {
    config: { enabled: true, token: options.token },
    requests: new RequestStats(),
    sources,
  };
  const app = createApp({
    answers,
    status: () => {
      throw new Error('not asked');
    },
    sample: () => Promise.reject(new Error('no sampling')),
    log: silentLogger(),
    metrics,
    mount: (router) =>
      router.get('/api/things/:id', (ctx) => {
        ctx.body = { id: ctx.params.id };
      }),
  });
  return createHandler(app, answers, metrics.requests);
}

test('/metrics is Prometheus text that a parser reads, with every family of the node', async (t) => {
  const res = await request(node()).get('/metrics').expect(200);
  t.regex(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const families = parseMetrics(res.text);
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_heap_size_used_bytes',
    'pimesh_build_info',
    'pimesh_charge_controller_volts',
    'pimesh_charge_controller_amps',
    'pimesh_charge_controller_watts',
    'pimesh_battery_charge_ratio',
    'pimesh_charge_controller_sample_age_seconds',
    'pimesh_charge_controller_last_sample_timestamp_seconds',
    'pimesh_charge_controller_sample_errors_total',
    'pimesh_peers_known',
    'pimesh_peers_reachable',
    'pimesh_point_of_entry',
    'pimesh_election_rounds_total',
    'pimesh_dns_updates_total',
    'pimesh_gossip_posts_sent_total',
    'pimesh_gossip_posts_received_total',
    'pimesh_http_requests_total',
    'pimesh_http_request_duration_seconds',
    'pimesh_lan_sensors_frames_received_total',
    'pimesh_detections_batches_total',
    'pimesh_mqtt_messages_received_total',
    'pimesh_uplink_readings_delivered_total',
  ]) {
    t.true(families.has(name), name);
  }
  t.is(families.get('pimesh_http_request_duration_seconds')?.type, 'HISTOGRAM');
  t.is(families.get('pimesh_election_rounds_total')?.type, 'COUNTER');
});

test('the readings are the newest row of the charge controller, per circuit', async (t) => {
  const families = parseMetrics((await request(node()).get('/metrics')).text);
  t.is(sampleValue(families, 'pimesh_charge_controller_volts', { circuit: 'pv' }), 13.23);
  t.is(sampleValue(families, 'pimesh_charge_controller_amps', { circuit: 'load' }), 0.22);
  t.is(sampleValue(families, 'pimesh_charge_controller_watts', { circuit: 'pv' }), 1.32);
  t.is(sampleValue(families, 'pimesh_charge_controller_watts', { circuit: 'load' }), 2.64);
  t.is(sampleValue(families, 'pimesh_battery_charge_ratio'), 0.33);
  t.is(sampleValue(families, 'pimesh_point_of_entry'), 1);
  t.is(sampleValue(families, 'pimesh_peers_reachable'), 3);
  t.is(sampleValue(families, 'pimesh_gossip_posts_sent_total', { result: 'failed' }), 1);
  t.true((sampleValue(families, 'pimesh_charge_controller_sample_age_seconds') ?? 0) > 0);
});

test('a node with no reading yet and no election shows no sample for them, rather than a false 0', async (t) => {
  const handler = node({
    sources: { latest: () => '', election: () => undefined, gossipSent: () => undefined },
  });
  const families = parseMetrics((await request(handler).get('/metrics')).text);
  for (const name of [
    'pimesh_charge_controller_volts',
    'pimesh_battery_charge_ratio',
    'pimesh_charge_controller_sample_age_seconds',
    'pimesh_point_of_entry',
    'pimesh_gossip_posts_sent_total',
  ]) {
    t.deepEqual(families.get(name)?.metrics ?? [], [], name);
  }
});

test('requests are counted by route pattern, never by raw path, the fast PV path included', async (t) => {
  const handler = node();
  await request(handler).get('/api/things/1').expect(200);
  await request(handler).get('/api/things/2').expect(200);
  await request(handler).get('/wp-login.php').expect(404);
  await request(handler).get('/nothing/here?x=1').expect(404);
  await request(handler).get('/api/v1/chargecontroller.php?value=PV-voltage').expect(200);
  await request(handler).get('/api/v1/chargecontroller.php?value=PV-current').expect(200);
  const { text } = await request(handler).get('/metrics');
  const families = parseMetrics(text);
  const count = (route: string, status: string) =>
    sampleValue(families, 'pimesh_http_requests_total', { method: 'GET', route, status });
  t.is(count('/api/things/:id', '200'), 2);
  t.is(count('unmatched', '404'), 2);
  t.is(count('/api/v1/chargecontroller.php', '200'), 2);
  const routes = families.get('pimesh_http_requests_total')?.metrics.map((m) => m.labels?.route) ?? [];
  t.false(routes.some((r) => r?.includes('?') || r === '/wp-login.php' || r === '/api/things/1'));
  // The parser folds a labelled histogram into one unlabelled series: its lines are read as text.
  const series = 'method="GET",route="/api/things/:id"';
  t.regex(text, new RegExp(`^pimesh_http_request_duration_seconds_count\\{${series}\\} 2$`, 'm'));
  t.regex(
    text,
    new RegExp(`^pimesh_http_request_duration_seconds_bucket\\{${series},le="\\+Inf"\\} 2$`, 'm'),
  );
});

test('with a token, a scrape without it or with another is a 401, and repeated wrong ones a 429', async (t) => {
  const handler = node({ token: TOKEN });
  const missing = await request(handler).get('/metrics').expect(401);
  t.is(missing.headers['www-authenticate'], 'Bearer realm="pimesh metrics"');
  t.is(missing.body.error.code, 'ERR_METRICS_TOKEN');
  await request(handler).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  for (let i = 0; i < 10; i++)
    await request(handler).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
  await request(handler).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(429);
});

test('metrics are on by default, off with PIMESH_METRICS=off, and a short token is refused', (t) => {
  const cwd = mkdtempSync(`${tmpdir()}/pimesh-metrics-`);
  t.true(loadConfig({ cwd, env: {} }).config.metrics.enabled);
  t.false(loadConfig({ cwd, env: { PIMESH_METRICS: 'off' } }).config.metrics.enabled);
  t.is(loadConfig({ cwd, env: { PIMESH_METRICS_TOKEN: TOKEN } }).config.metrics.token, TOKEN);
  const error = t.throws(() => loadConfig({ cwd, env: { PIMESH_METRICS_TOKEN: 'short' } }), {
    instanceOf: ConfigError,
  });
  t.regex(error?.message ?? '', /metrics\.token/);
});
