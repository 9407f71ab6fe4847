// The bounded queue of events not yet acknowledged by the endpoint, and its
// persistence across reloads where storage is allowed.
import type { WireEvent } from '../event';
import { randomId } from '../ids';

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
  /** Erases every saved copy of the site, also those of other tabs (forget(): they belong to the visitor). */
  erase(): void;
  /**
   * Takes over the events that earlier pages of this site (any tab) left
   * behind, if allowed: merged and de-duplicated by id; erases what it took.
   */
  restore(allowed: boolean): void;
}

/** UTF-8 size of a string, in bytes. */
// Not new Blob([s]).size: a Blob costs ~0.2 ms in Chromium, a long task for a few hundred events.
export const byteLength = (s: string): number => new TextEncoder().encode(s).length;

const size = (e: WireEvent) => byteLength(JSON.stringify(e));

/**
 * `storageKey` is a prefix: each page saves under its own key
 * (`<storageKey>.<random>`), so two tabs that close offline never overwrite
 * each other's events; the next page takes over every key of the prefix.
 */
export function createQueue(maxEvents: number, maxBytes: number, storageKey: string, site: string): Queue {
  const ownKey = storageKey + '.' + randomId(8);
  let bytes = 0;
  /** This page has stored the queue (storage was allowed): keep the copy current, erase it when that ends. */
  let stored = false;
  /** Storage was allowed on this page at some point: when that ends, every saved copy of the site goes. */
  let allowedOnce = false;
  /** Each saved copy of this site (under the prefix), parsed; unreadable ones count as ours. */
  const savedCopies = (): [string, { site?: string; events: WireEvent[] } | undefined][] => {
    const out: [string, { site?: string; events: WireEvent[] } | undefined][] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!;
      // The bare prefix is where versions before per-page keys saved.
      if (key == storageKey || key.indexOf(storageKey + '.') == 0) {
        let saved;
        try {
          saved = JSON.parse(localStorage.getItem(key)!);
        } catch {}
        if (!saved || saved.site == site) out.push([key, saved && saved.events ? saved : undefined]);
      }
    }
    return out;
  };
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
      // A page that lives on after it was hidden: the stored copy must not resend what was delivered since.
      if (stored) queue.save(true);
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
        if (allowed && queue.items.length) localStorage.setItem(ownKey, JSON.stringify({ site, events: queue.items }));
        else if (allowed || stored) localStorage.removeItem(ownKey);
        // Withdrawn: also the copies other tabs of the site left behind (they hold ids).
        if (!allowed && allowedOnce) queue.erase();
        allowedOnce = allowedOnce || allowed;
        stored = allowed;
      } catch {
        // Quota or security error: the events stay in memory.
      }
    },
    erase() {
      try {
        savedCopies().forEach(([key]) => localStorage.removeItem(key));
      } catch {}
    },
    restore(allowed) {
      if (!allowed) return;
      allowedOnce = true;
      try {
        const seen: Record<string, 1> = {};
        for (const [key, saved] of savedCopies()) {
          // Unreadable leftovers are discarded.
          if (saved) for (const e of saved.events) if (e && e.id && e.pv && !seen[e.id]) (seen[e.id] = 1), queue.push(e);
          localStorage.removeItem(key);
        }
      } catch {
        // Storage blocked: nothing to take over.
      }
    },
  };
  return queue;
}
