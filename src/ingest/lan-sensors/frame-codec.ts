/**
 * poe-backend's wire format: a board streams 4-byte frames `[opt, id, type, data]` over TCP, every byte
 * unsigned, and never hears back. `opt` (0 INITIALIZATION, 1 POST) changes nothing: every frame is a
 * reading. The decoder is pure: bytes in any chunking become frames, a partial frame is held until its
 * last byte comes, and a frame with an unknown type is rejected while the stream goes on with the next
 * four bytes (the original dropped a whole read that was not a multiple of 4 bytes, and the rest of a
 * read after an unknown type).
 */

/** Sensor types by number, upper-case as the original stores them. */
export const SENSOR_TYPES = ['FIRE', 'SMOKE', 'MOTION', 'HUMIDITY', 'TEMPERATURE', 'WATER'] as const;
export type SensorName = (typeof SENSOR_TYPES)[number];

export const FRAME_BYTES = 4;
/** The highest known type (WATER). */
export const MAX_TYPE = SENSOR_TYPES.length - 1;

/** Where decoded frames go: `type` is always a known one (0-5). */
export interface FrameSink {
  frame(id: number, type: number, value: number, opt: number): void;
}

export class FrameDecoder {
  /** Frames handed to the sink. */
  frames = 0;
  /** Frames with an unknown type, skipped. */
  rejected = 0;
  readonly #held = new Uint8Array(FRAME_BYTES);
  #heldLength = 0;

  /** Bytes of an incomplete frame waiting for the rest (0-3). */
  get pending(): number {
    return this.#heldLength;
  }

  /** Decodes `chunk` into `sink`; returns how many frames of it were rejected. */
  push(chunk: Uint8Array, sink: FrameSink): number {
    const rejectedBefore = this.rejected;
    let i = 0;
    if (this.#heldLength > 0) {
      while (this.#heldLength < FRAME_BYTES && i < chunk.length) this.#held[this.#heldLength++] = chunk[i++];
      if (this.#heldLength < FRAME_BYTES) return 0;
      this.#heldLength = 0;
      const h = this.#held;
      this.#emit(h[0], h[1], h[2], h[3], sink);
    }
    const end = chunk.length - ((chunk.length - i) % FRAME_BYTES);
    for (; i < end; i += FRAME_BYTES) this.#emit(chunk[i], chunk[i + 1], chunk[i + 2], chunk[i + 3], sink);
    while (i < chunk.length) this.#held[this.#heldLength++] = chunk[i++];
    return this.rejected - rejectedBefore;
  }

  #emit(opt: number, id: number, type: number, value: number, sink: FrameSink): void {
    if (type > MAX_TYPE) {
      this.rejected++;
      return;
    }
    this.frames++;
    sink.frame(id, type, value, opt);
  }
}

/** `::ffff:10.89.21.188` (IPv4 on a dual-stack socket) → `10.89.21.188`; anything else unchanged. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The original's row key: `"<client IPv4>_<id as decimal>"`, e.g. `127.0.0.1_255`; no port. */
export function ipId(address: string, id: number): string {
  return `${plainAddress(address)}_${id}`;
}

/** `10.89.21.188_17` → board `10.89.21.188`, id 17 (the id is the part after the last `_`). */
export function splitIpId(key: string): { board: string; id: number | null } {
  const at = key.lastIndexOf('_');
  const id = at < 0 ? Number.NaN : Number(key.slice(at + 1));
  return at < 0 || !Number.isInteger(id) ? { board: key, id: null } : { board: key.slice(0, at), id };
}

/** The type number of a name (case-insensitive), or undefined. */
export function sensorType(name: string): number | undefined {
  const index = SENSOR_TYPES.indexOf(name.toUpperCase() as SensorName);
  return index < 0 ? undefined : index;
}
