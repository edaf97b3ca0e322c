import test from 'ava';
import bcrypt from 'bcryptjs';
import { NetworkKey } from '../../src/mesh/network-key.js';

const KEY = 'tPmAT5Ab3j7F9xYz0123456789abcdef';

test('a plain key verifies itself and nothing else', async (t) => {
  const key = new NetworkKey({ key: KEY });
  t.true(key.configured());
  t.is(key.describe(), 'key');
  t.true(await key.verify(KEY));
  t.false(await key.verify('wrong'));
  t.false(await key.verify(`${KEY}x`));
  t.false(await key.verify(KEY.slice(0, -1)));
  t.false(await key.verify(''));
  t.false(await key.verify(undefined));
});

test('the candidate goes through test_input first: trimmed and unslashed, as PHP does', async (t) => {
  const key = new NetworkKey({ key: 'testkey' });
  t.true(await key.verify('  testkey\n'));
  t.true(await key.verify('test\\key'));
  t.false(await key.verify('test key'));
});

test('a bcrypt hash with the $2y$ prefix of PHP password_hash verifies', async (t) => {
  const generated = bcrypt.hashSync(KEY, 4);
  t.true(generated.startsWith('$2b$04$'));
  const php = generated.replace(/^\$2b\$/, '$2y$');
  const key = new NetworkKey({ keyHash: php });
  t.is(key.describe(), 'hash');
  t.true(await key.verify(KEY));
  t.true(await key.verify(` ${KEY} `), 'the remembered candidate, trimmed');
  t.false(await key.verify('wrong'));
  t.false(await key.verify(undefined));
});

test("the PHP manual's password_verify example hash ($2y$10$, made by PHP) verifies", async (t) => {
  const key = new NetworkKey({ keyHash: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' });
  t.true(await key.verify('rasmuslerdorf'));
  t.false(await key.verify('rasmuslerdorF'));
});

test('with a key and a hash configured either one is accepted', async (t) => {
  const key = new NetworkKey({ key: 'plain', keyHash: bcrypt.hashSync('hashed', 4) });
  t.is(key.describe(), 'key+hash');
  t.true(await key.verify('plain'));
  t.true(await key.verify('hashed'));
  t.false(await key.verify('neither'));
});

test('with neither a key nor a hash nothing verifies', async (t) => {
  for (const options of [{}, { key: '' }, { key: undefined, keyHash: undefined }]) {
    const key = new NetworkKey(options);
    t.false(key.configured());
    t.is(key.describe(), 'none');
    t.false(await key.verify(''));
    t.false(await key.verify('anything'));
  }
});
