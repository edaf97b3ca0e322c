import test from 'ava';
import {
  FrameDecoder,
  type FrameSink,
  ipId,
  plainAddress,
  SENSOR_TYPES,
  splitIpId,
} from '../../../src/ingest/lan-sensors/frame-codec.js';

/** A sink that keeps every frame as [opt, id, type, value]. */
function collect(): FrameSink & { frames: number[][] } {
  const frames: number[][] = [];
  return { frames, frame: (id, type, value, opt) => frames.push([opt, id, type, value]) };
}

const bytes = (...b: number[]) => Uint8Array.from(b);

test('three frames in one chunk are three frames', (t) => {
  const decoder = new FrameDecoder();
  const sink = collect();
  decoder.push(bytes(1, 0, 0, 1, 1, 8, 1, 200, 0, 16, 2, 1), sink);
  t.deepEqual(sink.frames, [
    [1, 0, 0, 1],
    [1, 8, 1, 200],
    [0, 16, 2, 1],
  ]);
  t.is(decoder.frames, 3);
  t.is(decoder.pending, 0);
});

test('a frame split across chunks is kept until its last byte comes', (t) => {
  const decoder = new FrameDecoder();
  const sink = collect();
  decoder.push(bytes(1, 0xff, 0, 1, 0, 5), sink);
  t.deepEqual(sink.frames, [[1, 255, 0, 1]]);
  t.is(decoder.pending, 2);
  decoder.push(bytes(1), sink);
  t.is(decoder.pending, 3);
  decoder.push(bytes(0xc8, 1, 2), sink);
  t.deepEqual(sink.frames, [
    [1, 255, 0, 1],
    [0, 5, 1, 200],
  ]);
  t.is(decoder.pending, 2);
});

test('every way of cutting a stream gives the same frames', (t) => {
  const stream = bytes(1, 0, 0, 1, 1, 1, 3, 80, 1, 2, 4, 83, 1, 3, 5, 7, 0, 4, 1, 159);
  const expected = collect();
  new FrameDecoder().push(stream, expected);
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b++) {
      const decoder = new FrameDecoder();
      const sink = collect();
      for (const part of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) {
        decoder.push(part, sink);
      }
      t.deepEqual(sink.frames, expected.frames, `cut at ${a} and ${b}`);
    }
  }
});

test('a frame of an unknown type is rejected and counted; the stream goes on with the next four bytes', (t) => {
  const decoder = new FrameDecoder();
  const sink = collect();
  const rejected = decoder.push(bytes(1, 1, 6, 9, 1, 2, 255, 9, 1, 3, 5, 9), sink);
  t.is(rejected, 2);
  t.is(decoder.rejected, 2);
  t.deepEqual(sink.frames, [[1, 3, 5, 9]]);
});

test('opt is passed through and changes nothing: 0, 1 and 255 are all readings', (t) => {
  const sink = collect();
  new FrameDecoder().push(bytes(0, 1, 0, 1, 1, 1, 0, 1, 255, 1, 0, 1), sink);
  t.deepEqual(
    sink.frames.map((f) => f[0]),
    [0, 1, 255],
  );
});

test('sensor types are named as the original stores them', (t) => {
  t.deepEqual([...SENSOR_TYPES], ['FIRE', 'SMOKE', 'MOTION', 'HUMIDITY', 'TEMPERATURE', 'WATER']);
});

test('ip_id is "<client IPv4>_<id in decimal>", an IPv4-mapped IPv6 address written as IPv4', (t) => {
  t.is(ipId('127.0.0.1', 255), '127.0.0.1_255');
  t.is(ipId('::ffff:10.89.21.188', 7), '10.89.21.188_7');
  t.is(ipId('fe80::1', 0), 'fe80::1_0');
  t.is(plainAddress('::ffff:192.168.1.2'), '192.168.1.2');
  t.is(plainAddress('::ffff:abcd'), '::ffff:abcd');
  t.deepEqual(splitIpId('10.89.21.188_17'), { board: '10.89.21.188', id: 17 });
  t.deepEqual(splitIpId('fe80::1_0'), { board: 'fe80::1', id: 0 });
  t.deepEqual(splitIpId('legacy'), { board: 'legacy', id: null });
});
