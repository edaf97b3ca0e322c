/**
 * `pimesh doctor`'s checks of this machine: each one looks at one thing (the configuration, the
 * daemon, a device, a file's mode, the schedule...) and says PASS, WARN or FAIL, with a hint for
 * the fix. FAIL is kept for what stops the node doing its job; what only limits it is a WARN.
 */
import { constants, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { JOB_NAMES, type JobName, runsInProcess } from '../jobs/jobs-config.js';

export type Verdict = 'PASS' | 'WARN' | 'FAIL';

export interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, verdict: 'PASS', detail });
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  verdict: 'WARN',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix?: string): CheckResult => ({
  name,
  verdict: 'FAIL',
  detail,
  fix,
});

/** Where the OS schedules live (overridable like install.sh's, for tests and other layouts). */
export interface SchedulePaths {
  cronFile: string;
  systemdDir: string;
}

export function schedulePaths(env: NodeJS.ProcessEnv = process.env): SchedulePaths {
  return {
    cronFile: join(env.PIMESH_CRON_DIR ?? '/etc/cron.d', 'pimesh'),
    systemdDir: env.PIMESH_SYSTEMD_DIR ?? '/etc/systemd/system',
  };
}

function linkExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Where each job runs: the daemon, a crontab line, an enabled systemd timer. */
export function jobPlaces(loaded: LoadedConfig, paths: SchedulePaths): Map<JobName, string[]> {
  let cron = '';
  try {
    cron = readFileSync(paths.cronFile, 'utf8');
  } catch {}
  const cronLines = cron.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const places = new Map<JobName, string[]>();
  for (const job of JOB_NAMES) {
    const where: string[] = [];
    if (runsInProcess(loaded.config.schedule, job)) where.push('the daemon');
    const word = new RegExp(`(cli\\.js|pimesh)\\s+${job}(\\s|$)`);
    if (cronLines.some((l) => word.test(l))) where.push(`cron (${paths.cronFile})`);
    // `systemctl enable` makes this link; lstat, so a link whose target moved still counts.
    if (linkExists(join(paths.systemdDir, 'timers.target.wants', `pimesh-${job}.timer`))) {
      where.push(`pimesh-${job}.timer`);
    }
    places.set(job, where);
  }
  return places;
}

/** One result per job: where it runs; WARN when nowhere or in two places. */
export function scheduleChecks(loaded: LoadedConfig, paths: SchedulePaths): CheckResult[] {
  const { config } = loaded;
  const applies: Record<JobName, boolean> = {
    'log-sample': config.chargeController.source !== 'none',
    'post-ip': config.network.key !== undefined,
    'check-ip': config.network.key !== undefined,
    elect: true,
    'peer-data': true,
    retention: true,
  };
  const out: CheckResult[] = [];
  for (const [job, where] of jobPlaces(loaded, paths)) {
    const name = `schedule ${job}`;
    if (!applies[job])
      out.push(
        pass(name, `not needed here (${job === 'log-sample' ? 'no charge controller' : 'no network key'})`),
      );
    else if (where.length === 0) {
      out.push(
        warn(
          name,
          'runs nowhere: off in the daemon, and no crontab line or enabled timer',
          `remove ${job}=off from PIMESH_SCHEDULE_JOBS / schedule.jobs, or: systemctl enable --now pimesh-${job}.timer`,
        ),
      );
    } else if (where.length > 1) {
      out.push(
        warn(
          name,
          `runs twice: ${where.join(' and ')}`,
          `PIMESH_SCHEDULE_JOBS=${job}=off, or remove its crontab line or timer`,
        ),
      );
    } else out.push(pass(name, `runs in ${where[0]}`));
  }
  return out;
}

/** Secrets must be readable by their owner only. */
export function modeCheck(name: string, path: string): CheckResult {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return pass(name, `${path}: not present`);
  }
  if ((mode & 0o077) === 0) return pass(name, `${path} is ${mode.toString(8).padStart(4, '0')}`);
  return warn(
    name,
    `${path} is ${mode.toString(8).padStart(4, '0')}: others can read the secrets in it`,
    `chmod 600 ${path}`,
  );
}

/** A serial device the node is told to use: present, and readable and writable by this user. */
export async function deviceCheck(name: string, path: string, what: string): Promise<CheckResult> {
  if (!existsSync(path)) {
    return fail(
      name,
      `${path} does not exist (${what})`,
      'check the cable and the udev rule (deploy/99-pimesh.rules), or the setting',
    );
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
    return pass(name, `${path} present and usable by this user`);
  } catch {
    return fail(
      name,
      `${path} is not readable and writable by this user`,
      'add the user to the dialout group: sudo usermod -aG dialout pimesh',
    );
  }
}

/** Connects to host:port; the reason when it cannot. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** Whether this machine could listen on host:port now (undefined) or why not. */
export function portFree(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

export async function dataDirCheck(dir: string): Promise<CheckResult[]> {
  const name = 'data directory';
  try {
    await access(existsSync(dir) ? dir : dirname(dir), constants.W_OK);
  } catch {
    return [fail(name, `${dir} is not writable by this user`, `chown -R pimesh: ${dir}`)];
  }
  const out = [pass(name, `${dir} is writable`)];
  try {
    const fs = await statfs(existsSync(dir) ? dir : dirname(dir));
    const freeMb = (fs.bavail * fs.bsize) / 2 ** 20;
    const share = fs.bavail / fs.blocks;
    out.push(
      share < 0.05 || freeMb < 200
        ? warn(
            'disk space',
            `${Math.round(freeMb)} MB free (${(share * 100).toFixed(1)} %) where the data lives`,
            'free space, or lower the retention settings',
          )
        : pass('disk space', `${Math.round(freeMb)} MB free (${(share * 100).toFixed(0)} %)`),
    );
  } catch {}
  return out;
}

/** GPIO for the LTE HAT's pins: the tools and a chip (only when LTE is driven by GPIO). */
export function gpioCheck(loaded: LoadedConfig, findTool: (name: string) => boolean): CheckResult {
  const lte = loaded.config.lte;
  if (lte.control !== 'gpio') return pass('GPIO', 'not used (lte.control is "at")');
  if (lte.gpioDriver === 'onoff') {
    return existsSync('/sys/class/gpio')
      ? pass('GPIO', 'sysfs GPIO present (onoff)')
      : warn(
          'GPIO',
          'no /sys/class/gpio: the LTE power and flight-mode endpoints will answer 503',
          'use lte.gpioDriver "gpiod"',
        );
  }
  if (!findTool('gpioset')) {
    return warn(
      'GPIO',
      "libgpiod's gpioset is not installed: the LTE power and flight-mode endpoints will answer 503",
      'sudo apt install gpiod',
    );
  }
  let chips: string[] = [];
  try {
    chips = readdirSync('/dev').filter((f) => f.startsWith('gpiochip'));
  } catch {}
  return chips.length > 0
    ? pass('GPIO', `gpioset present; ${chips.join(', ')}`)
    : warn('GPIO', 'no /dev/gpiochip*: not a Raspberry Pi? The LTE power endpoints will answer 503');
}
