/**
 * Tests that need a real server or tool (socat, named, gpsfake, root for `unshare -n`...). ava has no
 * runtime skip, so what is missing is decided when the test file loads:
 *
 *   const serial = needs('socat');
 *   serial('a read over a real serial line ...', async (t) => { ... });
 *
 * With everything present, `serial` is ava's `test`. Without, the test is registered with `test.skip`
 * and a title that says why (`... [skipped: socat not installed]`), so the TAP output and the closing
 * line of test/run-ava.sh count it as skipped, never as passed. Under `CI=true` a missing requirement
 * is a failing test instead, whose title and error say what is missing.
 *
 * `PIMESH_TEST_HIDE_TOOLS=socat,named` makes those tools look missing (`root`: not root), to check
 * both paths.
 *
 * A condition found by awaiting something (a probe bind, an import) must be awaited before the file's
 * first test: ava wants every test declared in the same tick.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import test, { type ExecutionContext } from 'ava';

/** Tools hidden by PIMESH_TEST_HIDE_TOOLS (comma- or space-separated names). */
const hidden = new Set((process.env.PIMESH_TEST_HIDE_TOOLS ?? '').split(/[\s,]+/).filter(Boolean));

/** Where daemons live on Debian, often not on a user's PATH (gpsd, named). */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable on PATH (or in an sbin directory), or undefined; hidden tools are missing. */
export function findTool(name: string): string | undefined {
  if (hidden.has(name)) return undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SBIN];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** A requirement other than a tool: whether it holds, and what to say when it does not. */
export interface Condition {
  ok: boolean;
  /** Completes "[skipped: ...]", e.g. "not running as root". */
  missing: string;
  /** When false, an unmet condition is skipped under CI too (e.g. hardware a CI machine never has). */
  requiredUnderCi?: boolean;
}

/** A tool name (looked up with findTool) or a condition. */
export type Need = string | Condition;

/** Root, for `unshare -n` and other namespace tests (`PIMESH_TEST_HIDE_TOOLS=root` pretends otherwise). */
export const root: Condition = {
  ok: process.getuid?.() === 0 && !hidden.has('root'),
  missing: 'not running as root',
};

/** A condition from a boolean: `condition(!Gpio.accessible, 'this machine has sysfs GPIO', false)`. */
export function condition(ok: boolean, missing: string, requiredUnderCi = true): Condition {
  return { ok, missing, requiredUnderCi };
}

type Body = (t: ExecutionContext) => unknown;

/** Registers a test (or a serial one) as its requirements allow. */
export interface Needed {
  (title: string, body: Body): void;
  serial(title: string, body: Body): void;
  /** True when every requirement holds: hooks that start a server check this first. */
  readonly ok: boolean;
  /** What is missing ("socat not installed; not running as root"), or undefined. */
  readonly missing: string | undefined;
}

const underCi = () => process.env.CI === 'true';

export function needs(...requirements: Need[]): Needed {
  const conditions = requirements.map((r) =>
    typeof r === 'string' ? { ok: findTool(r) !== undefined, missing: `${r} not installed` } : r,
  );
  const unmet = conditions.filter((c) => !c.ok);
  const missing = unmet.length > 0 ? unmet.map((c) => c.missing).join('; ') : undefined;
  const failInstead = underCi() && unmet.some((c) => c.requiredUnderCi !== false);

  const register = (serial: boolean) => (title: string, body: Body) => {
    if (missing === undefined) {
      (serial ? test.serial : test)(title, body);
    } else if (failInstead) {
      (serial ? test.serial : test)(`${title} [needs: ${missing}]`, (t) => {
        t.fail(`${missing}: required under CI=true`);
      });
    } else {
      test.skip(`${title} [skipped: ${missing}]`, body);
    }
  };
  return Object.assign(register(false), { serial: register(true), ok: missing === undefined, missing });
}
