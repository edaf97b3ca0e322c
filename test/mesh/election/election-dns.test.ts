import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { TracerStore } from '../../../src/readings/tracer-store.js';
import { freePort, NAMED_TOOLS, type Named, startNamed } from '../../helpers/named.js';
import { needs } from '../../helpers/needs.js';
import { runCli, tempCwd } from '../../helpers/pimesh-process.js';
import { READING } from '../../helpers/readings.js';

// `pimesh elect` (no daemon running, so the one-shot runs the round itself) with the rfc2136 provider
// configured as a steward would: a config file and a 0600 secrets file. The node has no peers, so it
// wins, and the A record on a real BIND named must then hold its address.

const bind = needs(...NAMED_TOOLS);
let named: Named | undefined;
test.before(async () => {
  if (bind.ok) named = await startNamed();
});
test.after.always(async () => {
  await named?.stop();
});

async function node(server: Named, secret: string, address = '192.0.2.10') {
  const cwd = tempCwd();
  mkdirSync(join(cwd, 'data', 'charge-controller'), { recursive: true });
  await new TracerStore(join(cwd, 'data', 'charge-controller')).append(new Date(), READING);
  writeFileSync(join(cwd, 'dns.secrets'), `export TSIG_SECRET="${secret}"\n`);
  chmodSync(join(cwd, 'dns.secrets'), 0o600);
  const config = {
    dns: {
      provider: 'rfc2136',
      server: '127.0.0.1',
      port: server.port,
      zone: server.zone,
      name: `poe.${server.zone}`,
      keyName: server.keyName,
      secretsFile: join(cwd, 'dns.secrets'),
      retries: 0,
    },
  };
  writeFileSync(join(cwd, 'pimesh.config.json'), JSON.stringify(config));
  const env = {
    // Nothing listens on 127.0.0.254, so the one-shot cannot reach another test's daemon on a reused
    // port and runs the round itself.
    PIMESH_HOST: '127.0.0.254',
    PIMESH_PORT: String(await freePort()),
    PIMESH_PUBLIC_IP: address,
    PIMESH_MAC: 'b8:27:eb:00:00:01',
    PIMESH_CHARGE_CONTROLLER: 'none',
  };
  return { cwd, env };
}

bind.serial('after an election the A record holds the winner’s address', async (t) => {
  if (!named) throw new Error('named was not started');
  const { cwd, env } = await node(named, named.secret);
  const run = await runCli(['elect', '--standalone'], env, cwd);
  t.is(run.code, 0, run.stderr);
  // stdout carries the report alone; logs go to stderr.
  t.is(run.stdout.trim().split('\n').length, 1);
  const report = JSON.parse(run.stdout);
  t.true(report.selfWins);
  t.is(report.dns, 'updated');
  t.is(await named.dig(`poe.${named.zone}`), '192.0.2.10');

  // The next round (--force: the cadence would wait) finds the record right and sends nothing.
  const again = JSON.parse(
    (await runCli(['elect', '--standalone', '--force'], env, cwd)).stdout.trim().split('\n').at(-1) as string,
  );
  t.is(again.dns, 'unchanged');
});

bind.serial('a wrong TSIG key gives a clear error and changes nothing', async (t) => {
  if (!named) throw new Error('named was not started');
  const before = await named.dig(`poe.${named.zone}`);
  const wrong = Buffer.alloc(32, 7).toString('base64');
  const { cwd, env } = await node(named, wrong, '192.0.2.66');
  const run = await runCli(['elect', '--standalone'], env, cwd);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
  t.is(report.dns, 'failed', `${run.stdout}\n${run.stderr}`);
  t.is(report.dnsError.code, 'ERR_DNS_AUTH');
  t.regex(report.dnsError.message, /TSIG|BADSIG/);
  t.false(run.stdout.includes(wrong) || run.stderr.includes(wrong));
  t.is(await named.dig(`poe.${named.zone}`), before);
});
