/**
 * The `pimesh` command line: finds the command, checks its options (an unknown one is one line and
 * exit 2), loads the configuration when the command needs it, runs it. Exit status: 0 done, 1 failed,
 * 2 wrong command line, 78 bad configuration or a port already taken (EX_CONFIG: the unit tells
 * systemd not to restart on it, since restarting cannot help).
 */
import { parseArgs } from 'node:util';
import { COMMANDS, type Command, UsageError, type Values } from './commands.js';

export const EXIT_USAGE = 2;
export const EXIT_CONFIG = 78;

function version(): Promise<string> {
  return import('../version.js').then((m) => m.VERSION);
}

async function usage(): Promise<string> {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`);
  return `pimesh ${await version()}: a solar mesh node

Usage: pimesh <command> [options]
       pimesh <command> --help

Commands:
${lines.join('\n')}

Options: --config FILE (default ./pimesh.config.json, or PIMESH_CONFIG), -h/--help, -V/--version.
Configuration: PIMESH_* variables and the config file; see the README.`;
}

function commandUsage(command: Command): string {
  const options = Object.entries(command.options).map(
    ([name, o]) => `--${name}${o.short ? `/-${o.short}` : ''}${o.type === 'string' ? ' VALUE' : ''}`,
  );
  const line = `Usage: pimesh ${command.name}${command.args ? ` ${command.args}` : ''}${options.length ? ` [${options.join('] [')}]` : ''}`;
  return [
    `pimesh ${command.name}: ${command.summary}`,
    '',
    line,
    command.details ? `\n${command.details}` : '',
  ]
    .join('\n')
    .trimEnd();
}

/** The option parseArgs refused, from its message ("Unknown option '--x'..."). */
function refusedOption(error: Error): string {
  const option = /'(-{1,2}[^']*)'/.exec(error.message)?.[1];
  if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `unknown option ${option}`;
  if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return `option ${option} ${/argument missing/.test(error.message) ? 'needs a value' : 'takes no value'}`;
  }
  return error.message.split('\n')[0];
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const about = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    console.log(about ? commandUsage(about) : await usage());
    return 0;
  }
  if (first === '-V' || first === '--version') {
    console.log(await version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const what = first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`;
    throw new UsageError(`${what} (see pimesh --help)`);
  }
  if (command.passThrough) return command.run({ values: {}, positionals: [], argv: rest });
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    }) as { values: Values; positionals: string[] });
  } catch (error) {
    throw new UsageError(
      `${command.name}: ${refusedOption(error as Error)} (see pimesh ${command.name} --help)`,
    );
  }
  if (values.help) {
    console.log(commandUsage(command));
    return 0;
  }
  const extra = command.args ? [] : positionals;
  if (extra.length > 0)
    throw new UsageError(
      `${command.name}: unexpected argument "${extra[0]}" (see pimesh ${command.name} --help)`,
    );
  if (!command.config) return command.run({ values, positionals, argv: rest });
  const { loadConfig } = await import('../config/load.js');
  const loaded = loadConfig({ configPath: values.config as string | undefined });
  if (loaded.config.timezone) process.env.TZ = loaded.config.timezone;
  return command.run({ values, positionals, argv: rest, loaded });
}

/** How a failure ends the process: one line on stderr, an exit status (see above). */
export async function report(error: unknown): Promise<number> {
  if (error instanceof UsageError) {
    console.error(`pimesh: ${error.message}`);
    return EXIT_USAGE;
  }
  const { ConfigError, PimeshError } = await import('../errors.js');
  if (error instanceof ConfigError) {
    console.error(error.message);
    return EXIT_CONFIG;
  }
  const e = error as { code?: string; port?: number; address?: string; syscall?: string; message?: string };
  if (e?.code === 'EADDRINUSE' || (e?.code === 'EACCES' && e.syscall === 'listen')) {
    const why = e.code === 'EADDRINUSE' ? 'is already in use' : 'needs privileges (ports below 1024)';
    console.error(
      `pimesh: cannot listen on ${e.address ?? ''}:${e.port ?? ''}: the port ${why}; set http.port / PIMESH_PORT`,
    );
    return EXIT_CONFIG;
  }
  if (error instanceof PimeshError) console.error(`pimesh: ${error.message} (${error.code})`);
  else console.error(error);
  return 1;
}
