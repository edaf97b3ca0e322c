import test from 'ava';
import {
  isPhpNumeric,
  PhpFloat,
  parsePhpQuery,
  phpEcho,
  phpEchoFloat,
  phpIntval,
  phpJsonEncode,
  phpMultiply,
  phpNumber,
} from '../../src/readings/php.js';

test('echo of a float uses 14 significant digits', (t) => {
  t.is(phpEchoFloat(50 / 60), '0.83333333333333');
  t.is(phpEchoFloat(1.32 * (50 / 60)), '1.1');
  t.is(phpEchoFloat(12), '12');
  t.is(phpEchoFloat(0), '0');
  t.is(phpEchoFloat(-0), '-0');
  t.is(phpEchoFloat(0.0001), '0.0001');
  t.is(phpEchoFloat(0.00001), '1.0E-5');
  t.is(phpEchoFloat(1e13), '10000000000000');
  t.is(phpEchoFloat(1e14), '1.0E+14');
  t.is(phpEchoFloat(1.5e25), '1.5E+25');
  t.is(phpEchoFloat(2 / 3), '0.66666666666667');
});

test('json_encode escapes slashes and non-ASCII unless told otherwise', (t) => {
  t.is(phpJsonEncode('a/b'), '"a\\/b"');
  t.is(phpJsonEncode('a/b', { unescapedSlashes: true }), '"a/b"');
  t.is(phpJsonEncode('café ☀'), '"caf\\u00e9 \\u2600"');
  t.is(phpJsonEncode('🌞'), '"\\ud83c\\udf1e"');
  t.is(phpJsonEncode('tab\there "q"\n'), '"tab\\there \\"q\\"\\n"');
  t.is(phpJsonEncode('\u0001'), '"\\u0001"');
});

test('json_encode writes empty arrays as [] and ordered maps as objects', (t) => {
  t.is(phpJsonEncode(new Map()), '[]');
  t.is(phpJsonEncode([]), '[]');
  t.is(
    phpJsonEncode(
      new Map([
        ['b', 1],
        ['a', null],
      ]),
    ),
    '{"b":1,"a":null}',
  );
});

test('json_encode writes an integral PHP float as the int, without JSON_PRESERVE_ZERO_FRACTION', (t) => {
  t.is(phpJsonEncode(new PhpFloat(1)), '1');
  t.is(phpJsonEncode(new PhpFloat(0)), '0');
  t.is(phpJsonEncode(new PhpFloat(0.8333333333333334)), '0.8333333333333334');
  t.is(phpEcho(new PhpFloat(1)), '1');
  t.is(phpJsonEncode(1), '1');
});

test('json_encode writes floats as php_gcvt does with serialize_precision -1', (t) => {
  t.is(phpJsonEncode(new PhpFloat(1.32 * (50 / 60))), '1.1');
  t.is(phpJsonEncode(new PhpFloat(-2.5)), '-2.5');
  t.is(phpJsonEncode(new PhpFloat(0.0001)), '0.0001');
  t.is(phpJsonEncode(new PhpFloat(0.00001)), '1.0e-5');
  t.is(phpJsonEncode(new PhpFloat(1e16)), '10000000000000000');
  t.is(phpJsonEncode(new PhpFloat(1e17)), '1.0e+17');
  t.is(phpJsonEncode(new PhpFloat(1.5e25)), '1.5e+25');
});

test('PHP 8 arithmetic: numeric strings are ints or floats, null is 0, non-numeric throws', (t) => {
  t.is(phpNumber('0'), 0);
  t.is(phpNumber(' 12 '), 12);
  t.deepEqual(phpNumber('1.32'), new PhpFloat(1.32));
  t.deepEqual(phpNumber('12.0'), new PhpFloat(12));
  t.deepEqual(phpNumber('1e3'), new PhpFloat(1000));
  t.deepEqual(phpNumber('1.5abc'), new PhpFloat(1.5), 'leading-numeric: a warning, not an error');
  t.is(phpNumber('PV power L'), undefined);
  t.is(phpNumber(''), undefined);
  t.deepEqual(phpMultiply(new PhpFloat(1.32), new PhpFloat(50 / 60)), new PhpFloat(1.1));
  t.deepEqual(phpMultiply(new PhpFloat(1.32), 1), new PhpFloat(1.32));
  t.deepEqual(phpMultiply(new PhpFloat(1.32), null), new PhpFloat(0));
  t.is(phpMultiply(3, 1), 3);
  t.is(phpMultiply(3, null), 0);
});

test('intval takes the leading number', (t) => {
  t.is(phpIntval('3abc'), 3);
  t.is(phpIntval(' 7'), 7);
  t.is(phpIntval('abc'), 0);
  t.is(phpIntval('-1'), -1);
  t.is(phpIntval('2.9'), 2);
  t.is(phpIntval('1e1'), 10);
  t.is(phpIntval(''), 0);
});

test('is_numeric follows PHP 8', (t) => {
  t.true(isPhpNumeric('12'));
  t.true(isPhpNumeric(' 1.5 '));
  t.true(isPhpNumeric('-3e2'));
  t.false(isPhpNumeric('1abc'));
  t.false(isPhpNumeric(''));
  t.false(isPhpNumeric('abc'));
});

test('echo prints what json_decode gives the way PHP does', (t) => {
  t.is(phpEcho('x'), 'x');
  t.is(phpEcho(null), '');
  t.is(phpEcho(true), '1');
  t.is(phpEcho(false), '');
  t.is(phpEcho(50), '50');
  t.is(phpEcho(0.5), '0.5');
});

test('the query string is parsed as $_GET: last duplicate wins, + is a space, bare keys are empty', (t) => {
  const q = parsePhpQuery('value=PV-voltage&value=datetime&line&x=a+b%2Fc&bad=%zz&a.b=1');
  t.is(q.get('value'), 'datetime');
  t.is(q.get('line'), '');
  t.is(q.get('x'), 'a b/c');
  t.is(q.get('bad'), '%zz');
  t.is(q.get('a_b'), '1');
  t.is(parsePhpQuery('').size, 0);
});
