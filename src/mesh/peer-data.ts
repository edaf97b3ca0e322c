/**
 * The network's data (the original's getRemoteData.py): every round, each peer's recent readings are
 * fetched from `http://<ip>/api/v1/opendata.php?day=4` and kept on disk in the original's file format
 * (./peer-data-file.ts), for `opendata.php?server=` and the dashboard. Each peer has one deadline and
 * a size cap (boundedRequest); a few peers are asked at a time; one peer's failure (refused, too
 * slow, too big, not a day=4 answer) is recorded as that peer's and harms no other. This node is not
 * asked over HTTP: its own file is written from its own readings.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { DATA_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { boundedRequest, MiB } from '../util/bounded-request.js';
import type { DeviceEntry } from './device-entry.js';
import { peerUrl } from './gossip/http-transport.js';
import {
  combine,
  type DayFiles,
  encodePeerFile,
  newestReadings,
  parseDayFiles,
  peerFileName,
  type Row,
} from './peer-data-file.js';

/** pimesh's own record of the rounds, beside the peer files (a name never starts with a dot). */
export const STATUS_FILE = '.peer-data.json';

export interface PeerDataOptions {
  /** Where the peer files live (`<dataDir>/peers`). */
  dir: string;
  /** The device list, in order. */
  peers: () => readonly DeviceEntry[];
  /** This node's MAC and announced address, to leave it out of the requests. */
  self: () => { mac: string; ip: string };
  /** This node's own `opendata.php?day=4` answer (v1), for its file; absent: no file for it. */
  local?: () => string;
  /** One peer's whole exchange. Default 10 s. */
  timeoutMs?: number;
  /** The largest answer read, and the largest file kept, per peer. Default 2 MiB. */
  maxBytes?: number;
  /** Peers asked at once. Default 4. */
  concurrency?: number;
  log?: Logger;
  now?: () => Date;
}

/** What the node knows of one peer's data: what the dashboard reads (`latest()`). */
export interface NetworkPeer {
  name: string;
  ip: string;
  /** The peer's file name without `.json`. */
  file: string;
  /** When this node last tried (ISO 8601). */
  fetchedAt: string;
  ok: boolean;
  /** Why the last try failed: a stable code (`ETIMEDOUT`, `ERR_RESPONSE_TOO_LARGE`, `ERR_NOT_DAY_DATA`...). */
  error?: string;
  /** When the data on disk was fetched (the last success). */
  okAt?: string;
  /** The newest row: its datetime (the peer's local time), PV power in W, battery in %. */
  datetime?: string;
  pvPower?: number;
  batteryPercent?: number;
  self: boolean;
  /** The files of the last good answer, newest first: their headers and row counts (for v1 `day=`). */
  files?: { header: Row; rows: number }[];
}

export interface PeerDataReport {
  asked: number;
  ok: string[];
  failed: { name: string; error: string }[];
}

/** Runs the rounds and answers what is on disk. */
export class PeerData {
  readonly dir: string;
  readonly #options: PeerDataOptions;
  #status = new Map<string, NetworkPeer>();
  #loaded = false;
  /** Bumped at every write: answers computed from the files are cached under it. */
  generation = 0;

  constructor(options: PeerDataOptions) {
    this.dir = options.dir;
    this.#options = options;
  }

