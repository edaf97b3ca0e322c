import type { LoadedConfig } from './config/load.js';
import { Daemon } from './daemon.js';
import { stderrLogger } from './log.js';
import { boundedRequest, MiB } from './util/bounded-request.js';

/**
 * `pimesh log-sample`: asks a daemon on this machine to take the sample (it holds the serial port);
 * with no daemon listening, opens the charge controller itself, samples once and exits.
 */
export async function runLogSample(loaded: LoadedConfig): Promise<number> {
  return runJob(loaded, 'log-sample', (daemon) => daemon.sample());
}

/** `pimesh post-ip`: one gossip round, through the daemon when it runs, else by this process. */
export async function runPostIp(loaded: LoadedConfig): Promise<number> {
  return runJob(loaded, 'post-ip', async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.mesh.postIp();
  });
}

/** `pimesh elect`: one election round, through the daemon when it runs, else by this process. */
export async function runElect(loaded: LoadedConfig): Promise<number> {
  return runJob(loaded, 'elect', async (daemon) => {
    await daemon.mesh.deviceList.load();
    return daemon.mesh.elect();
  });
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
): Promise<number> {
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
  }
  const daemon = new Daemon(loaded, stderrLogger('warn'));
  try {
    console.log(JSON.stringify(await alone(daemon)));
    return 0;
  } finally {
    await daemon.stop();
  }
}
