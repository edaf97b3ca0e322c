/**
 * systemd's notify protocol (sd_notify(3)) for `Type=notify` and `WatchdogSec=`: READY=1 once the node
 * serves, WATCHDOG=1 from the event loop at a third of the watchdog interval (a stalled loop stops the
 * pings and systemd restarts the service), STOPPING=1 on the way out, STATUS= lines for
 * `systemctl status`.
 *
 * Node has no AF_UNIX datagram sockets, so the datagrams are sent by a small helper that lives as long
 * as the daemon: python3 (on Raspberry Pi OS by default) reading one message per line. Being alive,
 * it is always found in the service's cgroup (`NotifyAccess=all`). Without python3, each message is
 * one run of `systemd-notify`, which systemd before 254 can drop when the tool exits too fast; the
 * repeated pings make up for a lost one. Without NOTIFY_SOCKET (not under systemd) nothing is sent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCommand } from '../util/run-command.js';

/** Reads lines on stdin, sends each as one datagram to NOTIFY_SOCKET (path or @abstract). */
const HELPER = `import os, socket, sys
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for line in sys.stdin:
    try:
        s.sendto(line.rstrip("\\n").replace("\\\\n", "\\n").encode(), addr)
    except OSError as e:
        print("sd_notify: %s" % e, file=sys.stderr, flush=True)
`;

function onPath(command: string): boolean {
  if (command.includes('/')) return existsSync(command);
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  /** Where python3 and systemd-notify are looked for (default: PATH). */
  python?: string;
}

export class SystemdNotifier {
  readonly #socket: string | undefined;
  readonly #watchdogMs: number | undefined;
  readonly #python: string;
  #helper: ChildProcess | undefined;
  #fallback = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: NotifierOptions = {}) {
    const env = options.env ?? process.env;
    this.#socket = env.NOTIFY_SOCKET || undefined;
    const usec = Number(env.WATCHDOG_USEC);
    // WATCHDOG_PID, when set, names the process meant to ping: not us if it differs.
    const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    this.#watchdogMs = this.#socket && forUs && usec > 0 ? usec / 1000 : undefined;
    this.#python = options.python ?? 'python3';
  }

  /** Under systemd with a notify socket. */
  get enabled(): boolean {
    return this.#socket !== undefined;
  }

  /** The watchdog interval systemd asked for, in ms (undefined: none). */
  get watchdogMs(): number | undefined {
    return this.#watchdogMs;
  }

  send(...assignments: string[]): void {
    if (!this.#socket) return;
    const message = assignments.join('\n');
    const helper = this.#ensureHelper();
    if (helper?.stdin?.writable) helper.stdin.write(`${message.replaceAll('\n', '\\n')}\n`);
    else void runCommand('systemd-notify', assignments, { timeoutMs: 5000 }).catch(() => {});
  }

  /** READY=1 and the MAINPID (the pings may come from the helper). */
  ready(status: string): void {
    this.send('READY=1', `MAINPID=${process.pid}`, `STATUS=${status}`);
  }

  status(status: string): void {
    this.send(`STATUS=${status}`);
  }

  /** Pings the watchdog from the event loop; `healthy` may veto a ping (the node is wedged). */
  startWatchdog(healthy: () => boolean = () => true): void {
    if (this.#watchdogMs === undefined || this.#timer) return;
    const ping = () => {
      if (healthy()) this.send('WATCHDOG=1');
    };
    ping();
    this.#timer = setInterval(ping, Math.max(500, this.#watchdogMs / 3));
    this.#timer.unref();
  }

  stopping(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.send('STOPPING=1');
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#helper?.stdin?.end();
    this.#helper = undefined;
  }

  #ensureHelper(): ChildProcess | undefined {
    if (this.#helper || this.#fallback) return this.#helper;
    if (!onPath(this.#python)) {
      this.#fallback = true;
      return undefined;
    }
    const helper = spawn(this.#python, ['-u', '-c', HELPER], {
      env: { NOTIFY_SOCKET: this.#socket, PATH: process.env.PATH },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    helper.once('error', () => {
      // No python3: one systemd-notify per message from now on.
      this.#fallback = true;
      this.#helper = undefined;
    });
    helper.once('exit', () => {
      if (this.#helper === helper) this.#helper = undefined;
    });
    helper.stdin?.on('error', () => {});
    helper.unref();
    (helper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.#helper = helper;
    return helper;
  }
}
