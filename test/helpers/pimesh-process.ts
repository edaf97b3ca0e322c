import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
/** tsx's loader by absolute URL, so children can run TypeScript from any working directory. */
export const TSX = import.meta.resolve('tsx');

export interface PimeshProcess {
  child: ChildProcess;
  port: number;
  cwd: string;
  url: (path: string) => string;
  logs: () => string;
  stop: () => Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A fresh working directory with no config: the node sees only what the test puts there. */
export const tempCwd = () => mkdtempSync(join(tmpdir(), 'pimesh-node-'));

/** Runs a pimesh command to completion: exit code, stdout, stderr. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = tempCwd()) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * How long `pimesh serve` may take to listen: a safety net, not a measurement. A cold start compiles the
 * TypeScript through tsx, which on a busy machine (CI, `npm test` beside other work) takes a while.
 */
const START_TIMEOUT_MS = 90_000;

/** `pimesh serve` on 127.0.0.1 and a free port (port 0: the kernel's choice); resolves once it listens. */
export async function startPimesh(env: NodeJS.ProcessEnv = {}, cwd = tempCwd()): Promise<PimeshProcess> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve'], {
    cwd,
    env: cleanEnv({ PIMESH_PORT: '0', PIMESH_HOST: '127.0.0.1', PIMESH_MDNS: 'off', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pimesh did not listen within ${START_TIMEOUT_MS} ms:\n${out}`)),
      START_TIMEOUT_MS,
    );
    const check = () => {
      const match = /"port":(\d+),"msg":"listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`pimesh exited:\n${out}`));
    });
  });
  return {
    child,
    port,
    cwd,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    logs: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The test's environment without any PIMESH_* of the developer's shell, plus `env`. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIMESH_')));
  return { ...base, ...env };
}
