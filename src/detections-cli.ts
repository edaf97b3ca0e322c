/**
 * `pimesh detections simulate --agents N --rate R`: fake TFG agents publishing realistic batches
 * (spec D.1) for demos and benchmarks, to the node's MQTT broker or its HTTP bulk API (the node's own
 * settings unless `--mqtt URL` or `--http BASE` says otherwise).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { daemonBase } from './one-shot.js';

export const DETECTIONS_USAGE = `Usage: pimesh detections simulate [options] [--config FILE]

  --agents N        fake agents, each its own connection (default 1)
  --rate R          messages a second, all agents together; 0: as fast as possible (default 1)
  --count C         stop after C messages (default: until Ctrl-C)
  --mqtt URL        publish to this broker (default: detections.mqtt.url)
  --topic T         the MQTT topic (default: detections.mqtt.topic)
  --http BASE       POST /api/v1/detections/bulk to this node (default: this node, when no broker)
  --key K           the X-API-Key for --http (default: detections.key)`;

const number = (name: string, raw: string | undefined, fallback: number, min: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new RangeError(`${name} must be a number of at least ${min}, not "${raw}"`);
  return n;
};

export async function detectionsCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      agents: { type: 'string' },
      rate: { type: 'string' },
      count: { type: 'string' },
      mqtt: { type: 'string' },
      topic: { type: 'string' },
      http: { type: 'string' },
      key: { type: 'string' },
    },
  });
  const sub = positionals[0];
  if (values.help || sub === undefined) {
    console.log(DETECTIONS_USAGE);
    return values.help ? 0 : 2;
  }
  if (sub !== 'simulate') {
    console.error(`pimesh detections: unknown command "${sub}"\n\n${DETECTIONS_USAGE}`);
    return 2;
  }
  const { config, ...loaded } = loadConfig({ configPath: values.config });
  const mqttUrl = values.mqtt ?? (values.http ? undefined : config.detections.mqtt.url);
  const target = mqttUrl
    ? { mqtt: { url: mqttUrl, topic: values.topic ?? config.detections.mqtt.topic } }
    : {
        http: {
          baseUrl: values.http ?? daemonBase({ config, ...loaded }),
          apiKey: values.key ?? config.detections.key,
        },
      };
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const { simulateDetections } = await import('./ingest/detections/simulate.js');
  const result = await simulateDetections({
    agents: number('--agents', values.agents, 1, 1),
    rate: number('--rate', values.rate, 1, 0),
    count: values.count === undefined ? undefined : number('--count', values.count, 1, 1),
    signal: stop.signal,
    ...target,
  });
  const where = mqttUrl ? mqttUrl : `${target.http?.baseUrl}/api/v1/detections/bulk`;
  console.log(
    `${result.agents} agent(s) sent ${result.sent} messages (${result.detections} detections) to ${where} in ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  for (const failure of result.failures) console.error(failure);
  return result.failed === 0 ? 0 : 1;
}
