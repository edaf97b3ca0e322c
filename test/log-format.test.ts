/**
 * Log lines under systemd carry their priority for journald (`<4>` before a warning's JSON), at a
 * terminal they are written for a person, elsewhere they stay one JSON object a line.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { pino } from 'pino';
import { createLogger, logFormat, prettyLine } from '../src/log.js';

function logTo(format: 'json' | 'journal' | 'pretty', write: (log: ReturnType<typeof createLogger>) => void) {
  const file = join(mkdtempSync(join(tmpdir(), 'pimesh-log-')), 'out');
  const destination = pino.destination({ dest: file, sync: true });
  write(createLogger('debug', destination, format));
  return readFileSync(file, 'utf8').trimEnd().split('\n');
}

test('journald gets each line with the syslog priority of its level', (t) => {
  const lines = logTo('journal', (log) => {
    log.fatal('f');
    log.error('e');
    log.warn('w');
    log.info('i');
    log.debug('d');
  });
  t.deepEqual(
    lines.map((l) => l.slice(0, 3)),
    ['<2>', '<3>', '<4>', '<6>', '<7>'],
  );
  t.is(JSON.parse(lines[2].slice(3)).msg, 'w');
});

test('systemd’s JOURNAL_STREAM naming stdout’s device and inode selects the journal format', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'pimesh-log-')), 'stream');
  const fd = openSync(file, 'w');
  t.teardown(() => closeSync(fd));
  const s = fstatSync(fd);
  t.is(logFormat({ JOURNAL_STREAM: `${s.dev}:${s.ino}` }, fd), 'journal');
  t.is(
    logFormat({ JOURNAL_STREAM: `${s.dev}:${s.ino + 1}` }, fd),
    'json',
    'a stream inherited from elsewhere',
  );
  t.is(logFormat({ PIMESH_LOG_FORMAT: 'pretty' }, fd), 'pretty');
});

test('at a terminal a line reads as time, level, module, message and fields', (t) => {
  const json = JSON.stringify({
    level: 40,
    time: '2026-11-28T12:34:56.789Z',
    pid: 1,
    module: 'schedule',
    msg: 'job failed',
    job: 'elect',
    code: 'ERR_X',
  });
  t.is(prettyLine(json), '12:34:56.789 WARN  [schedule] job failed job=elect code=ERR_X\n');
  const [line] = logTo('pretty', (log) => log.info({ port: 8080 }, 'listening'));
  t.regex(line, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening port=8080$/);
});

test('elsewhere (a pipe, a file) lines stay JSON', (t) => {
  const [line] = logTo('json', (log) => log.warn('plain'));
  t.like(JSON.parse(line), { level: 40, msg: 'plain' });
});
