/**
 * A faithful model of the ORIGINAL gossip client (clientPostIP.py on main, runner era) over a
 * GossipTransport, to compare schemes and to play an original node in interop tests. Per run:
 *
 * 1. post our entry to `localhost` (that is how our own entry gets into our list), then to every `ip` of
 *    our deviceList.json except our own (`dst != my_IP`, an exact string compare), in list order, one at
 *    a time, without retries; errors are printed and ignored;
 * 2. every answer is scanned: an entry whose `mac` is not in our list, or whose `ip` is not, queues that
 *    ip unless it was queued before in this run;
 * 3. if anything was queued, repeat 1–2 with the queue instead of the list (localhost again first, and a
 *    fresh `stamp`).
 *
 * Our own list changes only when someone POSTs to us (including ourselves via localhost). One
 * simplification: in the runner era `runningDSTList` is a module global that is never cleared, so an ip
 * is followed once per process; this model clears it per run, as the cron-era script did.
 */
import type { DeviceEntry } from '../../../src/mesh/device-entry.js';
import type { SelfInfo } from '../../../src/mesh/gossip/dissemination.js';
import { errorCode } from '../../../src/mesh/gossip/errors.js';
import type { GossipForm, GossipTransport } from '../../../src/mesh/gossip/transport.js';

export interface OriginalClientDeps {
  self: () => SelfInfo | Promise<SelfInfo>;
  /**
   * The node's deviceList.json; the client only reads it (it changes through the node's api.php handler).
   * `list()` returns an immutable snapshot, a new array after each change (as MemoryPeerList does).
   */
  store: { list(): readonly DeviceEntry[] };
  transport: GossipTransport;
  apiKey: string;
  /** Epoch ms; the `stamp` is `str(time.time())`. */
  clock?: () => number;
  /** Posted right after localhost on the first level only (`solarprotocol.net` from 2022-08). */
  extraDestinations?: readonly string[];
  /** getNewDST's test (default `unknownIps`); a simulation may answer it from its own index. */
  unknownIps?: UnknownIps;
}

/**
 * getNewDST: the ips to queue from `answer`, in answer order: of each entry whose mac, or whose ip, is not
 * in `local`, unless its ip is in `running` or was returned before in this call. The caller adds every
 * returned ip to `running`.
 */
export type UnknownIps = (
  answer: readonly DeviceEntry[],
  local: readonly DeviceEntry[],
  running: ReadonlySet<string>,
) => readonly string[];

export interface OriginalRunReport {
  /** Every POST except the ones to localhost, in order. */
  posted: string[];
  answered: string[];
  failed: { address: string; code: string }[];
  /** The ips queued from answers, in order (the later levels post to these, except our own ip). */
  followed: string[];
}

interface Book {
  macs: ReadonlySet<string>;
  ips: ReadonlySet<string>;
}

/** The MAC and ip sets of one immutable list snapshot (`getKeyList('mac')`, `getKeyList('ip')`). */
const BOOKS = new WeakMap<readonly DeviceEntry[], Book>();

function bookOf(list: readonly DeviceEntry[]): Book {
  let book = BOOKS.get(list);
  if (!book) {
    book = { macs: new Set(list.map((e) => e.mac)), ips: new Set(list.map((e) => e.ip)) };
    BOOKS.set(list, book);
  }
  return book;
}

export const unknownIps: UnknownIps = (answer, local, running) => {
  const book = bookOf(local);
  const queue = new Set<string>();
  for (const r of answer) {
    if ((!book.macs.has(r.mac) || !book.ips.has(r.ip)) && !running.has(r.ip)) queue.add(r.ip);
  }
  return [...queue];
};

/** One run of the original client (one cron / runner cycle). */
export async function runOriginalClient(deps: OriginalClientDeps): Promise<OriginalRunReport> {
  const clock = deps.clock ?? Date.now;
  const me = await deps.self();
  const name = me.name.replace(/[^A-Za-z0-9_ ]+/g, '');
  const report: OriginalRunReport = { posted: [], answered: [], failed: [], followed: [] };
  const running = new Set<string>();
  let queue: string[] = [];

  const unknown = deps.unknownIps ?? unknownIps;
  const scan = (answer: readonly DeviceEntry[]) => {
    for (const ip of unknown(answer, deps.store.list(), running)) {
      running.add(ip);
      queue.push(ip);
      report.followed.push(ip);
    }
  };
  const post = async (address: string, form: GossipForm) => {
    if (address !== 'localhost') report.posted.push(address);
    try {
      const answer = await deps.transport.post(address, form);
      if (address !== 'localhost') report.answered.push(address);
      if (answer) scan(answer);
    } catch (error) {
      if (address !== 'localhost') report.failed.push({ address, code: errorCode(error) });
    }
  };

  let destinations = [...(deps.extraDestinations ?? []), ...deps.store.list().map((e) => e.ip)];
  do {
    const form: GossipForm = {
      api_key: deps.apiKey,
      stamp: String(clock() / 1000),
      ip: me.ip,
      mac: me.mac,
      name,
      tz: me.tz,
      log: me.log,
    };
    queue = [];
    await post('localhost', form);
    for (const dst of destinations) if (dst !== me.ip) await post(dst, form);
    destinations = queue;
  } while (destinations.length > 0);
  return report;
}
