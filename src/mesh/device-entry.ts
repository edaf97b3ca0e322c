/**
 * One entry of deviceList.json, in the original key order: mac, ip, "time stamp", name, [tz,] log.
 * All values are strings; `log` is the node's point-of-entry history, newest first.
 */
export interface DeviceEntry {
  mac: string;
  ip: string;
  'time stamp': string;
  name: string;
  /**
   * Absent when the entry has no tz key (written before tz joined the POST in 2022, or learned from a
   * list without it): the original answers null for it, and "" only for a POST that sent no tz.
   */
  tz?: string;
  log: string[];
}

/**
 * Builds an entry with the keys in the original order (JSON.stringify keeps insertion order); an
 * undefined tz leaves the key out.
 */
export function deviceEntry(fields: Omit<DeviceEntry, never>): DeviceEntry {
  return {
    mac: fields.mac,
    ip: fields.ip,
    'time stamp': fields['time stamp'],
    name: fields.name,
    ...(fields.tz === undefined ? {} : { tz: fields.tz }),
    log: [...fields.log],
  };
}

/**
 * The original api.php merge, for an entry POSTed by its own node: the first entry with the same
 * MAC is updated in place (ip, time stamp, name, tz, log; its position and key order kept),
 * otherwise the entry is appended. Pure: returns a new list.
 */
export function mergePosted(list: readonly DeviceEntry[], entry: DeviceEntry): DeviceEntry[] {
  const index = list.findIndex((e) => e.mac === entry.mac);
  if (index === -1) return [...list, deviceEntry(entry)];
  const next = [...list];
  next[index] = deviceEntry({ ...entry, mac: list[index].mac });
  return next;
}
