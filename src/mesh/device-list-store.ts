import { type DeviceEntry, mergePosted } from './device-entry.js';
import type { DeviceListFile } from './device-list.js';
import type { PeerListStore } from './gossip/dissemination.js';
import { mergeLearned } from './gossip/peer-table.js';

/** The gossip client's view of deviceList.json: the pull rule and the self-post, written atomically. */
export class DeviceListStore implements PeerListStore {
  readonly #file: DeviceListFile;

  constructor(file: DeviceListFile) {
    this.#file = file;
  }

  list(): readonly DeviceEntry[] {
    return this.#file.list();
  }

  async mergeLearned(entries: readonly DeviceEntry[], selfMac: string): Promise<readonly DeviceEntry[]> {
    // Nothing new in most answers: do not rewrite the file for them.
    if (mergeLearned(this.#file.list(), entries, { selfMac }).changed.length === 0) return [];
    let changed: readonly DeviceEntry[] = [];
    await this.#file.update((list) => {
      const result = mergeLearned(list, entries, { selfMac });
      changed = result.changed;
      return result.list;
    });
    return changed;
  }

  async postSelf(entry: DeviceEntry): Promise<void> {
    await this.#file.update((list) => mergePosted(list, entry));
  }
}
