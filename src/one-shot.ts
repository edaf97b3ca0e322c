import type { LoadedConfig } from './config/load.js';
import { Daemon } from './daemon.js';
import { PimeshError } from './errors.js';
import { cadenceSkip } from './jobs/cadence-one-shot.js';
import { stderrLogger } from './log.js';
import { boundedRequest, MiB } from './util/bounded-request.js';

/** `--force`: run even when the cadence says the job is not due; `--standalone`: run here without a daemon. */
export interface OneShotOptions {
  force?: boolean;
  standalone?: boolean;
}

/** What each one-shot does in this process (`--standalone`) when no daemon answers. */
const ALONE: Record<string, (daemon: Daemon) => Promise<unknown>> = {
  'log-sample': (daemon) => daemon.sample(),
  'post-ip': async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.mesh.postIp();
  },
  'check-ip': async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.mesh.checkIp();
  },
  elect: async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.mesh.elect();
  },
  retention: async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.retention();
  },
  'peer-data': async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.networkData.run();
  },
};

/**
 * `pimesh log-sample|post-ip|check-ip|elect|peer-data`: asks the daemon on this machine to run the job (it
 * holds the serial port and the state). With no daemon answering, `--standalone` runs the job in this
 * process; without it that is an error, so a cron line cannot quietly become a second node. post-ip,
 * elect and peer-data are skipped (one line, exit 0) until the energy-aware cadence says they are due.
 */
export async function runOneShot(
  loaded: LoadedConfig,
  job: string,
  options: OneShotOptions = {},
): Promise<number> {
  const alone = ALONE[job];
  if (!alone) throw new PimeshError(`no one-shot job "${job}"`, { code: 'ERR_UNKNOWN_JOB' });
  return runJob(loaded, job, alone, options);
}

/** Where the daemon of this configuration answers: it listens on every address or on one. */
export function daemonBase(loaded: LoadedConfig): string {
  const { port, host } = loaded.config.http;
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${target}:${port}`;
}

async function runJob(
  loaded: LoadedConfig,
  job: string,
  alone: (daemon: Daemon) => Promise<unknown>,
  options: OneShotOptions = {},
): Promise<number> {
  const skipped = await cadenceSkip(loaded, job, options);
  if (skipped !== undefined) {
    console.log(skipped);
    return 0;
  }
  const { port } = loaded.config.http;
  try {
    const response = await boundedRequest(`${daemonBase(loaded)}/api/jobs/${job}`, {
      method: 'POST',
      timeoutMs: 15_000,
      maxBytes: 4 * MiB,
    });
    const body = response.body;
    if (response.statusCode >= 200 && response.statusCode < 300) {
      console.log(body);
      return 0;
    }
    console.error(`the daemon on :${port} could not run ${job}: ${body}`);
    return 1;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ECONNREFUSED') throw error;
    if (!options.standalone) {
      throw new PimeshError(
        `no daemon answers on ${daemonBase(loaded)} to run ${job}: start it (systemctl start pimesh), ` +
          'or run the job in this process with --standalone',
        { code: 'ERR_NO_DAEMON' },
      );
    }
  }
  const daemon = new Daemon(loaded, stderrLogger('warn'));
  try {
    console.log(JSON.stringify(await alone(daemon)));
    return 0;
  } finally {
    await daemon.stop();
  }
}
