/**
 * The node's MQTT side as the tests start it: a subscriber in this process (stopped when the test
 * ends, resolved once subscribed), or a script of its own in a child process that prints
 * `subscribed`, then `stored` per batch, for the tests that kill it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { ExecutionContext } from 'ava';
import {
  MqttSubscriber,
  type MqttSubscriberOptions,
} from '../../../src/ingest/detections/mqtt-subscriber.js';
import { silentLogger } from '../../../src/log.js';
import { until } from '../../helpers/until.js';

/** The repository root as a file URL ending in `/`, for a child script's imports. */
export const ROOT = pathToFileURL(join(import.meta.dirname, '../../../')).href;

export async function startSubscriber(
  t: ExecutionContext,
  options: Omit<MqttSubscriberOptions, 'log'> & Partial<Pick<MqttSubscriberOptions, 'log'>>,
): Promise<MqttSubscriber> {
  const subscriber = new MqttSubscriber({ log: silentLogger(), ...options });
  t.teardown(() => subscriber.stop());
  const subscribed = once(subscriber, 'subscribed');
  await subscriber.start();
  await subscribed;
  return subscriber;
}

export interface NodeChild {
  process: ChildProcess;
  /** Batches the child reported stored (acknowledged). */
  stored(): number;
}

/** Runs `source` (TypeScript, through tsx) in `dir` with `env`; resolves once it printed `subscribed`. */
export async function startChildNode(
  t: ExecutionContext,
  dir: string,
  source: string,
  env: Record<string, string>,
): Promise<NodeChild> {
  const script = join(dir, 'child.mts');
  writeFileSync(script, source);
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script], {
    env: { ...process.env, ...env },
    // stdin is how the child knows the test is gone (it exits when it ends); stderr is not
    // inherited, so a child outliving a crashed test never holds ava's output open.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr?.pipe(process.stderr);
  t.teardown(() => child.kill('SIGKILL'));
  let subscribed = false;
  let stored = 0;
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line === 'subscribed') subscribed = true;
    else stored++;
  });
  await until('the child subscribed', () => subscribed, { timeoutMs: 90_000 });
  return { process: child, stored: () => stored };
}
