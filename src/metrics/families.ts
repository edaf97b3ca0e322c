/**
 * The node's own metric families: the newest charge-controller row, the mesh (peers, election, DNS,
 * gossip) and the HTTP requests. Names follow Prometheus' conventions (base units in the name,
 * `_total` on counters); the readings mirror node_exporter's hwmon families (`node_hwmon_in_volts`
 * with a `sensor` label) as `pimesh_charge_controller_volts` with a `circuit` label.
 */
import { parseNaiveDatetime } from '../readings/local-time.js';
import { cellNumber, type Family, family, from, one, type Sample } from './family.js';
import { LATENCY_BUCKETS, type RequestStats } from './request-stats.js';
import type { MetricsSources } from './sources.js';

/** The columns of each circuit, newest header names first (older files say `charge` for the battery). */
const CIRCUITS = [
  { circuit: 'pv', volts: ['PV voltage'], amps: ['PV current'], watts: ['PV power'] },
  {
    circuit: 'battery',
    volts: ['battery voltage'],
    amps: ['battery current', 'charge current'],
    watts: ['battery power', 'charge power'],
  },
  { circuit: 'load', volts: ['load voltage'], amps: ['load current'], watts: ['load power'] },
] as const;

/** The Tracer splits power in a low and a high 16-bit word, each divided by 100 like every register. */
const HIGH_WORD = 65_536;

/** The route of peers' gossip POSTs, counted from the HTTP request stats. */
const GOSSIP_ROUTE = '/api/v1/api.php';

function readings(sources: MetricsSources) {
  const first = (columns: readonly string[]) => {
    for (const column of columns) {
      const n = cellNumber(sources.latest(column));
      if (n !== undefined) return n;
    }
    return undefined;
  };
  const watts = (names: readonly string[]) => {
    for (const name of names) {
      const plain = cellNumber(sources.latest(name));
      if (plain !== undefined) return plain;
      const low = cellNumber(sources.latest(`${name} L`));
      if (low !== undefined) return low + (cellNumber(sources.latest(`${name} H`)) ?? 0) * HIGH_WORD;
    }
    return undefined;
  };
  const per = (pick: (c: (typeof CIRCUITS)[number]) => number | undefined) => (): Sample[] =>
    CIRCUITS.flatMap((c) => one(pick(c), { circuit: c.circuit }));
  const sampledAt = () => parseNaiveDatetime(sources.latest('datetime'), sources.timezone());
  return [
    family(
      'pimesh_charge_controller_volts',
      'gauge',
      'Newest charge-controller reading: voltage per circuit.',
      per((c) => first(c.volts)),
    ),
    family(
      'pimesh_charge_controller_amps',
      'gauge',
      'Newest charge-controller reading: current per circuit.',
      per((c) => first(c.amps)),
    ),
    family(
      'pimesh_charge_controller_watts',
      'gauge',
      'Newest charge-controller reading: power per circuit.',
      per((c) => watts(c.watts)),
    ),
    family('pimesh_battery_charge_ratio', 'gauge', 'Newest battery state of charge, 0 to 1.', () =>
      one(cellNumber(sources.latest('battery percentage'))),
    ),
    family(
      'pimesh_charge_controller_last_sample_timestamp_seconds',
      'gauge',
      'When the newest row was sampled (Unix time).',
      () => one(sampledAt() === undefined ? undefined : (sampledAt() as number) / 1000),
    ),
    family(
      'pimesh_charge_controller_sample_age_seconds',
      'gauge',
      'Seconds since the newest row was sampled.',
      () => {
        const at = sampledAt();
        return one(at === undefined ? undefined : Math.max(0, (Date.now() - at) / 1000));
      },
    ),
    family(
      'pimesh_charge_controller_sample_errors_total',
      'counter',
      'Charge-controller samples that failed since start.',
      () => one(sources.chargeController().sampleErrors),
    ),
    family(
      'pimesh_charge_controller_consecutive_failures',
      'gauge',
      'Charge-controller samples failed in a row now.',
      () => one(sources.chargeController().consecutiveFailures),
    ),
    family(
      'pimesh_charge_controller_info',
      'gauge',
      'The charge controller this node reads (always 1).',
      () => {
        const c = sources.chargeController();
        return one(1, { source: c.source, simulated: String(c.simulated) });
      },
    ),
  ];
}

