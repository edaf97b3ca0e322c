/**
 * GPIO through libgpiod's tools. The command lines are a pure function, checked against both
 * libgpiod generations' documented syntax; the driver runs the real `gpioset`/`gpiofind` of Debian's
 * `gpiod` package. This machine has no GPIO chip, so the real tools must report the line as missing
 * (503 with the reason); with `TEST_GPIO_CHIP=gpiochip0 TEST_GPIO_LINE=17` on a Pi, a line is driven
 * and read back with Raspberry Pi OS's `pinctrl`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import test from 'ava';
import {
  GpioToolsFactory,
  gpiosetArgs,
  parseGpiofind,
  parseLibgpiodVersion,
} from '../../src/hardware/gpio-tools.js';
import { condition, findTool, needs } from '../helpers/needs.js';

const run = promisify(execFile);

test('libgpiod 1 sets a chip offset with --mode=exit', (t) => {
  t.deepEqual(gpiosetArgs(1, { chip: 'gpiochip0', offset: 6 }, 1), ['--mode=exit', 'gpiochip0', '6=1']);
  t.throws(() => gpiosetArgs(1, { name: 'GPIO6' }, 1), { instanceOf: TypeError });
});

test('libgpiod 2 sets a line by name or by chip and exits at once (-t0)', (t) => {
  t.deepEqual(gpiosetArgs(2, { name: 'GPIO6' }, 0), ['-t0', 'GPIO6=0']);
  t.deepEqual(gpiosetArgs(2, { chip: 'gpiochip4', offset: 6 }, 1), ['-t0', '-c', 'gpiochip4', '6=1']);
});

test('the tool version and gpiofind output are read as the tools print them', (t) => {
  t.is(parseLibgpiodVersion('gpioset (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski'), 1);
  t.is(parseLibgpiodVersion('gpioset (libgpiod) v2.1.3'), 2);
  t.is(parseLibgpiodVersion('gpioset 0.1'), undefined);
  t.deepEqual(parseGpiofind('gpiochip0 17\n'), { chip: 'gpiochip0', offset: 17 });
  t.is(parseGpiofind(''), undefined);
});

test('without the tools, opening a line is a 503 that says what to install', async (t) => {
  const gpio = new GpioToolsFactory({ bin: '/nonexistent' });
  const error = await t.throwsAsync(gpio.open(6, 0));
  t.like(error, { code: 'ERR_DEVICE_UNAVAILABLE', status: 503 });
  t.regex(error?.message ?? '', /gpioset is not installed \(Debian: apt-get install gpiod\)/);
});

const noChip = needs(
  'gpioset',
  'gpiofind',
  condition(!existsSync('/dev/gpiochip0'), 'this machine has a GPIO chip', false),
);

noChip('with the real tools and no GPIO chip, a line is a 503 naming it, never a fake success', async (t) => {
  const error = await t.throwsAsync(new GpioToolsFactory().open(6, 0));
  t.like(error, { code: 'ERR_DEVICE_UNAVAILABLE', status: 503 });
  t.regex(error?.message ?? '', /GPIO 6 unavailable: no GPIO chip has a line named GPIO6/);
});

noChip(
  'with the real tools and a chip that does not exist, the write fails with gpioset’s reason',
  async (t) => {
    const error = await t.throwsAsync(new GpioToolsFactory({ chip: 'gpiochip0' }).open(6, 1));
    t.like(error, { code: 'ERR_DEVICE_UNAVAILABLE', status: 503 });
    t.regex(error?.message ?? '', /GPIO 6 unavailable: write failed: .*(No such file|error)/i);
  },
);

const chip = process.env.TEST_GPIO_CHIP;
const offset = Number(process.env.TEST_GPIO_LINE ?? 'NaN');
// Hardware only a Pi has: never required, under CI either.
const hardware = needs(
  'gpioset',
  condition(findTool('pinctrl') !== undefined, 'pinctrl not installed (Raspberry Pi OS has it)', false),
  condition(
    chip !== undefined && Number.isInteger(offset),
    'TEST_GPIO_CHIP and TEST_GPIO_LINE not set',
    false,
  ),
);

// gpioget would turn the output into an input; Raspberry Pi OS's pinctrl reads the pad as it is.
hardware('on real hardware a line is driven high and low, as pinctrl reads it', async (t) => {
  const level = async () => (await run('pinctrl', ['get', String(offset)])).stdout;
  const line = await new GpioToolsFactory({ chip }).open(offset, 1);
  t.regex(await level(), /\bhi\b/);
  await line.write(0);
  t.regex(await level(), /\blo\b/);
});
