/**
 * The hot path keeps `?value=` answers (latest-answers.ts): a kept answer is never staler than the
 * data it was made from. An append through the store, a new local day, and (within a second) a file
 * rewritten by another process all show in the next answer.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { TRACER_COLUMNS, type TracerReading } from '../../src/hardware/charge-controller/types.js';
import { phpEndpoints } from '../../src/http/routes/solar-protocol.js';
import { SolarAnswers } from '../../src/readings/solar-answers.js';
import { TRACER_HEADER_LINE } from '../../src/readings/tracer-csv.js';
import { TracerStore } from '../../src/readings/tracer-store.js';
import { fixtureDir } from '../helpers/solar-app.js';

const PV = 'value=PV-voltage';

function node(recheckMs = 0) {
  const dir = fixtureDir();
  const store = new TracerStore(dir, { recheckMs });
  const clock = { at: new Date(2021, 1, 24, 8, 0, 0).getTime() };
  const answers = new SolarAnswers({
    store,
    profile: {},
    timezone: 'America/New_York',
    peers: () => undefined,
    now: () => new Date(clock.at),
  });
  const endpoint = phpEndpoints(answers).get('/api/v1/chargecontroller.php');
  if (!endpoint) throw new Error('no chargecontroller.php endpoint');
  return { dir, store, clock, ask: (query: string) => String(endpoint(query)) };
}

const reading = (pv: number): TracerReading =>
  Object.fromEntries(TRACER_COLUMNS.map((c) => [c, c === 'PV voltage' ? pv : 1])) as TracerReading;

test('an append through the store shows in the very next answer', async (t) => {
  const n = node(60_000);
  const before = n.ask(PV);
  t.is(n.ask(PV), before);
  await n.store.append(new Date(n.clock.at), reading(19.5));
  t.is(n.ask(PV), '19.5');
});

test('at local midnight the answer is the new day at once, not a second later', (t) => {
  const n = node();
  const day = new Date(2021, 1, 24, 23, 59, 59, 900);
  n.clock.at = day.getTime();
  t.not(n.ask(PV), '');
  writeFileSync(
    join(n.dir, 'tracerData2021-02-25.csv'),
    `${TRACER_HEADER_LINE}\n2021-02-25 00:00:00.100000,${TRACER_COLUMNS.map((c) => (c === 'PV voltage' ? '7.5' : '1')).join(',')}\n`,
  );
  n.clock.at = day.getTime() + 200;
  t.is(n.ask(PV), '7.5');
});

test('a file another process appends to shows within a second', (t) => {
  const n = node();
  const before = n.ask(PV);
  appendFileSync(
    join(n.dir, 'tracerData2021-02-24.csv'),
    `2021-02-24 08:00:00.500000,${TRACER_COLUMNS.map((c) => (c === 'PV voltage' ? '3.25' : '1')).join(',')}\n`,
  );
  t.is(n.ask(PV), before, 'kept for up to a second');
  n.clock.at += 1000;
  t.is(n.ask(PV), '3.25');
});

test('other queries are answered afresh (a duration reads other days, networkInfo the peers)', (t) => {
  const n = node();
  const week = n.ask('value=PV-voltage&duration=2');
  t.true(week.startsWith('{'));
  t.is(n.ask('value=nonsense'), n.ask('value=nonsense'));
});
