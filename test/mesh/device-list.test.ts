import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { type DeviceEntry, deviceEntry, mergePosted } from '../../src/mesh/device-entry.js';
import { DeviceListFile, encodeDeviceList, normaliseDeviceList } from '../../src/mesh/device-list.js';

function tempList(content?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pimesh-devlist-'));
  const file = join(dir, 'deviceList.json');
  if (content !== undefined) writeFileSync(file, content);
  return { dir, file, list: new DeviceListFile({ dir, now: () => new Date('2024-05-06T07:08:09.010Z') }) };
}

const entry = (mac: string, name = 'n'): DeviceEntry =>
  deviceEntry({ mac, ip: '1.2.3.4', 'time stamp': '1', name, tz: 'UTC', log: ['a'] });

test('encodeDeviceList writes compact JSON in the original key order with unescaped slashes', (t) => {
  const shuffled = {
    log: ['2021-01-31 10:00:00.000001', ''],
    tz: 'America/New_York',
    name: 'Server "One"',
    'time stamp': '1612345678.123',
    ip: '1.2.3.4:8080',
    mac: 'b8:27:eb:00:00:01',
  } as DeviceEntry;
  t.is(
    encodeDeviceList([shuffled]),
    '[{"mac":"b8:27:eb:00:00:01","ip":"1.2.3.4:8080","time stamp":"1612345678.123",' +
      '"name":"Server \\"One\\"","tz":"America/New_York","log":["2021-01-31 10:00:00.000001",""]}]',
  );
  t.is(encodeDeviceList([]), '[]');
});

test('encodeDeviceList escapes non-ASCII as \\uXXXX, as json_encode does', (t) => {
  const out = encodeDeviceList([{ ...entry('m'), name: 'Café 😀', log: ['tab\there'] }]);
  t.true(out.includes('"name":"Caf\\u00e9 \\ud83d\\ude00"'));
  t.true(out.includes('"log":["tab\\there"]'));
});

test('normaliseDeviceList fills missing keys but tz, drops extra ones and makes values strings', (t) => {
  const parsed = JSON.parse(
    '[{"name":"Old","mac":"b8:27:eb:00:00:01","ip":"1.2.3.4","time stamp":1600000000.5,"extra":1},' +
      '{"mac":"m2","log":"solo","tz":null},{"mac":"m3","log":[0,"x"],"tz":""}]',
  );
  const list = normaliseDeviceList(parsed);
  t.deepEqual(list, [
    { mac: 'b8:27:eb:00:00:01', ip: '1.2.3.4', 'time stamp': '1600000000.5', name: 'Old', log: [''] },
    { mac: 'm2', ip: '', 'time stamp': '', name: '', log: ['solo'] },
    { mac: 'm3', ip: '', 'time stamp': '', name: '', tz: '', log: ['0', 'x'] },
  ]);
  t.false('tz' in (list?.[0] ?? {}), 'a missing tz stays missing: the original answers null for it');
  t.deepEqual(Object.keys(list?.[2] ?? {}), ['mac', 'ip', 'time stamp', 'name', 'tz', 'log']);
  t.is(normaliseDeviceList({ mac: 'x' }), undefined);
  t.is(normaliseDeviceList([1, {}]), undefined);
  t.is(normaliseDeviceList(null), undefined);
});

test('an old-format file is rewritten in the original format on the next update, still without tz', async (t) => {
  const { file, list } = tempList(
    '[{"mac":"m1","ip":"1.1.1.1","time stamp":"1","name":"Old","log":["x"],"x":2}]',
  );
  await list.update((l) => [...l]);
  t.is(readFileSync(file, 'utf8'), '[{"mac":"m1","ip":"1.1.1.1","time stamp":"1","name":"Old","log":["x"]}]');
});

test('entries with and without tz are written as json_encode writes them, the key only where it is', (t) => {
  const { tz: _, ...old } = entry('m1', 'Old');
  t.is(
    encodeDeviceList([old, { ...entry('m2', 'Blank'), tz: '' }, entry('m3', 'Zoned')]),
    '[{"mac":"m1","ip":"1.2.3.4","time stamp":"1","name":"Old","log":["a"]},' +
      '{"mac":"m2","ip":"1.2.3.4","time stamp":"1","name":"Blank","tz":"","log":["a"]},' +
      '{"mac":"m3","ip":"1.2.3.4","time stamp":"1","name":"Zoned","tz":"UTC","log":["a"]}]',
  );
  t.deepEqual(Object.keys(deviceEntry({ ...old, tz: undefined })), [
    'mac',
    'ip',
    'time stamp',
    'name',
    'log',
  ]);
});

