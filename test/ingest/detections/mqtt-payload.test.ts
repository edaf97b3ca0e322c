/**
 * An agent's MQTT payload checked into a batch, and the delivery key (pure functions).
 */
import test from 'ava';
import { deliveryKey, parseDetectionPayload } from '../../../src/ingest/detections/mqtt-payload.js';

const parse = (text: string, max = 65_536) => parseDetectionPayload(Buffer.from(text), max);

test('an agent payload becomes a batch with its detections, name, location and batch time', (t) => {
  const payload = {
    device_id: 'rpi-hall',
    timestamp: '2026-05-02T13:45:12.123456+02:00',
    detections: [
      { device_hash: 'ab'.repeat(32), rssi: -61, zone: 'medium', timestamp: '2026-05-02T13:45:10' },
    ],
    name: 'Hall',
    location: 'Ground floor',
  };
  t.deepEqual(parse(JSON.stringify(payload)), { ok: true, batch: payload });
});

test('detections are passed on as they are: the store decides which to skip', (t) => {
  const result = parse('{"device_id": "a1", "detections": [{}, {"rssi": "loud"}]}');
  t.deepEqual(result, { ok: true, batch: { device_id: 'a1', detections: [{}, { rssi: 'loud' }] } });
});

test('null name and location are left out, as absent ones', (t) => {
  const result = parse('{"device_id": "a1", "detections": [], "name": null, "location": null}');
  t.deepEqual(result, { ok: true, batch: { device_id: 'a1', detections: [] } });
});

for (const [title, text, reason] of [
  ['not JSON', '{"device_id": ', 'not-json'],
  ['a JSON list', '[{"device_id": "a1"}]', 'not-an-object'],
  ['JSON null', 'null', 'not-an-object'],
  ['no device_id', '{"detections": []}', 'no-device-id'],
  ['an empty device_id', '{"device_id": " ", "detections": []}', 'no-device-id'],
  ['a numeric device_id', '{"device_id": 7, "detections": []}', 'no-device-id'],
  ['no detections', '{"device_id": "a1"}', 'detections-not-a-list'],
  ['detections as an object', '{"device_id": "a1", "detections": {"rssi": -50}}', 'detections-not-a-list'],
  ['a detection that is a number', '{"device_id": "a1", "detections": [{}, 5]}', 'detection-not-an-object'],
  ['a numeric name', '{"device_id": "a1", "detections": [], "name": 5}', 'bad-field'],
  ['a numeric batch timestamp', '{"device_id": "a1", "detections": [], "timestamp": 5}', 'bad-field'],
] as const) {
  test(`a payload with ${title} is refused as ${reason}`, (t) => {
    t.like(parse(text), { ok: false, reason });
  });
}

test('a payload over the cap is refused before it is parsed', (t) => {
  const result = parse(JSON.stringify({ device_id: 'a1', detections: [], pad: 'x'.repeat(100) }), 64);
  t.like(result, { ok: false, reason: 'too-large' });
});

test('the delivery key is the same for the same bytes on the same topic, and only then', (t) => {
  const payload = Buffer.from('{"device_id":"a1","detections":[]}');
  const key = deliveryKey('tfg/detections/raw', payload);
  t.regex(key, /^[0-9a-f]{64}$/);
  t.is(deliveryKey('tfg/detections/raw', Buffer.from(payload)), key);
  t.not(deliveryKey('tfg/detections/other', payload), key);
  t.not(deliveryKey('tfg/detections/raw', Buffer.from('{"device_id":"a1","detections":[] }')), key);
});
