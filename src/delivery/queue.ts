// The bounded queue of events not yet acknowledged by the endpoint, and its
// persistence across reloads where storage is allowed.
import type { WireEvent } from '../event';

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
  /** Takes over the events a previous page of this site left behind (if allowed); erases the stored copy. */
  restore(allowed: boolean): void;
}

/** UTF-8 size of a string, in bytes. */
// Not new Blob([s]).size: a Blob costs ~0.2 ms in Chromium, a long task for a few hundred events.
export const byteLength = (s: string): number => new TextEncoder().encode(s).length;

const size = (e: WireEvent) => byteLength(JSON.stringify(e));

export function createQueue(maxEvents: number, maxBytes: number, storageKey: string, site: string): Queue {
  let bytes = 0;
  /** This page may have stored the queue (storage was allowed): erase it when that ends. */
  let stored = false;
  // Every storage access is inside try: reading localStorage itself throws where storage is blocked.
  const queue: Queue = {
    items: [],
    dropped: 0,
    push(event) {
      const items = queue.items;
      items.push(event);
      bytes += size(event);
      // Over a bound: drop the oldest event that is not a page view
      // (page views are what recognition needs), else the oldest one.
      while (items.length > maxEvents || bytes > maxBytes) {
        const i = items.findIndex((e) => e.type != 'page');
        bytes -= size(items.splice(i < 0 ? 0 : i, 1)[0]);
        queue.dropped++;
      }
    },
    remove(events) {
      queue.items = queue.items.filter((e) => events.indexOf(e) < 0 || ((bytes -= size(e)), false));
    },
    clear() {
      queue.remove(queue.items);
      queue.dropped = 0;
    },
    save(allowed) {
      try {
        // localStorage is touched only where storage is allowed, or to erase
        // what this page stored: cookieless pages never access it at all
        // (its first access also costs a synchronous load in Chromium).
        if (allowed && queue.items.length) localStorage.setItem(storageKey, JSON.stringify({ site, events: queue.items }));
        else if (allowed || stored) localStorage.removeItem(storageKey);
        stored = allowed;
      } catch {
        // Quota or security error: the events stay in memory.
      }
    },
    restore(allowed) {
      try {
        if (!allowed) return;
        const saved = JSON.parse(localStorage.getItem(storageKey)!);
        localStorage.removeItem(storageKey);
        if (saved.site == site) saved.events.forEach((e: WireEvent) => e.id && e.pv && queue.push(e));
      } catch {
        // Nothing stored, or unreadable leftovers: discarded.
      }
    },
  };
  return queue;
}
