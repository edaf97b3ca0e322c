/**
 * Checklist D (spec seed-systems.md), items 1-18, against the real HTTP API and the real WebSocket,
 * registered once per backend (sqlite.test.ts, postgres.test.ts). The node's time zone is the
 * original's Europe/Madrid and "now" is 2026-05-04T10:01:00+02:00, a minute after item 1's detection.
 */

import { until } from '../../helpers/until.js';
import { type Backend, hash, KEY, listen, startDetections, wsClient } from './harness.js';

/** Item 1's batch. */
export const ITEM_1 = {
  device_id: 'rpi-001',
  detections: [{ device_hash: hash(1), rssi: -55, zone: 'far', timestamp: '2026-05-04T10:00:00' }],
};

export function checklistSuite(backend: Backend): void {
  const test = (title: string, body: Parameters<Backend['test']>[1]) =>
    backend.test(`${backend.name}: ${title}`, body);

  test('D1: a bulk is stored with its zone recomputed and its naive time read as Madrid time', async (t) => {
    const s = await startDetections(t, backend);
    const res = await s.send('/api/v1/detections/bulk', ITEM_1);
    t.is(res.status, 200);
    t.deepEqual(res.body, { message: 'Guardadas 1 detecciones', device_id: 'rpi-001', count: 1 });
    const recent = await s.get('/api/v1/detections/recent');
    t.like(recent.body[0], {
      device_hash: hash(1),
      rssi: -55,
      zone: 'NEAR',
      timestamp: '2026-05-04T10:00:00+02:00',
      device_id: 'rpi-001',
    });
  });

  test('D2: an item without rssi is skipped; a body without device_id or detections is a 422', async (t) => {
    const s = await startDetections(t, backend);
    const skipped = await s.send('/api/v1/detections/bulk', {
      device_id: 'rpi-001',
      detections: [{ device_hash: hash(1), rssi: -70 }, { device_hash: hash(2) }],
    });
    t.is(skipped.status, 200);
    t.is(skipped.body.count, 1);
    for (const body of [{ detections: [] }, { device_id: 'rpi-001' }]) {
      const res = await s.send('/api/v1/detections/bulk', body);
      t.is(res.status, 422);
      t.like(res.body.detail[0], { type: 'missing', msg: 'Field required' });
    }
  });

  test('D3: an unknown agent is registered by its first bulk; a known one keeps its name', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'rpi-002', name: 'Hall' });
    const first = await s.get('/api/v1/devices/rpi-001');
    t.like(first.body, {
      device_id: 'rpi-001',
      name: 'rpi-001',
      is_active: true,
      last_seen: '2026-05-04T10:01:00+02:00',
    });
    t.is((await s.get('/api/v1/devices/rpi-002')).body.name, 'Hall');
    await s.send('/api/v1/detections/bulk', { ...ITEM_1, name: 'Renamed', location: 'Lab' });
    t.like((await s.get('/api/v1/devices/rpi-001')).body, { name: 'rpi-001', location: null });
  });

  test('D4 (deliberate): a bulk needs the key: 401 without it, 403 with a wrong one', async (t) => {
    const s = await startDetections(t, backend);
    const none = await s.send('/api/v1/detections/bulk', ITEM_1, { key: null });
    t.is(none.status, 401);
    t.regex(none.body.detail, /X-API-Key/);
    t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: 'wrong' })).status, 403);
    t.is((await s.send('/api/v1/detections/bulk', ITEM_1, { key: KEY })).status, 200);
    t.is((await s.get('/api/v1/detections/recent')).body.length, 1);
  });

  test('D5 (the ingest MQTT calls): a batch with its timestamp is stored and names an existing device', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    const result = await s.detections.ingest(
      { ...ITEM_1, name: 'Entrance', location: 'Hall', timestamp: '2026-05-04T10:00:30+02:00' },
      { via: 'mqtt', deliveryKey: 'message-1' },
    );
    t.deepEqual(result, { device_id: 'rpi-001', count: 1, skipped: 0, duplicate: false });
    t.like((await s.get('/api/v1/devices/rpi-001')).body, { name: 'Entrance', location: 'Hall' });
    const again = await s.detections.ingest(ITEM_1, { via: 'mqtt', deliveryKey: 'message-1' });
    t.like(again, { count: 0, duplicate: true });
    const orphan = { detections: ITEM_1.detections } as unknown as typeof ITEM_1;
    await t.throwsAsync(s.detections.ingest(orphan, { via: 'mqtt' }), { code: 'ERR_VALIDATION' });
    t.is((await s.get('/api/v1/detections/recent')).body.length, 2);
  });

  test('D6: a /ws client gets detection_event after an HTTP bulk', async (t) => {
    const s = await startDetections(t, backend);
    const { port } = await listen(t, s);
    const client = await wsClient(t, port);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    // The event is observed arriving; 1 s is the safety deadline the issue sets, not a measurement.
    const event = await client.next('detection_event', 1000);
    t.deepEqual(event, {
      type: 'detection_event',
      timestamp: '2026-05-04T10:01:00+02:00',
      device_id: 'rpi-001',
      count: 1,
    });
  });

  test('D7 and D8: ping is answered pong, other text nothing, and the connections are counted', async (t) => {
    const s = await startDetections(t, backend);
    const { port, ws } = await listen(t, s);
    const client = await wsClient(t, port);
    const other = await wsClient(t, port);
    await until('two connections', () => ws.websocketConnections() === 2);
    client.socket.send('hello');
    client.socket.send('ping');
    await until('pong', () => client.messages.includes('pong'));
    t.deepEqual(client.messages, ['pong']);
    t.is(client.socket.readyState, client.socket.OPEN);
    other.socket.close();
    await until('one connection', () => ws.websocketConnections() === 1);
  });

  test('D9: realtime after item 1 counts one NEAR device and one person; minutes=0 is a 422', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    const res = await s.get('/api/v1/statistics/realtime?minutes=5');
    t.is(res.status, 200);
    t.like(res.body, {
      timestamp: '2026-05-04T10:01:00+02:00',
      time_window_minutes: 5,
      by_zone: { NEAR: { unique_devices: 1, total_detections: 1, estimated_people: 1, avg_rssi: -55 } },
      total: { unique_devices: 1, total_detections: 1, estimated_people: 1 },
    });
    const zero = await s.get('/api/v1/statistics/realtime?minutes=0');
    t.is(zero.status, 422);
    t.like(zero.body.detail[0], { type: 'greater_than_equal', loc: ['query', 'minutes'] });
  });

  test('D10: estimated_people is round(devices / 1.5), at least 1: 0, 1, 1, 2, 3 ... 10 for 15', async (t) => {
    const s = await startDetections(t, backend);
    const people: number[] = [];
    for (const n of [1, 2, 3, 4, 15]) {
      const detections = Array.from({ length: n }, (_, i) => ({
        device_hash: hash(1000 * n + i),
        rssi: -50,
      }));
      await s.send('/api/v1/detections/bulk', { device_id: `rpi-${n}`, detections });
      const res = await s.get(`/api/v1/statistics/realtime?device_id=rpi-${n}`);
      people.push(res.body.total.estimated_people);
    }
    const empty = await s.get('/api/v1/statistics/realtime?device_id=nobody');
    t.deepEqual([empty.body.total.estimated_people, ...people], [0, 1, 1, 2, 3, 10]);
  });

  test('D11: the histogram of today has 8 bins of 3 h from local midnight, every zone; year is a 422', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    const res = await s.get('/api/v1/statistics/histogram?range=today');
    t.is(res.status, 200);
    t.like(res.body, {
      range: 'today',
      bin_interval: '3 hours',
      start_time: '2026-05-04T00:00:00+02:00',
      end_time: '2026-05-05T00:00:00+02:00',
    });
    t.is(res.body.buckets.length, 8);
    t.deepEqual(
      res.body.buckets.map((b: { period_start: string }) => b.period_start.slice(11, 13)),
      ['00', '03', '06', '09', '12', '15', '18', '21'],
    );
    t.deepEqual(res.body.buckets[3], {
      period_start: '2026-05-04T09:00:00+02:00',
      period_end: '2026-05-04T12:00:00+02:00',
      by_zone: { near: 1, medium: 0, far: 0 },
      total: 1,
    });
    t.deepEqual(res.body.buckets[0].by_zone, { near: 0, medium: 0, far: 0 });
    t.is((await s.get('/api/v1/statistics/histogram?range=year')).status, 422);
  });

  test('D12: a range that ends before it starts, or a bad time, is a 400', async (t) => {
    const s = await startDetections(t, backend);
    const reversed = await s.get(
      '/api/v1/statistics/range?start_time=2026-05-04T12:00:00&end_time=2026-05-04T10:00:00',
    );
    t.is(reversed.status, 400);
    t.deepEqual(reversed.body, { detail: 'La fecha de inicio debe ser anterior a la fecha de fin' });
    const bad = await s.get('/api/v1/statistics/range?start_time=bad&end_time=2026-05-04T10:00:00');
    t.is(bad.status, 400);
    t.regex(bad.body.detail, /^Formato de fecha inválido/);
  });

  test('D13: an invalid zone to count is a 400 with its text; recent?limit=1001 is a 422', async (t) => {
    const s = await startDetections(t, backend);
    const zone = await s.get('/api/v1/detections/count?zone=INVALID');
    t.is(zone.status, 400);
    t.deepEqual(zone.body, { detail: 'Zona inválida: INVALID' });
    const limit = await s.get('/api/v1/detections/recent?limit=1001');
    t.is(limit.status, 422);
    t.like(limit.body.detail[0], { type: 'less_than_equal', loc: ['query', 'limit'], ctx: { le: 1000 } });
  });

  test('D14: new thresholds reclassify every stored detection; near <= medium is a 400, 0 a 422', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', {
      device_id: 'rpi-001',
      detections: [-55, -70, -90].map((rssi, i) => ({ device_hash: hash(i), rssi })),
    });
    const wrongOrder = await s.send(
      '/api/v1/settings/thresholds',
      { near_threshold: -70, medium_threshold: -60 },
      { method: 'put' },
    );
    t.is(wrongOrder.status, 400);
    t.deepEqual(wrongOrder.body, { detail: 'near_threshold debe ser mayor que medium_threshold' });
    const zero = await s.send(
      '/api/v1/settings/thresholds',
      { near_threshold: 0, medium_threshold: -60 },
      { method: 'put' },
    );
    t.is(zero.status, 422);
    const res = await s.send(
      '/api/v1/settings/thresholds',
      { near_threshold: -50, medium_threshold: -80 },
      { method: 'put' },
    );
    t.is(res.status, 200);
    t.deepEqual(res.body, {
      message: 'Umbrales actualizados correctamente',
      thresholds: { near_threshold: -50, medium_threshold: -80 },
      recalculated: { total_detections: 3, updated_to_near: 0, updated_to_medium: 2, updated_to_far: 1 },
    });
    const zones = (await s.get('/api/v1/detections/recent')).body.map((r: { rssi: number; zone: string }) => [
      r.rssi,
      r.zone,
    ]);
    t.deepEqual(
      zones.sort(),
      [
        [-55, 'MEDIUM'],
        [-70, 'MEDIUM'],
        [-90, 'FAR'],
      ].sort(),
    );
    const realtime = await s.get('/api/v1/statistics/realtime?minutes=60');
    t.like(realtime.body.by_zone, {
      NEAR: { unique_devices: 0 },
      MEDIUM: { unique_devices: 2 },
      FAR: { unique_devices: 1 },
    });
  });

  test('D15: reset sets -60/-75 again, and the thresholds read back with their descriptions', async (t) => {
    const s = await startDetections(t, backend);
    await s.send(
      '/api/v1/settings/thresholds',
      { near_threshold: -50, medium_threshold: -80 },
      { method: 'put' },
    );
    const reset = await s.send('/api/v1/settings/thresholds/reset', {});
    t.deepEqual(reset.body, {
      message: 'Umbrales reseteados a valores por defecto',
      thresholds: { near_threshold: -60, medium_threshold: -75 },
    });
    t.deepEqual((await s.get('/api/v1/settings/thresholds')).body, {
      near_threshold: -60,
      medium_threshold: -75,
      description: { near: 'RSSI ≥ -60 dBm', medium: '-75 dBm ≤ RSSI < -60 dBm', far: 'RSSI < -75 dBm' },
    });
  });

  test('D16: the CSV export of the last hour is an attachment with the original header', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    const res = await s.get('/api/v1/export/detections/csv?last_hours=1');
    t.is(res.status, 200);
    t.is(res.headers['content-type'], 'text/csv; charset=utf-8');
    t.is(res.headers['content-disposition'], 'attachment; filename=detections_last_1h.csv');
    const lines = res.text.split('\r\n');
    t.is(lines[0], 'ID,Device Hash,RSSI (dBm),Zone,Timestamp,Device ID (IoT),Date,Time');
    t.regex(
      lines[1],
      new RegExp(`^\\d+,${hash(1)},-55,NEAR,2026-05-04T10:00:00\\+02:00,rpi-001,2026-05-04,10:00:00$`),
    );
    t.is(lines[2], '');
  });

  test('D17: an unknown device is a 404; a deactivated agent is active again after its next bulk', async (t) => {
    const s = await startDetections(t, backend);
    const missing = await s.get('/api/v1/devices/unknown');
    t.is(missing.status, 404);
    t.deepEqual(missing.body, { detail: 'Device no encontrado' });
    await s.send('/api/v1/detections/bulk', ITEM_1);
    const off = await s.send('/api/v1/devices/rpi-001/deactivate', {});
    t.is(off.body.is_active, false);
    await s.send('/api/v1/detections/bulk', ITEM_1);
    t.is((await s.get('/api/v1/devices/rpi-001')).body.is_active, true);
  });

  test('D18: devices/active lists only devices seen in the threshold, the latest first', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'old' });
    s.clock.advance(120_000);
    await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'earlier' });
    s.clock.advance(10_000);
    await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'latest' });
    const res = await s.get('/api/v1/devices/active?threshold_minutes=1');
    t.deepEqual(
      res.body.map((d: { device_id: string }) => d.device_id),
      ['latest', 'earlier'],
    );
  });
}
