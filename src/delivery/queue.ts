// The bounded queue of events not yet acknowledged by the endpoint, and its
// persistence across reloads where storage is allowed.
import type { WireEvent } from '../event';
import { win } from '../env';

export interface Queue {
  /** Events in the order they were produced. */
  items: WireEvent[];
  /** Events dropped because a bound was hit, not yet reported to the endpoint. */
  dropped: number;
  push(event: WireEvent): void;
  /** Removes these events (acknowledged or refused). */
  remove(events: WireEvent[]): void;
  clear(): void;
  /** Writes the queue to storage if allowed, else erases any stored copy. */
  save(allowed: boolean): void;
  /** Takes over the events a previous page of this site left behind (if allowed). */
  restore(allowed: boolean): void;
}

/** UTF-8 size of a string, in bytes. */
export function byteLength(s: string): number {
  return typeof TextEncoder != 'undefined' ? new TextEncoder().encode(s).length : s.length * 3;
}

export function createQueue(maxEvents: number, maxBytes: number, storageKey: string, site: string): Queue {
  const sizes = new Map<WireEvent, number>();
  let bytes = 0;
  const storage = (): Storage | undefined => {
    try {
      return win && win.localStorage;
    } catch {
      // Access itself throws when storage is blocked.
    }
  };

  const queue: Queue = {
    items: [],
    dropped: 0,
    push(event) {
      const size = byteLength(JSON.stringify(event));
      queue.items.push(event);
      sizes.set(event, size);
      bytes += size;
      // Over a bound: drop the oldest event that is not a page view
      // (page views are what recognition needs), else the oldest one.
      while (queue.items.length > maxEvents || bytes > maxBytes) {
        const items = queue.items;
        let i = 0;
        while (i < items.length - 1 && items[i].type == 'page') i++;
        queue.remove([items[i]]);
        queue.dropped++;
      }
    },
    remove(events) {
      queue.items = queue.items.filter((e) => {
        if (events.indexOf(e) < 0) return true;
        bytes -= sizes.get(e) || 0;
        sizes.delete(e);
        return false;
      });
    },
    clear() {
      queue.remove(queue.items);
      queue.dropped = 0;
    },
    save(allowed) {
      const s = storage();
      try {
        if (allowed && queue.items.length) s && s.setItem(storageKey, JSON.stringify({ site, events: queue.items }));
        else if (s && s.getItem(storageKey) != null) s.removeItem(storageKey);
      } catch {
        // Quota or security error: the events stay in memory.
      }
    },
    restore(allowed) {
      const s = storage();
      try {
        const raw = s && s.getItem(storageKey);
        if (!raw) return;
        s!.removeItem(storageKey);
        const saved = allowed && JSON.parse(raw);
        if (saved && saved.site == site && Array.isArray(saved.events))
          saved.events.forEach((e: WireEvent) => e && typeof e.id == 'string' && typeof e.pv == 'string' && queue.push(e));
      } catch {
        // Unreadable leftovers are discarded.
      }
    },
  };
  return queue;
}
