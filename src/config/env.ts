/**
 * The PIMESH_* environment variables (DESIGN.md's public contract) and where each lands in the config.
 * Values stay strings here except where the type is known; the schema then checks them.
 */
import { parseJobSwitches } from '../jobs/jobs-config.js';

export interface EnvBinding {
  name: string;
  path: string[];
  parse: (raw: string) => unknown;
}

const text = (raw: string) => raw;
const int = (raw: string) => (/^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw);
const onOff = (raw: string) => {
  const v = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  return raw;
};
const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const number = (raw: string) => (/^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw);
/** piStat's reading of a boolean: true, t, 1, yes, y (any case); everything else is false. */
const piStatBool = (raw: string) => ['true', 't', '1', 'yes', 'y'].includes(raw.trim().toLowerCase());
const PISTAT_LEVELS: Record<string, string> = { warning: 'warn', critical: 'fatal' };
const piStatLevel = (raw: string) => {
  const level = raw.trim().toLowerCase();
  return PISTAT_LEVELS[level] ?? level;
};

/**
 * piStat's variables, accepted as aliases. They come first, so the PIMESH_* variable for the same
 * setting wins when both are set.
 */
const PISTAT_ALIASES: EnvBinding[] = [
  { name: 'PISTAT_PORT', path: ['http', 'port'], parse: int },
  { name: 'PISTAT_HOST', path: ['http', 'host'], parse: text },
  { name: 'PISTAT_LOG_LEVEL', path: ['log', 'level'], parse: piStatLevel },
  { name: 'PISTAT_CACHE_SECONDS', path: ['systemMonitor', 'cacheSeconds'], parse: int },
  { name: 'PISTAT_RATE_LIMIT_ENABLED', path: ['systemMonitor', 'rateLimit', 'enabled'], parse: piStatBool },
  { name: 'PISTAT_RATE_LIMIT_REQUESTS', path: ['systemMonitor', 'rateLimit', 'requests'], parse: int },
  { name: 'PISTAT_RATE_LIMIT_WINDOW', path: ['systemMonitor', 'rateLimit', 'windowSeconds'], parse: int },
  { name: 'PISTAT_COMPRESSION', path: ['systemMonitor', 'compression', 'enabled'], parse: piStatBool },
  { name: 'PISTAT_MIN_COMPRESS_SIZE', path: ['systemMonitor', 'compression', 'thresholdBytes'], parse: int },
];

