/**
 * Which jobs the daemon runs on its own clock: `schedule.enabled` for all of them, then
 * `schedule.jobs.<name>` (default on) for each, so one job can move to cron or a systemd timer while
 * the others stay in-process. `pimesh doctor` warns about a job that runs nowhere, or twice.
 */
import { z } from 'zod';

/** Every scheduled job; each is also a one-shot command (`pimesh <job>`) and `POST /api/jobs/<job>`. */
export const JOB_NAMES = ['log-sample', 'post-ip', 'check-ip', 'elect', 'peer-data', 'retention'] as const;
export type JobName = (typeof JOB_NAMES)[number];

const onOff = z.boolean({ error: 'must be on or off' }).optional();

export const scheduleJobsSchema = z
  .strictObject(Object.fromEntries(JOB_NAMES.map((job) => [job, onOff])) as Record<JobName, typeof onOff>, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown job ${issue.keys.map((k) => `"${k}"`).join(', ')}: must be one of ${JOB_NAMES.join(', ')}`
        : undefined,
  })
  .default({});

export type ScheduleJobs = z.output<typeof scheduleJobsSchema>;

/** Whether the daemon itself runs `job`. */
export function runsInProcess(schedule: { enabled: boolean; jobs: ScheduleJobs }, job: JobName): boolean {
  return schedule.enabled && schedule.jobs[job] !== false;
}

/** `PIMESH_SCHEDULE_JOBS=post-ip=off,elect=off`; a part that is not `job=on|off` stays as text for the schema to refuse. */
export function parseJobSwitches(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [job, value = ''] = part.split('=').map((s) => s.trim());
    const v = value.toLowerCase();
    out[job] = ['on', 'true', '1', 'yes'].includes(v)
      ? true
      : ['off', 'false', '0', 'no'].includes(v)
        ? false
        : value;
  }
  return out;
}
