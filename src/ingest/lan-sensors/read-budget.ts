/**
 * Fairness between the boards and the rest of the node. libuv reads up to 32 chunks of 64 KiB from a
 * busy socket in one go, and then every other readable socket in the same turn, so 100 boards sending
 * flat out would hand over seconds of frames before a timer, the HTTP API or a new board got a turn.
 * Once `budgetMs` of frame work is spent in a turn, every board's socket is paused until the turn
 * ends (libuv then skips them), and resumed right after it. What the boards send meanwhile waits in
 * the kernel and slows them through TCP back-pressure: nothing is held in memory, nothing dropped.
 */
import type { Socket } from 'node:net';

export class ReadBudget {
  readonly #budgetMs: number;
  readonly #sockets: () => Iterable<Socket>;
  readonly #paused: Socket[] = [];
  #turnStarted = 0;
  /** Turns cut short: the boards sent more than the node takes in a turn. */
  cut = 0;

  /** `sockets`: the boards' sockets open now. */
  constructor(budgetMs: number, sockets: () => Iterable<Socket>) {
    this.#budgetMs = budgetMs;
    this.#sockets = sockets;
  }

  /** Runs `work` (one chunk's frames) on this turn's budget; past it, pauses every board. */
  run(work: () => void): void {
    const started = performance.now();
    if (this.#turnStarted === 0) {
      this.#turnStarted = started;
      setImmediate(this.#nextTurn);
    }
    work();
    if (this.#paused.length > 0 || performance.now() - this.#turnStarted <= this.#budgetMs) return;
    this.cut++;
    for (const socket of this.#sockets()) {
      if (socket.isPaused()) continue;
      socket.pause();
      this.#paused.push(socket);
    }
  }

  readonly #nextTurn = (): void => {
    this.#turnStarted = 0;
    for (const socket of this.#paused.splice(0)) if (!socket.destroyed) socket.resume();
  };
}
