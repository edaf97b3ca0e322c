import { round1 } from './proc.js';

export interface ProcessInfo {
  pid: number;
  name: string;
  user: string | null;
  /** Percent of one core since the previous listing. */
  cpu_percent: number;
  /** Percent of physical memory (resident). */
  memory_percent: number;
  /** Seconds since the process started. */
  running_time: number | null;
}

export const PROCESS_SORTS = ['cpu', 'memory', 'name', 'pid', 'time'] as const;
export type ProcessSort = (typeof PROCESS_SORTS)[number];

export const DEFAULT_PROCESS_LIMIT = 10;
export const MAX_PROCESS_LIMIT = 100;

/** `sort=`: one of cpu, memory, name, pid, time (any case); anything else sorts by cpu, as piStat. */
export function parseProcessSort(raw: string | undefined): ProcessSort {
  const value = raw?.toLowerCase();
  return (PROCESS_SORTS as readonly string[]).includes(value ?? '') ? (value as ProcessSort) : 'cpu';
}

/**
 * `limit=`: a whole number (Python int(): surrounding spaces and a sign allowed), at most 100; absent →
 * 10. Answers an error message for anything else, including a negative number.
 */
export function parseProcessLimit(raw: string | undefined): number | { error: string } {
  if (raw === undefined) return DEFAULT_PROCESS_LIMIT;
  if (!/^\s*\+?\d+\s*$/.test(raw)) {
    return {
      error: `limit must be a whole number, 0 or more (at most ${MAX_PROCESS_LIMIT} are listed), got ${JSON.stringify(raw)}`,
    };
  }
  return Math.min(Number(raw), MAX_PROCESS_LIMIT);
}

type Compare = (a: ProcessInfo, b: ProcessInfo) => number;

const descending =
  (key: 'cpu_percent' | 'memory_percent' | 'running_time'): Compare =>
  (a, b) =>
    (b[key] ?? -1) - (a[key] ?? -1);

const ORDER: Record<ProcessSort, Compare> = {
  cpu: descending('cpu_percent'),
  memory: descending('memory_percent'),
  time: descending('running_time'),
  pid: (a, b) => a.pid - b.pid,
  name: (a, b) => {
    const x = a.name.toLowerCase();
    const y = b.name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  },
};

/** cpu, memory and time descending; name (case-insensitive) and pid ascending. The sort is stable. */
export function sortProcesses(list: readonly ProcessInfo[], sort: ProcessSort, limit: number): ProcessInfo[] {
  return [...list].sort(ORDER[sort]).slice(0, limit);
}

/** Parses systeminformation's "YYYY-MM-DD HH:MM:SS" (local time) start stamp. */
function startedAt(started: string): number {
  return Date.parse(started.replace(' ', 'T'));
}

/** The running processes from systeminformation (one `ps` run; concurrent callers share it). */
export function siProcessLister(now: () => number = Date.now): () => Promise<ProcessInfo[]> {
  let inFlight: Promise<ProcessInfo[]> | undefined;
  return () => {
    inFlight ??= import('systeminformation')
      .then(({ default: si }) => si.processes())
      .then((data) => {
        const at = now();
        return data.list.map((p) => {
          const started = startedAt(p.started);
          return {
            pid: p.pid,
            name: p.name,
            user: p.user || null,
            cpu_percent: round1(p.cpu),
            memory_percent: p.mem,
            running_time: Number.isNaN(started) ? null : Math.max(0, (at - started) / 1000),
          };
        });
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
