/**
 * Fake boards for `pimesh sensors simulate -c N -p N -t S` (POE-TERM's `t`): N connections, each
 * sending P passes S seconds apart. A pass is the Arduino's (poe-iit/Arduino-Code, branch ethernet):
 * 21 separate 4-byte writes `[1, i, type, value]` for i = 0..20, or with `pattern: 'poe-term'` the
 * original terminal's single frame `01 FF 00 01`. On Linux, boards aimed at 127.0.0.1 each connect
 * from their own loopback address (127.0.0.1, 127.0.0.2, ...), so each is a board of its own.
 */
import { connect, isIPv4, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SimulateOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** `-c`: boards (default 1). */
  boards?: number;
  /** `-p`: passes per board (default 5; -1 until `signal` aborts). */
  passes?: number;
  /** `-t`: seconds between passes (default 0). */
  intervalSeconds?: number;
  pattern?: 'arduino' | 'poe-term';
  /** Each board from its own loopback address (default: on Linux when `host` is IPv4 loopback). */
  distinctAddresses?: boolean;
  signal?: AbortSignal;
}

export interface SimulateResult {
  boards: number;
  /** Frames written, all boards. */
  frames: number;
  failures: { board: number; message: string }[];
}

/** The Arduino's index map: 0-7 FIRE, 8-15 SMOKE, 16 MOTION, 17 HUMIDITY, 18-19 TEMPERATURE, 20 WATER. */
export function arduinoType(index: number): number {
  if (index < 8) return 0;
  if (index < 16) return 1;
  return [2, 3, 4, 4, 5][index - 16];
}

/** A plausible quiet reading (no flame, little smoke, 40-60 % humidity, 68-75 °F) that moves a little. */
function arduinoValue(index: number, pass: number, board: number): number {
  const wobble = (pass + board + index) % 8;
  switch (arduinoType(index)) {
    case 0:
      return 1;
    case 1:
      return 40 + wobble * 5;
    case 2:
      return pass % 10 === 9 ? 1 : 0;
    case 3:
      return 45 + wobble;
    case 4:
      return 68 + wobble;
    default:
      return (pass * 37 + board) & 0xff;
  }
}

/** The 21 frames of one Arduino pass. */
export function arduinoPass(pass: number, board = 0): Buffer[] {
  return Array.from({ length: 21 }, (_, i) =>
    Buffer.from([1, i, arduinoType(i), arduinoValue(i, pass, board)]),
  );
}

const POE_TERM_FRAME = Buffer.from([0x01, 0xff, 0x00, 0x01]);

/** Board b's loopback address: 127.0.0.1 ... 127.0.0.254, then 127.0.1.1 ... */
export function boardAddress(board: number): string {
  return `127.0.${Math.floor(board / 254)}.${(board % 254) + 1}`;
}

function open(host: string, port: number, localAddress: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localAddress });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function write(socket: Socket, frame: Buffer): Promise<void> {
  if (socket.write(frame)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    socket.once('error', fail);
    socket.once('drain', () => {
      socket.off('error', fail);
      resolve();
    });
  });
}

export async function simulateBoards(options: SimulateOptions): Promise<SimulateResult> {
  const host = options.host ?? '127.0.0.1';
  const boards = options.boards ?? 1;
  const passes = options.passes ?? 5;
  const intervalMs = (options.intervalSeconds ?? 0) * 1000;
  const spread =
    options.distinctAddresses ?? (process.platform === 'linux' && isIPv4(host) && host.startsWith('127.'));
  const signal = options.signal;
  let frames = 0;
  const failures: SimulateResult['failures'] = [];

  const board = async (b: number) => {
    const socket = await open(host, options.port, spread ? boardAddress(b) : undefined);
    socket.on('error', () => {});
    try {
      for (let pass = 0; passes < 0 || pass < passes; pass++) {
        if (signal?.aborted) break;
        const batch = options.pattern === 'poe-term' ? [POE_TERM_FRAME] : arduinoPass(pass, b);
        for (const frame of batch) {
          await write(socket, frame);
          frames++;
        }
        if (passes < 0 || pass < passes - 1) {
          await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
        }
      }
      await new Promise<void>((resolve) => socket.end(resolve));
    } finally {
      socket.destroy();
    }
  };

  const runs = Array.from({ length: boards }, (_, b) =>
    board(b).catch((error: Error) => {
      failures.push({ board: b, message: error.message });
    }),
  );
  await Promise.all(runs);
  return { boards, frames, failures };
}
