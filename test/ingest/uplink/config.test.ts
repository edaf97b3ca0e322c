/**
 * The uplink's leaf schema (`uplink`) and its defaults.
 */
import test from 'ava';
import { uplinkConfigSchema, uplinkOutboxDir, uplinkTopicPrefix } from '../../../src/ingest/uplink/config.js';

const problems = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

test('the topic prefix and the outbox directory default from the node name and the data directory', (t) => {
  const uplink = uplinkConfigSchema.parse({ url: 'mqtt://upstream.example.org' });
  t.is(uplinkTopicPrefix(uplink, 'hall/1'), 'pimesh/hall-1/');
  t.is(uplinkTopicPrefix({ ...uplink, topicPrefix: 'fleet/x/' }, 'hall'), 'fleet/x/');
  t.is(uplinkOutboxDir(uplink, '/var/lib/pimesh'), '/var/lib/pimesh/uplink');
});

test('the uplink is off by default and bounded; a wildcard prefix and a message over the bound are refused', (t) => {
  t.like(uplinkConfigSchema.parse(undefined), {
    maxBytes: 32 * 1024 * 1024,
    maxMessageBytes: 256 * 1024,
    maxInFlight: 32,
    retain: false,
  });
  t.is(uplinkConfigSchema.parse(undefined).url, undefined);
  const result = uplinkConfigSchema.safeParse({
    topicPrefix: 'fleet/+/',
    maxBytes: 65_536,
    maxMessageBytes: 100_000,
  });
  t.deepEqual(problems(result), [
    'topicPrefix: must not contain + or # (a topic to publish to, not a filter)',
    'maxMessageBytes: must be at most maxBytes',
  ]);
});
