import test from 'ava';
import { InputError } from '../../src/errors.js';
import { phpStripslashes, phpTrim, testInput } from '../../src/mesh/php-escape.js';
import { isPeerAddress, validatePost } from '../../src/mesh/php-input.js';

test('trim strips the characters PHP strips, and only those', (t) => {
  t.is(phpTrim(' \t\n\r\0\x0Bkey\x0B\0\r\n\t '), 'key');
  t.is(phpTrim('\fkey\u00a0'), '\fkey\u00a0');
  t.is(phpTrim('  '), '');
});

test('stripslashes removes one level of backslashes', (t) => {
  t.is(phpStripslashes('a\\\\b'), 'a\\b');
  t.is(phpStripslashes("O\\'Reilly"), "O'Reilly");
  t.is(phpStripslashes('\\x'), 'x');
  t.is(phpStripslashes('end\\'), 'end');
  t.is(phpStripslashes('nul\\0'), 'nul\0');
  t.is(phpStripslashes('\\\\\\'), '\\');
});

test('test_input escapes as PHP 8.1+ htmlspecialchars with ENT_QUOTES and double encoding', (t) => {
  t.is(
    testInput(`<a href="x">Alex's & co</a>`),
    '&lt;a href=&quot;x&quot;&gt;Alex&#039;s &amp; co&lt;/a&gt;',
  );
  t.is(testInput('&amp;'), '&amp;amp;');
  t.is(testInput('  Two <b>\n'), 'Two &lt;b&gt;');
  t.is(testInput('\\<b\\>'), '&lt;b&gt;');
  t.is(testInput('Café 😀'), 'Café 😀');
  t.is(testInput('bad \ud800 surrogate'), 'bad \ufffd surrogate');
  t.is(testInput(undefined), '');
  t.is(testInput(''), '');
});

const FIELDS = {
  api_key: 'k',
  stamp: '1612345678.123',
  ip: '1.2.3.4:8080',
  mac: 'b8:27:eb:00:00:01\n',
  name: 'Server One',
  tz: 'America/New_York',
  log: 'a,b',
};

test('validatePost builds the entry in the original key order from escaped values', (t) => {
  const entry = validatePost(new Map(Object.entries({ ...FIELDS, name: ' <One> ' })));
  t.deepEqual(Object.keys(entry), ['mac', 'ip', 'time stamp', 'name', 'tz', 'log']);
  t.deepEqual(entry, {
    mac: 'b8:27:eb:00:00:01',
    ip: '1.2.3.4:8080',
    'time stamp': '1612345678.123',
    name: '&lt;One&gt;',
    tz: 'America/New_York',
    log: ['a', 'b'],
  });
});

test('validatePost explodes log as PHP does and defaults missing tz to ""', (t) => {
  const { log: _, tz: __, ...rest } = FIELDS;
  t.deepEqual(validatePost(rest).log, ['']);
  t.is(validatePost(rest).tz, '');
  t.deepEqual(validatePost({ ...rest, log: '' }).log, ['']);
  t.deepEqual(validatePost({ ...rest, log: '0' }).log, ['0']);
  t.deepEqual(validatePost({ ...rest, log: ' x , y ' }).log, ['x ', ' y']);
});

test('validatePost refuses each bad field with an InputError naming it', (t) => {
  const cases: Array<[Record<string, string | undefined>, RegExp]> = [
    [{ mac: undefined }, /^mac: must be a MAC address like b8:27:eb:00:00:01$/],
    [{ mac: 'b8:27:eb:00:00' }, /^mac: /],
    [{ mac: 'b8-27-eb-00-00-01' }, /^mac: /],
    [{ ip: '' }, /^ip: /],
    [{ ip: '1.2.3.4:' }, /^ip: /],
    [{ stamp: '' }, /^stamp: /],
    [{ stamp: '1.6e9' }, /^stamp: /],
    [{ stamp: '-1' }, /^stamp: /],
  ];
  for (const [fields, message] of cases) {
    const error = t.throws(() => validatePost({ ...FIELDS, ...fields }), { instanceOf: InputError });
    t.regex(error?.message ?? '', message);
    t.is(error?.status, 400);
    t.is(error?.code, 'ERR_INPUT');
  }
  t.is(validatePost({ ...FIELDS, stamp: '1612345678' })['time stamp'], '1612345678');
  t.is(validatePost({ ...FIELDS, mac: 'B8:27:EB:0A:0b:01' }).mac, 'B8:27:EB:0A:0b:01');
});

test('validatePost takes any name, tz and log the original takes, however long, escaped as it stores them', (t) => {
  const long = `${'Solar Power for Artists '.repeat(10)}<b>"roof" & co</b>`;
  const entry = validatePost({
    ...FIELDS,
    name: long,
    tz: 'not/a zone <x>',
    log: `${'2023-04-23 06:51:06.969307,'.repeat(216)}0`,
  });
  t.is(entry.name, `${'Solar Power for Artists '.repeat(10)}&lt;b&gt;&quot;roof&quot; &amp; co&lt;/b&gt;`);
  t.is([...entry.name].length, 284, 'far over the 64 characters once refused');
  t.is(entry.tz, 'not/a zone &lt;x&gt;');
  t.is(entry.log.length, 217);
  t.is(validatePost({ ...FIELDS, name: '' }).name, '');
});

test('peer addresses: IPv4, IPv6 and host names, each with an optional port', (t) => {
  for (const ok of [
    '1.2.3.4',
    '1.2.3.4:8080',
    '::1',
    'fe80::1',
    '2001:db8::42',
    '[2001:db8::42]:8080',
    '[::1]',
    'localhost',
    'solarprotocol.net',
    'node-1.example.org:65535',
  ]) {
    t.true(isPeerAddress(ok), ok);
  }
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.999',
    '1.2.3.4:99999',
    '1.2.3.4:-1',
    'a host',
    '-bad.example',
    'bad-.example',
    'x..y',
    '[::1',
    '[1.2.3.4]:80',
    'host:',
    'host:80:80',
    'http://1.2.3.4',
    '&lt;b&gt;',
    `${'a'.repeat(64)}.org`,
  ]) {
    t.false(isPeerAddress(bad), bad);
  }
});
