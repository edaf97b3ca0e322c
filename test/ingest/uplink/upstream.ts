/**
 * The upstream side of the uplink tests: a subscriber on the broker with a persistent session (so
 * what is published while it is away is kept for it), counting the readings `{"i": n}` it receives.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ExecutionContext } from 'ava';
import mqtt, { type MqttClient } from 'mqtt';

export const PREFIX = 'pimesh/test/';

export interface Upstream {
  /** `i` of every reading received, in arrival order (a redelivery appears twice). */
  readings: number[];
  topics: Set<string>;
  client: MqttClient;
}

/** Connects the persistent-session subscriber to `pimesh/test/#` at QoS 1 and collects. */
export async function upstream(
  t: ExecutionContext,
  url: string,
  clientId = 'test-upstream',
): Promise<Upstream> {
  const client = await mqtt.connectAsync(url, {
    clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 200,
  });
  t.teardown(() => client.endAsync(true));
  const seen: Upstream = { readings: [], topics: new Set(), client };
  client.on('message', (topic, payload) => {
    seen.topics.add(topic);
    seen.readings.push((JSON.parse(payload.toString()) as { i: number }).i);
  });
  await client.subscribeAsync(`${PREFIX}#`, { qos: 1 });
  return seen;
}

/** Creates the subscriber's session on the broker and leaves: the broker queues for it from now on. */
export async function registerSession(url: string, clientId = 'test-upstream'): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId, clean: false, protocolVersion: 4 });
  await client.subscribeAsync(`${PREFIX}#`, { qos: 1 });
  await client.endAsync();
}

/**
 * Whether `readings` holds 0..n-1 in order, each first copy after the previous one; a reading sent
 * again (its PUBACK lost to a disconnect) may repeat. Returns a description of the first fault.
 */
export function inOrder(readings: number[], n: number): string | undefined {
  let next = 0;
  for (const [k, i] of readings.entries()) {
    if (i === next) next++;
    else if (i > next) return `reading ${i} arrived (position ${k}) before ${next}`;
  }
  return next === n ? undefined : `only 0..${next - 1} of ${n} arrived`;
}

export interface ChildUplink {
  lines: Record<string, unknown>[];
  last(key: string): Record<string, unknown> | undefined;
  kill(): Promise<void>;
}

const CHILD = new URL('./uplink-child.ts', import.meta.url).pathname;

/** Runs test/ingest/uplink/uplink-child.ts with the environment given; killed when the test ends. */
export function childUplink(t: ExecutionContext, env: Record<string, string>): ChildUplink {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD], {
    env: { ...process.env, ...env },
    // stdin is how the child knows the test is gone (it exits when it ends); stderr is not
    // inherited, so a child outliving a crashed test never holds ava's output open.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr?.pipe(process.stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line)));
  return {
    lines,
    last: (key) => lines.findLast((line) => key in line),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
