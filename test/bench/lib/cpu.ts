import { readFileSync } from 'node:fs';

/**
 * CPU time over an interval, split into the servers under test, this runner with its waited-for
 * children (the load generator: wrk is reaped before its result is read, so its time lands in the
 * runner's cutime/cstime), interrupts, and every other process on the machine. The last is the noise
 * a shared machine adds; it is printed so a disturbed run can be told from a slow server.
 */

/** Kernel clock ticks (USER_HZ): 100 on every mainstream Linux build. */
const TICKS_PER_SEC = 100;

/** Busy ticks of all CPUs together: in processes (user + nice + system + steal) and in interrupts. */
function machineTicks(): { process: number; irq: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { process: user + nice + system + (steal ?? 0), irq: irq + softirq };
}

/** utime + stime (+ cutime + cstime with `children`) of a process, in ticks; 0 once it is gone. */
function processTicks(pid: number | 'self', children = false): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the ")" that ends the command name: state is field 3, utime field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return utime + stime + (children ? cutime + cstime : 0);
}

export interface CpuUse {
  /** All in CPU cores used on average over the interval (1.0 = one core busy all the time). */
  servers: number;
  /** The runner process plus the load generator it waited for. */
  client: number;
  /** Interrupt and softirq time, on a loopback benchmark mostly the TCP traffic itself. */
  irq: number;
  /** Every other process on the machine. */
  others: number;
}

export interface CpuWatch {
  stop(): CpuUse;
}

/** Starts counting; `serverPids` are the processes under test. */
export function watchCpu(serverPids: number[]): CpuWatch {
  const started = performance.now();
  const machine0 = machineTicks();
  const servers0 = serverPids.map((pid) => processTicks(pid));
  const client0 = processTicks('self', true);
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      const machine = machineTicks();
      const servers = serverPids.reduce((sum, pid, i) => sum + processTicks(pid) - servers0[i], 0);
      const client = processTicks('self', true) - client0;
      const cores = (ticks: number) => Math.max(0, ticks / TICKS_PER_SEC / seconds);
      return {
        servers: cores(servers),
        client: cores(client),
        irq: cores(machine.irq - machine0.irq),
        others: cores(machine.process - machine0.process - servers - client),
      };
    },
  };
}
