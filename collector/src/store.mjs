// The collector's event store: one interface, two implementations.
//
//   const store = await openStore('ndjson:./events');            // zero setup (the default)
//   const store = await openStore('postgres://user@host/db');    // the real database
//
//   await store.write(site, events)  → { stored, duplicates }  resolves only once durable
//                                      (NDJSON: fsync'ed; PostgreSQL: committed); rejects
//                                      with code STORE_UNAVAILABLE (answer 503) when it cannot
//   await store.erase(visitorId)     → events deleted: the visitor's, and every event that
//                                      shares one of their page-view ids (pv)
//   await store.purgeOlderThan(ms)   → events deleted whose receive time is older than ms ago
//   for await (const e of store.events({ site, since }))  stored events, oldest first,
//                                      as { site, received, ...event } (the report reads these)
//   await store.close()
//
// Events are stored as given (validated wire events, plus whatever the collector
// adds such as company data), with the site and the server's receive time.
// No store has, or may be given, an IP address.
import { openNdjsonStore } from './store-ndjson.mjs';
import { isStoreUnavailable, storeUnavailable } from './store-error.mjs';

export { isStoreUnavailable, storeUnavailable };

/**
 * Opens the store a `--store` spec names: `ndjson:<dir>` or `postgres://…` / `postgresql://…`.
 *
 * @param {string} spec
 * @param {{ now?: () => number }} [opts] passed to the implementation (`now`: receive clock, for tests).
 */
export async function openStore(spec, opts = {}) {
  if (typeof spec === 'string' && spec.startsWith('ndjson:') && spec.length > 7) {
    return openNdjsonStore(spec.slice(7), opts);
  }
  if (typeof spec === 'string' && /^postgres(ql)?:\/\//.test(spec)) {
    // Loaded only when asked for, so an NDJSON collector never loads pg.
    const { openPostgresStore } = await import('./store-postgres.mjs');
    return openPostgresStore(spec, opts);
  }
  throw new Error(`unknown store ${JSON.stringify(spec)}: use ndjson:<dir> or postgres://user@host:port/db`);
}
