/**
 * The rest of spec D.4 on each backend, and the deliberate differences: the single-detection route
 * works, zone filters take any case, FastAPI's trailing-slash redirects, the devices' life cycle, the
 * hourly, daily and distribution answers, an export of more rows than a page, bodies refused in
 * FastAPI's shapes.
 */
import { ITEM_1 } from './checklist-suite.js';
import { type Backend, hash, startDetections } from './harness.js';

export function apiSuite(backend: Backend): void {
  const test = (title: string, body: Parameters<Backend['test']>[1]) =>
    backend.test(`${backend.name}: ${title}`, body);

  test('POST /detections/ stores one checked detection and answers it (the original always failed)', async (t) => {
    const s = await startDetections(t, backend);
    const res = await s.send('/api/v1/detections/?device_id=rpi-009', {
      device_hash: hash(9),
      rssi: -70,
      zone: 'near',
      timestamp: '2026-05-04T09:59:00Z',
    });
    t.is(res.status, 200);
    t.like(res.body, {
      device_hash: hash(9),
      rssi: -70,
      zone: 'MEDIUM',
      timestamp: '2026-05-04T11:59:00+02:00',
    });
    t.true(Number.isInteger(res.body.id) && res.body.id > 0);
    t.is((await s.get('/api/v1/devices/rpi-009')).status, 200);
    const bad = await s.send('/api/v1/detections/?device_id=rpi-009', { device_hash: 'xyz', rssi: 5 });
    t.is(bad.status, 422);
    t.deepEqual(
      bad.body.detail.map((i: { type: string }) => i.type),
      ['string_pattern_mismatch', 'less_than_equal'],
    );
    const noDevice = await s.send('/api/v1/detections/', { device_hash: hash(9), rssi: -70 });
    t.like(noDevice.body.detail[0], { type: 'missing', loc: ['query', 'device_id'] });
  });

  test('zone filters take any case, and an invalid one is a 400 on recent as on count', async (t) => {
    const s = await startDetections(t, backend);
    await s.send('/api/v1/detections/bulk', {
      device_id: 'rpi-001',
      detections: [-50, -70, -90].map((rssi, i) => ({ device_hash: hash(i), rssi })),
    });
    for (const zone of ['near', 'NEAR', 'Near']) {
      const recent = await s.get(`/api/v1/detections/recent?zone=${zone}`);
      t.deepEqual(
        recent.body.map((r: { rssi: number }) => r.rssi),
        [-50],
      );
    }
    const count = await s.get('/api/v1/detections/count?zone=medium&hours=1');
    t.like(count.body, { zone: 'medium', unique_devices: 1, estimated_people: 1 });
    t.deepEqual((await s.get('/api/v1/detections/count')).body.unique_devices, 3);
    const bad = await s.get('/api/v1/detections/recent?zone=close');
    t.is(bad.status, 400);
    t.deepEqual(bad.body, { detail: 'Zona inválida: close' });
    const csv = await s.get('/api/v1/export/detections/csv?last_minutes=30&zone=far');
    t.is(csv.headers['content-disposition'], 'attachment; filename=detections_last_30min_zone_far.csv');
    t.is(csv.text.trim().split('\r\n').length, 2);
    const ignored = await s.get('/api/v1/export/detections/csv?last_days=7&zone=close');
    t.is(ignored.headers['content-disposition'], 'attachment; filename=detections_last_7d.csv');
  });

  test('a path that differs by its trailing slash is a 307 to the route, as FastAPI answers', async (t) => {
    const s = await startDetections(t, backend);
    const list = await s.get('/api/v1/devices?active_only=true');
    t.is(list.status, 307);
    t.regex(list.headers.location, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/devices\/\?active_only=true$/);
    const post = await s.send('/api/v1/detections?device_id=x', {});
    t.is(post.status, 307);
    t.regex(post.headers.location, /\/api\/v1\/detections\/\?device_id=x$/);
    const extra = await s.get('/api/v1/statistics/realtime/');
    t.is(extra.status, 307);
    t.regex(extra.headers.location, /\/api\/v1\/statistics\/realtime$/);
    t.is((await s.get('/api/v1/devices/')).status, 200);
  });

  test('devices: registered once, listed newest first, updated (and seen), with their stats', async (t) => {
    const s = await startDetections(t, backend);
    const first = await s.send('/api/v1/devices/register', { device_id: 'a', name: 'Door' });
    t.is(first.status, 200, JSON.stringify(first.body));
    t.like(first.body, { device_id: 'a', name: 'Door', location: null, is_active: true, last_seen: null });
    s.clock.advance(1000);
    await s.send('/api/v1/devices/register', { device_id: 'b' });
    const again = await s.send('/api/v1/devices/register', { device_id: 'a', name: 'Other' });
    t.deepEqual(again.body, first.body);
    const list = await s.get('/api/v1/devices/');
    t.deepEqual(
      list.body.map((d: { device_id: string }) => d.device_id),
      ['b', 'a'],
    );
    await s.send('/api/v1/devices/b/deactivate', {});
    t.deepEqual(
      (await s.get('/api/v1/devices/?active_only=true')).body.map((d: { device_id: string }) => d.device_id),
      ['a'],
    );
    s.clock.advance(1000);
    const updated = await s.send('/api/v1/devices/a', { location: 'Hall', name: null }, { method: 'put' });
    t.like(updated.body, { name: 'Door', location: 'Hall', last_seen: '2026-05-04T10:01:02+02:00' });
    t.is((await s.send('/api/v1/devices/zzz', { name: 'x' }, { method: 'put' })).status, 404);
    await s.send('/api/v1/detections/bulk', { ...ITEM_1, device_id: 'a' });
    await s.send('/api/v1/detections/bulk', {
      device_id: 'a',
      detections: [{ device_hash: hash(2), rssi: -80, timestamp: '2026-05-03T08:00:00' }],
    });
    const stats = await s.get('/api/v1/devices/a/stats');
    t.deepEqual(stats.body, {
      device_id: 'a',
      name: 'Door',
      location: 'Hall',
      is_active: true,
      registered_at: '2026-05-04T10:01:00+02:00',
      last_seen: '2026-05-04T10:01:02+02:00',
      total_detections: 2,
      first_detection: '2026-05-03T08:00:00+02:00',
      last_detection: '2026-05-04T10:00:00+02:00',
    });
  });

  test('hourly, daily and distribution answer per local hour, per local day and per zone', async (t) => {
    const s = await startDetections(t, backend);
    const at = (day: number, hour: number, i: number, rssi: number) => ({
      device_hash: hash(i),
      rssi,
      timestamp: `2026-05-0${day}T${String(hour).padStart(2, '0')}:30:00`,
    });
    await s.send('/api/v1/detections/bulk', {
      device_id: 'rpi-001',
      detections: [at(4, 9, 1, -50), at(4, 9, 1, -52), at(4, 9, 2, -80), at(4, 7, 3, -50), at(2, 23, 4, -70)],
    });
    const hourly = await s.get('/api/v1/statistics/hourly?date=2026-05-04');
    t.is(hourly.body.date, '2026-05-04');
    t.deepEqual(hourly.body.statistics, [
      {
        period_type: 'hour',
        period_start: '2026-05-04T07:00:00+02:00',
        zone: 'NEAR',
        unique_devices: 1,
        total_detections: 1,
        estimated_people: 1,
        avg_rssi: -50,
      },
      {
        period_type: 'hour',
        period_start: '2026-05-04T09:00:00+02:00',
        zone: 'NEAR',
        unique_devices: 1,
        total_detections: 2,
        estimated_people: 1,
        avg_rssi: -51,
      },
      {
        period_type: 'hour',
        period_start: '2026-05-04T09:00:00+02:00',
        zone: 'FAR',
        unique_devices: 1,
        total_detections: 1,
        estimated_people: 1,
        avg_rssi: -80,
      },
    ]);
    t.is((await s.get('/api/v1/statistics/hourly?date=2026-13-01')).status, 422);
    const daily = await s.get('/api/v1/statistics/daily?days=3');
    t.like(daily.body, { start_date: '2026-05-02', end_date: '2026-05-04' });
    t.deepEqual(
      daily.body.statistics.map((p: { period_start: string; zone: string; unique_devices: number }) => [
        p.period_start,
        p.zone,
        p.unique_devices,
      ]),
      [
        ['2026-05-02T00:00:00+02:00', 'MEDIUM', 1],
        ['2026-05-04T00:00:00+02:00', 'NEAR', 2],
        ['2026-05-04T00:00:00+02:00', 'FAR', 1],
      ],
    );
    const distribution = await s.get('/api/v1/statistics/distribution?hours=24');
    t.like(distribution.body, {
      total: 4,
      distribution: {
        NEAR: { count: 3, percentage: 75 },
        MEDIUM: { count: 0, percentage: 0 },
        FAR: { count: 1, percentage: 25 },
      },
    });
  });

  test('an export of more rows than a page streams them all, newest first, each once', async (t) => {
    const s = await startDetections(t, backend);
    const n = 12_345;
    const detections = Array.from({ length: n }, (_, i) => ({
      device_hash: hash(i % 500),
      rssi: -40 - (i % 50),
      // Several rows share each second, so the pages must break ties by id.
      timestamp: new Date(Date.UTC(2026, 4, 4, 7) + Math.floor(i / 3) * 1000).toISOString(),
    }));
    await s.send('/api/v1/detections/bulk', { device_id: 'rpi-001', detections });
    const res = await s.get('/api/v1/export/detections/csv?start_date=2026-05-04&end_date=2026-05-04');
    t.is(res.headers['content-disposition'], 'attachment; filename=detections_2026-05-04_to_2026-05-04.csv');
    const ids = res.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => Number(line.split(',')[0]));
    t.is(ids.length, n);
    t.is(new Set(ids).size, n);
    const times = res.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[4]);
    t.deepEqual(times, [...times].sort().reverse());
  });

  test('bodies are refused in FastAPI shapes: bad JSON, not JSON, too big, too many detections', async (t) => {
    const s = await startDetections(t, backend, {
      config: { limits: { maxBodyBytes: 2048, maxDetectionsPerBatch: 3 } },
    });
    const bad = await s
      .http()
      .post('/api/v1/detections/bulk')
      .set('X-API-Key', 'agent-key-of-the-site')
      .set('Content-Type', 'application/json')
      .send('{"device_id": ');
    t.is(bad.status, 422);
    t.like(bad.body.detail[0], { type: 'json_invalid', msg: 'JSON decode error' });
    const form = await s
      .http()
      .post('/api/v1/detections/bulk')
      .set('X-API-Key', 'agent-key-of-the-site')
      .type('form')
      .send('device_id=x');
    t.is(form.status, 422);
    const big = await s.send('/api/v1/detections/bulk', {
      device_id: 'x',
      detections: [],
      pad: 'x'.repeat(4000),
    });
    t.is(big.status, 413);
    t.regex(big.body.detail, /over 2048 bytes/);
    const many = await s.send('/api/v1/detections/bulk', {
      device_id: 'x',
      detections: [1, 2, 3, 4].map((i) => ({ device_hash: hash(i), rssi: -50 })),
    });
    t.is(many.status, 422);
    t.like(many.body.detail[0], { type: 'too_long', loc: ['body', 'detections'] });
    t.is((await s.get('/api/v1/detections/recent')).body.length, 0);
  });
}
