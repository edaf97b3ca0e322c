/**
 * What the node takes in from its LAN and sends upstream, from the `counters()` each service keeps:
 * LAN sensor boards, BLE detections (HTTP and MQTT) and the uplink. A service that is off shows no
 * samples (its families keep their HELP and TYPE lines).
 */
import { type Family, family, from, one, type Sample } from './family.js';
import type { IngestFacts, MetricsSources } from './sources.js';

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replaceAll('-', '_');

function sensors(ingest: () => IngestFacts): Family[] {
  const s = () => ingest().sensors;
  const listener = () => ingest().sensors?.listener ?? undefined;
  return [
    family(
      'pimesh_lan_sensors_connections',
      'gauge',
      'Sensor-board connections open now.',
      from(listener, (l) => one(l.connections)),
    ),
    family(
      'pimesh_lan_sensors_connections_accepted_total',
      'counter',
      'Sensor-board connections accepted.',
      from(listener, (l) => one(l.accepted)),
    ),
    family(
      'pimesh_lan_sensors_connections_rejected_total',
      'counter',
      'Sensor-board connections refused, by reason.',
      from(listener, (l) =>
        Object.entries(l.rejectedConnections).map(([reason, value]) => ({
          value,
          labels: { reason: snake(reason) },
        })),
      ),
    ),
    family(
      'pimesh_lan_sensors_frames_received_total',
      'counter',
      'Sensor frames decoded.',
      from(listener, (l) => one(l.frames)),
    ),
    family(
      'pimesh_lan_sensors_frames_rejected_total',
      'counter',
      'Sensor frames refused (bad frame, unknown board).',
      from(listener, (l) => one(l.rejectedFrames)),
    ),
    family(
      'pimesh_lan_sensors_received_bytes_total',
      'counter',
      'Bytes read from sensor boards.',
      from(listener, (l) => one(l.bytes)),
    ),
    family(
      'pimesh_lan_sensors_frames_stored_total',
      'counter',
      'Sensor frames committed to the history.',
      from(s, (c) => one(c.store.stored)),
    ),
    family(
      'pimesh_lan_sensors_frames_dropped_total',
      'counter',
      'Sensor frames dropped: the queue was full.',
      from(s, (c) => one(c.store.dropped)),
    ),
    family(
      'pimesh_lan_sensors_frames_queued',
      'gauge',
      'Sensor frames waiting for the next commit.',
      from(s, (c) => one(c.store.queued)),
    ),
    family(
      'pimesh_lan_sensors_commit_failures_total',
      'counter',
      'Sensor history commits that failed.',
      from(s, (c) => one(c.store.failedCommits)),
    ),
  ];
}

function detections(ingest: () => IngestFacts): Family[] {
  const d = () => ingest().detections;
  return [
    family(
      'pimesh_detections_batches_total',
      'counter',
      'Detection batches taken in, by path (http, mqtt).',
      from(d, (c) => Object.entries(c.byPath).map(([via, value]) => ({ value, labels: { via } }))),
    ),
    family(
      'pimesh_detections_stored_total',
      'counter',
      'Detections stored.',
      from(d, (c) => one(c.stored)),
    ),
    family(
      'pimesh_detections_skipped_total',
      'counter',
      'Detections the store skipped.',
      from(d, (c) => one(c.skipped)),
    ),
    family(
      'pimesh_detections_duplicate_batches_total',
      'counter',
      'Detection batches already stored (redeliveries).',
      from(d, (c) => one(c.duplicates)),
    ),
    family(
      'pimesh_detections_rejected_total',
      'counter',
      'Detection batches refused.',
      from(d, (c) => one(c.rejected)),
    ),
    family('pimesh_detections_websocket_connections', 'gauge', '/ws clients connected now.', () =>
      ingest().detections ? one(ingest().websocketConnections) : [],
    ),
  ];
}

/** The detections subscriber and the uplink are both MQTT clients: one family per kind, a `client` label. */
function mqtt(ingest: () => IngestFacts): Family[] {
  const clients = (pick: (f: IngestFacts) => Sample[]) => () => pick(ingest());
  const m = () => ingest().mqtt;
  const u = () => ingest().uplink;
  return [
    family(
      'pimesh_mqtt_connected',
      'gauge',
      '1 while the MQTT client is connected, by client.',
      clients((f) => [
        ...one(f.mqtt && (f.mqtt.connected ? 1 : 0), { client: 'detections' }),
        ...one(f.uplink && (f.uplink.connected ? 1 : 0), { client: 'uplink' }),
      ]),
    ),
    family(
      'pimesh_mqtt_connects_total',
      'counter',
      'MQTT connections made, by client.',
      clients((f) => [
        ...one(f.mqtt?.connects, { client: 'detections' }),
        ...one(f.uplink?.connects, { client: 'uplink' }),
      ]),
    ),
    family(
      'pimesh_mqtt_messages_received_total',
      'counter',
      'MQTT messages the detections subscriber received (redeliveries included).',
      from(m, (c) => one(c.received)),
    ),
    family(
      'pimesh_mqtt_messages_acked_total',
      'counter',
      'MQTT messages acknowledged after their batch was stored.',
      from(m, (c) => one(c.acked)),
    ),
    family(
      'pimesh_mqtt_messages_rejected_total',
      'counter',
      'MQTT messages refused, by reason.',
      from(m, (c) =>
        Object.entries(c.rejectedBy).map(([reason, value]) => ({
          value: value ?? 0,
          labels: { reason: snake(reason) },
        })),
      ),
    ),
    family(
      'pimesh_uplink_readings_accepted_total',
      'counter',
      'Readings queued for the upstream broker.',
      from(u, (c) => one(c.accepted)),
    ),
    family(
      'pimesh_uplink_readings_delivered_total',
      'counter',
      'Readings the upstream broker acknowledged.',
      from(u, (c) => one(c.delivered)),
    ),
    family(
      'pimesh_uplink_readings_dropped_total',
      'counter',
      'Oldest queued readings dropped for room.',
      from(u, (c) => one(c.dropped)),
    ),
    family(
      'pimesh_uplink_readings_refused_total',
      'counter',
      'Readings refused (bad topic, too large).',
      from(u, (c) => one(c.refused)),
    ),
    family(
      'pimesh_uplink_queued_readings',
      'gauge',
      'Readings in the on-disk outbox.',
      from(u, (c) => one(c.queued)),
    ),
    family(
      'pimesh_uplink_queued_bytes',
      'gauge',
      'Bytes in the on-disk outbox.',
      from(u, (c) => one(c.queuedBytes)),
    ),
  ];
}

export function ingestFamilies(sources: MetricsSources): Family[] {
  // One counters() call per service and scrape would need a cache; the calls are cheap object copies.
  const ingest = () => sources.ingest();
  return [...sensors(ingest), ...detections(ingest), ...mqtt(ingest)];
}