export const ENV_BINDINGS: EnvBinding[] = [
  ...PISTAT_ALIASES,
  { name: 'PIMESH_PORT', path: ['http', 'port'], parse: int },
  { name: 'PIMESH_HOST', path: ['http', 'host'], parse: text },
  { name: 'PIMESH_DATA_DIR', path: ['dataDir'], parse: text },
  { name: 'PIMESH_PEERS_DIR', path: ['peersDir'], parse: text },
  { name: 'PIMESH_NETWORK_KEY', path: ['network', 'key'], parse: text },
  { name: 'PIMESH_NETWORK_KEY_HASH', path: ['network', 'keyHash'], parse: text },
  { name: 'PIMESH_ADMIN_KEY', path: ['adminKey'], parse: text },
  { name: 'PIMESH_ADMIN_KEY_HASH', path: ['adminKeyHash'], parse: text },
  { name: 'PIMESH_CHARGE_CONTROLLER', path: ['chargeController', 'source'], parse: text },
  { name: 'PIMESH_SAMPLE_INTERVAL', path: ['chargeController', 'sampleIntervalSeconds'], parse: int },
  { name: 'PIMESH_LOCAL_JSON', path: ['localJson'], parse: text },
  { name: 'PIMESH_NAME', path: ['identity', 'name'], parse: text },
  { name: 'PIMESH_MAC', path: ['identity', 'mac'], parse: text },
  { name: 'PIMESH_PUBLIC_IP', path: ['identity', 'publicIp'], parse: text },
  { name: 'PIMESH_PUBLIC_IP_URL', path: ['identity', 'publicIpUrl'], parse: text },
  { name: 'PIMESH_HOST_NAMES', path: ['http', 'hostNames'], parse: list },
  { name: 'PIMESH_TRUSTED_PROXIES', path: ['http', 'trustedProxies'], parse: list },
  { name: 'PIMESH_PUBLIC_DEVICE_LIST', path: ['network', 'publicDeviceList'], parse: onOff },
  { name: 'PIMESH_SEEDS', path: ['network', 'seeds'], parse: list },
  { name: 'PIMESH_GOSSIP_INTERVAL', path: ['network', 'gossipIntervalSeconds'], parse: int },
  { name: 'PIMESH_PEER_DATA_INTERVAL', path: ['network', 'peerDataIntervalSeconds'], parse: int },
  { name: 'PIMESH_ELECTION_RULE', path: ['election', 'rule'], parse: text },
  { name: 'PIMESH_ELECTION_METRIC', path: ['election', 'metric'], parse: text },
  { name: 'PIMESH_ELECTION_INTERVAL', path: ['election', 'intervalSeconds'], parse: int },
  { name: 'PIMESH_SENSORS_PORT', path: ['sensors', 'port'], parse: int },
  { name: 'PIMESH_SENSORS_HOST', path: ['sensors', 'host'], parse: text },
  { name: 'PIMESH_SENSORS_DB', path: ['sensors', 'dbPath'], parse: text },
  { name: 'PIMESH_SENSORS_ALLOW', path: ['sensors', 'allow'], parse: list },
  { name: 'PIMESH_SENSORS_WEBHOOK', path: ['sensors', 'webhookUrl'], parse: text },
  { name: 'PIMESH_DETECTIONS_KEY', path: ['detections', 'key'], parse: text },
  { name: 'PIMESH_DATABASE_URL', path: ['detections', 'databaseUrl'], parse: text },
  { name: 'PIMESH_MQTT_URL', path: ['detections', 'mqtt', 'url'], parse: text },
  { name: 'PIMESH_MQTT_TOPIC', path: ['detections', 'mqtt', 'topic'], parse: text },
  { name: 'PIMESH_UPLINK_URL', path: ['uplink', 'url'], parse: text },
  { name: 'PIMESH_METRICS', path: ['metrics', 'enabled'], parse: onOff },
  { name: 'PIMESH_METRICS_TOKEN', path: ['metrics', 'token'], parse: text },
  { name: 'PIMESH_SITE_DIR', path: ['site', 'dir'], parse: text },
  { name: 'PIMESH_SITE_LOCAL_DIR', path: ['site', 'localDir'], parse: text },
  { name: 'PIMESH_SITE_LOW_POWER_BELOW', path: ['site', 'lowPowerBelowPercent'], parse: number },
  { name: 'PIMESH_DNS_SECRETS', path: ['dns', 'secretsFile'], parse: text },
  { name: 'PIMESH_VCGENCMD', path: ['systemMonitor', 'vcgencmd'], parse: text },
  { name: 'PIMESH_GPSD', path: ['gnss', 'gpsd', 'enabled'], parse: onOff },
  { name: 'PIMESH_GPSD_HOST', path: ['gnss', 'gpsd', 'host'], parse: text },
  { name: 'PIMESH_GPSD_PORT', path: ['gnss', 'gpsd', 'port'], parse: int },
  { name: 'PIMESH_GPS_UART', path: ['gnss', 'uart', 'port'], parse: text },
  { name: 'PIMESH_GPS_UART_PORTS', path: ['gnss', 'uart', 'allowedPorts'], parse: list },
  { name: 'PIMESH_GPS_UART_BAUD', path: ['gnss', 'uart', 'baudRate'], parse: int },
  { name: 'PIMESH_GPS_STALE_SECONDS', path: ['gnss', 'staleAfterSeconds'], parse: number },
  { name: 'PIMESH_LTE_PORT', path: ['lte', 'defaultPort'], parse: text },
  { name: 'PIMESH_LTE_PORTS', path: ['lte', 'allowedPorts'], parse: list },
  { name: 'PIMESH_LTE_CONTROL', path: ['lte', 'control'], parse: text },
  { name: 'PIMESH_SENSEHAT_SYSFS', path: ['sensehat', 'sysfsRoot'], parse: text },
  { name: 'PIMESH_API_KEYS_FILE', path: ['piBackend', 'keysFile'], parse: text },
  { name: 'PIMESH_WEATHER_LOCATION', path: ['piBackend', 'defaultLocation'], parse: text },
  { name: 'PIMESH_UPSTREAM_TIMEOUT_MS', path: ['piBackend', 'timeoutMs'], parse: int },
  { name: 'PIMESH_POLLER', path: ['poller', 'enabled'], parse: onOff },
  { name: 'PIMESH_POLLER_CONFIG', path: ['poller', 'configFile'], parse: text },
  { name: 'PIMESH_MDNS', path: ['mdns'], parse: text },
  { name: 'PIMESH_SCHEDULE', path: ['schedule', 'enabled'], parse: onOff },
  { name: 'PIMESH_SCHEDULE_JOBS', path: ['schedule', 'jobs'], parse: parseJobSwitches },
  { name: 'PIMESH_CADENCE', path: ['schedule', 'cadence', 'enabled'], parse: onOff },
  { name: 'PIMESH_LOG_LEVEL', path: ['log', 'level'], parse: text },
  { name: 'TZ', path: ['timezone'], parse: text },
];

/** Writes every set variable into `target` (a plain object from the config file); returns the paths set. */
export function applyEnv(target: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const origin = new Map<string, string>();
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.name];
    if (raw === undefined || raw === '') continue;
    let node = target;
    for (const key of binding.path.slice(0, -1)) {
      const next = node[key];
      // A section switched by a boolean (`"schedule": false`) keeps its switch as `enabled`.
      if (typeof next === 'boolean') node[key] = { enabled: next };
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[binding.path.at(-1) as string] = binding.parse(raw);
    origin.set(binding.path.join('.'), binding.name);
  }
  return origin;
}
