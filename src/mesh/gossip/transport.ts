import { type DeviceEntry, deviceEntry } from '../device-entry.js';

/**
 * The fields of the gossip POST to a peer's `/api/v1/api.php`, in the original order. A node only ever
 * posts its OWN entry: `stamp` is its own clock (`str(time.time())`, seconds), `log` its POE history.
 */
export interface GossipForm {
  readonly api_key: string;
  readonly stamp: string;
  readonly ip: string;
  readonly mac: string;
  readonly name: string;
  readonly tz: string;
  readonly log: readonly string[];
}

/**
 * How a gossip POST travels (memberlist's Transport). `post` resolves with the peer's whole device list
 * as it stands after merging `form`, or `undefined` for an empty body (the original answers so when its
 * list was empty or unreadable). Everything else rejects: a refused key or a bad answer with a
 * `PeerError`, network failures with the usual Node `code` (ECONNREFUSED, ETIMEDOUT...). No retries here.
 *
 * Answers are immutable values: a transport may hand out a shared snapshot, so callers never mutate it.
 */
export interface GossipTransport {
  post(address: string, form: GossipForm): Promise<readonly DeviceEntry[] | undefined>;
}

/** The form field order of clientPostIP.py: api_key, stamp, ip, mac, name, tz, log. */
export const FORM_FIELDS = ['api_key', 'stamp', 'ip', 'mac', 'name', 'tz', 'log'] as const;

/**
 * The `application/x-www-form-urlencoded` body, fields in the original order and `log` comma-joined.
 * Unlike the original client (plain concatenation) every value is encoded, so a `&`, `=`, `+` or `%` in
 * a name survives; PHP decodes both forms, so original receivers store the same strings.
 */
export function encodeForm(form: GossipForm): string {
  const params = new URLSearchParams();
  for (const field of FORM_FIELDS) params.append(field, field === 'log' ? form.log.join(',') : form[field]);
  return params.toString();
}

/**
 * The entry behind each form built by `entryForm` or read by `formEntry`: entries and forms are
 * immutable, so every in-process receiver of one POST can share one entry object (cheap merges).
 */
const ENTRIES = new WeakMap<GossipForm, DeviceEntry>();

/** The form a node posts for its own entry. */
export function entryForm(entry: DeviceEntry, apiKey: string): GossipForm {
  const form: GossipForm = {
    api_key: apiKey,
    stamp: entry['time stamp'],
    ip: entry.ip,
    mac: entry.mac,
    name: entry.name,
    tz: entry.tz ?? '',
    log: [...entry.log],
  };
  ENTRIES.set(form, entry);
  return form;
}

/** The entry a receiver stores for a POSTed form (the original api.php mapping, without HTML escaping). */
export function formEntry(form: GossipForm): DeviceEntry {
  let entry = ENTRIES.get(form);
  if (!entry) {
    entry = deviceEntry({
      mac: form.mac,
      ip: form.ip,
      'time stamp': form.stamp,
      name: form.name,
      tz: form.tz,
      log: [...form.log],
    });
    ENTRIES.set(form, entry);
  }
  return entry;
}
