/**
 * Puts a simulated serial device (anything that answers bytes with bytes: the Modbus slave, the AT
 * modem) behind a real serial path (a socat PTY end) or behind serialport's MockBinding.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort, SerialPortMock } from 'serialport';
import { openPtyPair } from './socat.js';

export interface SimulatedDevice {
  /** The replies to bytes received, in order. */
  handle(chunk: Buffer): Buffer[];
}

/** Serves `device` on a real serial path (e.g. PtyPair.hostPath). Survives the other end going away. */
export async function serveDevice(path: string, device: SimulatedDevice): Promise<{ stop(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  port.on('error', () => undefined);
  port.on('data', (chunk: Buffer) => {
    for (const reply of device.handle(chunk)) if (port.isOpen) port.write(reply);
  });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  return {
    stop: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

type MockPort = Awaited<ReturnType<typeof SerialPortMock.binding.open>>;

/**
 * A MockBinding device at `path` answered by `device`; pass `binding` to the code under test. `unplug()`
 * fails the open port's pending read like a yanked USB adapter (serialport then closes it with a
 * DisconnectedError) and makes opening fail with ENOENT until `replug()`.
 */
export function mockDevice(path: string, device: SimulatedDevice) {
  const MockBinding = SerialPortMock.binding;
  MockBinding.createPort(path);
  let unplugged = false;
  let current: MockPort | undefined;
  const binding: typeof MockBinding = {
    ...MockBinding,
    async open(options) {
      if (unplugged && options.path === path) {
        throw Object.assign(new Error(`No such file or directory, cannot open ${path}`), { code: 'ENOENT' });
      }
      const port = await MockBinding.open(options);
      if (options.path !== path) return port;
      const write = port.write.bind(port);
      port.write = async (data: Buffer) => {
        await write(data);
        for (const reply of device.handle(data)) {
          setImmediate(() => {
            if (port.isOpen) port.emitData(reply);
          });
        }
      };
      current = port;
      return port;
    },
  };
  return {
    binding,
    unplug() {
      unplugged = true;
      const pendingRead = (current as unknown as { pendingRead: ((error: Error) => void) | null } | undefined)
        ?.pendingRead;
      pendingRead?.(Object.assign(new Error('device disconnected'), { code: 'EIO' }));
    },
    replug() {
      unplugged = false;
    },
  };
}

/**
 * `device` behind a socat PTY pair in a fresh temp dir, as a device that can be unplugged (socat
 * stopped: both ends hang up) and plugged back at the same path. Cleaned up by a teardown registered
 * now, so it runs after teardowns the test registers later (ava runs them last-in first-out).
 */
export async function pluggablePtyDevice(
  t: { teardown(fn: () => Promise<void>): void },
  prefix: string,
  device: SimulatedDevice,
) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  let stops: (() => Promise<void>)[] = [];
  const plug = async () => {
    const pair = await openPtyPair(dir);
    const server = await serveDevice(pair.hostPath, device);
    stops = [() => pair.stop(), () => server.stop()];
  };
  const unplug = async () => {
    for (const stop of stops) await stop();
    stops = [];
  };
  t.teardown(async () => {
    await unplug();
    await rm(dir, { recursive: true, force: true });
  });
  await plug();
  return { dir, path: join(dir, 'device'), missingPath: join(dir, 'missing'), plug, unplug };
}