  /** Reads the record of earlier rounds (once). */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    try {
      const saved = JSON.parse(await readFile(join(this.dir, STATUS_FILE), 'utf8')) as {
        peers?: NetworkPeer[];
      };
      for (const peer of saved.peers ?? []) this.#status.set(peer.file, peer);
    } catch {
      // None yet, or unreadable: the next round writes a new one.
    }
  }

  /**
   * The dashboard's view: one entry per peer (and this node) of the last round, in device-list order:
   * `{ name, ip, fetchedAt, ok, error?, pvPower?, batteryPercent?, ... }`. Synchronous, from memory.
   */
  latest(): NetworkPeer[] {
    return [...this.#status.values()].map(({ files: _files, ...peer }) => peer);
  }

  /** The record of one file name. */
  peer(file: string): NetworkPeer | undefined {
    return this.#status.get(file);
  }

  /** The text of a peer file, or undefined (missing, or a name that is not a plain file name). */
  fileText(file: string): string | undefined {
    if (peerFileName(file) !== file) return undefined;
    try {
      return readFileSync(join(this.dir, `${file}.json`), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** One round: every peer of the device list, this node from its own data. Never throws for a peer. */
  async run(): Promise<PeerDataReport> {
    await this.load();
    const o = this.#options;
    const me = o.self();
    const byFile = new Map<string, DeviceEntry>();
    const report: PeerDataReport = { asked: 0, ok: [], failed: [] };
    for (const entry of o.peers()) {
      const file = peerFileName(entry.name);
      if (file === undefined) report.failed.push({ name: entry.name, error: 'ERR_UNSAFE_NAME' });
      // Two names that differ only in case or spaces share a file, as in the original: the last wins.
      else byFile.set(file, entry);
    }
    const entries = [...byFile.entries()];
    const results = new Map<string, NetworkPeer>();
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const [file, entry] = entries[next++];
        const self = entry.mac === me.mac || entry.ip === me.ip;
        if (self && o.local === undefined) continue;
        if (!self) report.asked++;
        const result = await this.#one(file, entry, self);
        results.set(file, result);
        if (result.ok) report.ok.push(entry.name);
        else report.failed.push({ name: entry.name, error: result.error ?? 'ERROR' });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
    // In device-list order; peers no longer listed are forgotten (their files stay, as the original's).
    this.#status = new Map();
    for (const [file] of entries) {
      const result = results.get(file);
      if (result) this.#status.set(file, result);
    }
    await writeFileAtomic(
      join(this.dir, STATUS_FILE),
      JSON.stringify({ peers: [...this.#status.values()] }, null, 1),
      { mode: DATA_MODE },
    );
    this.generation++;
    o.log?.info({ asked: report.asked, ok: report.ok.length, failed: report.failed }, 'peer data round');
    return report;
  }

  async #one(file: string, entry: DeviceEntry, self: boolean): Promise<NetworkPeer> {
    const o = this.#options;
    const fetchedAt = (o.now?.() ?? new Date()).toISOString();
    const previous = this.#status.get(file);
    const base = { name: entry.name, ip: entry.ip, file, fetchedAt, self };
    const failed = (error: string): NetworkPeer => ({
      ...base,
      ok: false,
      error,
      // What is on disk stays, with when it was fetched.
      ...(previous?.okAt ? { okAt: previous.okAt, files: previous.files } : {}),
    });
    let files: DayFiles | undefined;
    try {
      const body = self ? (o.local?.() ?? '') : await this.#fetch(entry.ip);
      files = parseDayFiles(body);
    } catch (error) {
      return failed((error as { code?: string }).code ?? 'ERROR');
    }
    if (files === undefined) return failed('ERR_NOT_DAY_DATA');
    const maxBytes = o.maxBytes ?? 2 * MiB;
    const rows = combine(files);
    const { text, kept } = encodePeerFile(rows, maxBytes);
    try {
      await writeFileAtomic(join(this.dir, `${file}.json`), text, { mode: DATA_MODE });
    } catch (error) {
      return failed((error as { code?: string }).code ?? 'ERR_WRITE');
    }
    const fileRows = files.map((f) => ({ header: f[0], rows: f.length - 1 }));
    // Cut rows come from the oldest files: shorten the counts from the end.
    let cut = rows.length - kept;
    for (let i = fileRows.length - 1; i >= 0 && cut > 0; i--) {
      const take = Math.min(cut, fileRows[i].rows);
      fileRows[i].rows -= take;
      cut -= take;
    }
    return { ...base, ok: true, okAt: fetchedAt, ...newestReadings(rows.slice(0, kept)), files: fileRows };
  }

  async #fetch(ip: string): Promise<string> {
    const o = this.#options;
    const url = `${peerUrl(ip).replace('/api.php', '/opendata.php')}?day=4`;
    const response = await boundedRequest(url, {
      timeoutMs: o.timeoutMs ?? 10_000,
      maxBytes: o.maxBytes ?? 2 * MiB,
    });
    if (response.statusCode !== 200)
      throw Object.assign(new Error('HTTP'), { code: `HTTP_${response.statusCode}` });
    return response.body;
  }
}