test('a missing, empty or blank file loads as an empty list and says it was empty', async (t) => {
  for (const content of [undefined, '', ' \n\t']) {
    const { list, file } = tempList(content);
    t.deepEqual(await list.load(), []);
    const result = await list.update((l) => mergePosted(l, entry('m1')));
    t.true(result.wasEmpty);
    t.deepEqual(result.before, []);
    t.is(readFileSync(file, 'utf8'), encodeDeviceList([entry('m1')]));
  }
  const { list } = tempList('[]');
  t.false((await list.update((l) => l)).wasEmpty);
});

test('update returns the lists before and after', async (t) => {
  const { list } = tempList(encodeDeviceList([entry('m1')]));
  const { before, after, wasEmpty } = await list.update((l) => mergePosted(l, entry('m2')));
  t.deepEqual(before, [entry('m1')]);
  t.deepEqual(after, [entry('m1'), entry('m2')]);
  t.false(wasEmpty);
  t.deepEqual(list.list(), after);
});

test('the write is atomic: no temp file is left and the file mode is kept', async (t) => {
  const { dir, file, list } = tempList('[]');
  chmodSync(file, 0o640);
  for (let i = 0; i < 5; i++) await list.update((l) => mergePosted(l, entry(`m${i}`)));
  t.deepEqual(readdirSync(dir), ['deviceList.json']);
  t.is(statSync(file).mode & 0o777, 0o640);
});

test('a failing update rejects, writes nothing and does not block the next one', async (t) => {
  const { file, list } = tempList('[]');
  await t.throwsAsync(
    list.update(() => {
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  t.is(readFileSync(file, 'utf8'), '[]');
  await list.update((l) => mergePosted(l, entry('m1')));
  t.is(readFileSync(file, 'utf8'), encodeDeviceList([entry('m1')]));
});

test('concurrent updates run one at a time and lose nothing', async (t) => {
  const { file, list } = tempList('');
  const macs = Array.from({ length: 50 }, (_, i) => `m${i}`);
  await Promise.all(macs.map((mac) => list.update((l) => mergePosted(l, entry(mac)))));
  const stored = normaliseDeviceList(JSON.parse(readFileSync(file, 'utf8'))) ?? [];
  t.deepEqual(stored.map((e) => e.mac).sort(), [...macs].sort());
});

test('an edit of the file on disk (by an operator or an original script) is picked up', async (t) => {
  const { file, list } = tempList(encodeDeviceList([entry('m1')]));
  await list.update((l) => mergePosted(l, entry('m2')));
  writeFileSync(file, encodeDeviceList([entry('m9', 'edited by hand')]));
  const { before, after } = await list.update((l) => mergePosted(l, entry('m3')));
  t.deepEqual(before, [entry('m9', 'edited by hand')]);
  t.deepEqual(after, [entry('m9', 'edited by hand'), entry('m3')]);
  t.is(readFileSync(file, 'utf8'), encodeDeviceList(after));
});

test('a file deleted on disk starts an empty list again', async (t) => {
  const { file, list } = tempList(encodeDeviceList([entry('m1')]));
  await list.load();
  const { rmSync } = await import('node:fs');
  rmSync(file);
  const { before, wasEmpty } = await list.update((l) => mergePosted(l, entry('m2')));
  t.deepEqual(before, []);
  t.true(wasEmpty);
});

test('a corrupt file is renamed aside with its bytes, and the last good list is kept in memory', async (t) => {
  const { dir, file, list } = tempList(encodeDeviceList([entry('m1')]));
  await list.load();
  writeFileSync(file, '[{"mac":"m1",');
  t.deepEqual(await list.load(), [entry('m1')]);
  const aside = join(dir, 'deviceList.json.corrupt-2024-05-06T07-08-09.010Z');
  t.is(readFileSync(aside, 'utf8'), '[{"mac":"m1",');
  t.deepEqual(readdirSync(dir), ['deviceList.json.corrupt-2024-05-06T07-08-09.010Z']);

  writeFileSync(file, 'again');
  const { before, after, wasEmpty } = await list.update((l) => mergePosted(l, entry('m2')));
  t.true(wasEmpty);
  t.deepEqual(before, [entry('m1')]);
  t.is(readFileSync(file, 'utf8'), encodeDeviceList(after));
  t.is(
    readFileSync(`${aside}-1`, 'utf8'),
    'again',
    'a second corrupt copy in the same ms does not overwrite the first',
  );
});

test('the peers directory is created on the first write', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pimesh-devlist-')), 'peers');
  const list = new DeviceListFile({ dir });
  await list.update((l) => mergePosted(l, entry('m1')));
  t.is(readFileSync(join(dir, 'deviceList.json'), 'utf8'), encodeDeviceList([entry('m1')]));
});