function mesh(sources: MetricsSources): Family[] {
  const election = () => sources.election();
  return [
    family('pimesh_peers_known', 'gauge', 'Other nodes in deviceList.json.', () =>
      one(sources.peers().known),
    ),
    family('pimesh_peers_reachable', 'gauge', 'Known peers that answered our last request to them.', () =>
      one(sources.peers().reachable),
    ),
    family(
      'pimesh_point_of_entry',
      'gauge',
      '1 while this node holds the point of entry, else 0.',
      from(election, (e) => one(e.pointOfEntry ? 1 : 0)),
    ),
    family(
      'pimesh_election_rounds_total',
      'counter',
      'Election rounds run since start.',
      from(election, (e) => one(e.rounds)),
    ),
    family(
      'pimesh_election_last_round_timestamp_seconds',
      'gauge',
      'When the last election round started (Unix time).',
      from(election, (e) => one(e.lastRoundAt === undefined ? undefined : e.lastRoundAt / 1000)),
    ),
    family(
      'pimesh_dns_updates_total',
      'counter',
      'DNS records this node changed since start (it held the name).',
      from(election, (e) => one(e.dns?.updates)),
    ),
    family(
      'pimesh_dns_consecutive_failures',
      'gauge',
      'DNS updates failed in a row now.',
      from(election, (e) => one(e.dns?.consecutiveFailures)),
    ),
    family(
      'pimesh_gossip_posts_sent_total',
      'counter',
      'Gossip POSTs this node sent, by result.',
      from(sources.gossipSent, (g) => [
        { value: g.answered, labels: { result: 'answered' } },
        { value: g.failed, labels: { result: 'failed' } },
      ]),
    ),
  ];
}

function http(requests: RequestStats): Family[] {
  const histogram = 'pimesh_http_request_duration_seconds';
  return [
    family(
      'pimesh_http_requests_total',
      'counter',
      'HTTP requests answered, by method, route pattern and status.',
      () =>
        [...requests.counts()].map((s) => ({
          value: s.count,
          labels: { method: s.method, route: s.route, status: s.status },
        })),
    ),
    family(histogram, 'histogram', 'Time to answer HTTP requests, by method and route pattern.', () =>
      [...requests.latencies()].flatMap((s) => {
        const l = { method: s.method, route: s.route };
        let cumulative = 0;
        const buckets = LATENCY_BUCKETS.map((le, i) => {
          cumulative += s.buckets[i];
          return { metricName: `${histogram}_bucket`, labels: { ...l, le }, value: cumulative };
        });
        return [
          ...buckets,
          { metricName: `${histogram}_bucket`, labels: { ...l, le: '+Inf' }, value: s.count },
          { metricName: `${histogram}_sum`, labels: l, value: s.sum },
          { metricName: `${histogram}_count`, labels: l, value: s.count },
        ];
      }),
    ),
    family(
      'pimesh_gossip_posts_received_total',
      'counter',
      'Gossip POSTs peers sent to this node: stored, or refused (wrong key, bad field, rate limit).',
      () => {
        const counts = { stored: 0, refused: 0 };
        for (const s of requests.counts())
          if (s.route === GOSSIP_ROUTE && s.method === 'POST')
            counts[s.status === '200' ? 'stored' : 'refused'] += s.count;
        return [
          { value: counts.stored, labels: { result: 'stored' } },
          { value: counts.refused, labels: { result: 'refused' } },
        ];
      },
    ),
  ];
}

export function nodeFamilies(sources: MetricsSources, requests: RequestStats): Family[] {
  return [
    family('pimesh_build_info', 'gauge', 'The running pimesh version (always 1).', () =>
      one(1, { version: sources.version }),
    ),
    ...readings(sources),
    ...mesh(sources),
    ...http(requests),
  ];
}
