// What every vendor transport shares: the pure mapping's output shape, and the
// one sender that turns a mapping into a leadbeam transport function.
// A mapping is pure (wire v1 batch → vendor requests) so the same code runs in
// the browser (this sender) and on a server (the collector's relay).
import type { WireBatch, WireEvent } from '../event';
import type { TransportAnswer, TransportFn } from '../options';

/** One HTTP request to a vendor, relative to the vendor host (the tracker's `endpoint`). */
export interface VendorRequest {
  /** Path (and query, for GET) appended to the endpoint, e.g. `/batch`. Starts with `/`. */
  path: string;
  method: 'POST' | 'GET';
  /** Only CORS-safelisted content types where the vendor accepts them (no preflight). */
  contentType?: string;
  body?: string;
  /** The leadbeam event ids this request carries (for de-duplication on retry). */
  ids: string[];
  /** Server side only (the relay): extra headers, e.g. the vendor's documented header for the visitor's IP. Never set in a browser. */
  headers?: Record<string, string>;
}

/**
 * What only a server knows (the collector's relay), passed to the vendor the way it
 * documents for its own IP lookups; in the browser it is absent and no IP is ever sent.
 */
export interface RelayContext {
  ip?: string;
  userAgent?: string;
}

/** A vendor mapping: wire v1 batch → the vendor's requests. Pure: no browser global. */
export type VendorMap<O> = (batch: WireBatch, options: O, relay?: RelayContext) => VendorRequest[];

export interface VendorSenderOptions {
  /**
   * Does the vendor drop duplicates by an id leadbeam gives it (PostHog `uuid`,
   * Segment `messageId`, Snowplow `eid`)? If not, a request that got any HTTP
   * status is never sent again; only one that got no answer is retried.
   */
  dedupes: boolean;
}

/** Joins the tracker's endpoint (the vendor host or a relay) and a vendor path. */
export const joinUrl = (endpoint: string, path: string): string => endpoint.replace(/\/+$/, '') + path;

/** An answer from one status: as the built-in fetch transport reads it. */
const fromStatus = (status: number): TransportAnswer =>
  status < 300 || (status == 408 || status == 429 || status > 499 ? false : 'drop');

/**
 * Makes a leadbeam transport from a vendor mapping. Each request goes by fetch
 * (keepalive, no credentials) — or sendBeacon while the page unloads, for POSTs
 * whose content type is CORS-safelisted. The batch counts as delivered when
 * every request is; `'drop'` when one was refused for good (4xx); else retried,
 * resending only the requests that still need it.
 */
export function createVendorTransport<O>(map: VendorMap<O>, options: O, { dedupes }: VendorSenderOptions): TransportFn {
  /** Event ids whose request got an HTTP status (for vendors without de-duplication) or a 2xx. */
  const done = new Set<string>();
  return (endpoint, body, unloading) => {
    let batch: WireBatch;
    try {
      batch = JSON.parse(body);
    } catch {
      return 'drop';
    }
    const requests = map(batch, options).filter((r) => !r.ids.every((id) => done.has(id)));
    const mark = (r: VendorRequest) => r.ids.forEach((id) => done.add(id));
    return Promise.all(
      requests.map((r): TransportAnswer | Promise<TransportAnswer> => {
        const url = joinUrl(endpoint, r.path);
        if (unloading && r.method == 'POST' && typeof navigator != 'undefined' && navigator.sendBeacon) {
          try {
            const blob = r.contentType ? new Blob([r.body || ''], { type: r.contentType }) : r.body || '';
            if (navigator.sendBeacon(url, blob)) return mark(r), true;
          } catch {}
        }
        return fetch(url, {
          method: r.method,
          body: r.method == 'POST' ? r.body : undefined,
          headers: r.contentType ? { 'content-type': r.contentType } : undefined,
          keepalive: true,
          credentials: 'omit',
        }).then(
          (res) => {
            const answer = fromStatus(res.status);
            if (answer === true || !dedupes) mark(r);
            // Read to the end: Chromium counts unread keepalive responses against a 64 KiB budget.
            return res.text().then(() => answer, () => answer);
          },
          () => false,
        );
      }),
    ).then((answers) => (answers.every((a) => a === true) ? true : answers.indexOf('drop') >= 0 ? 'drop' : requests.some((r) => !r.ids.every((id) => done.has(id))) ? false : true));
  };
}

/**
 * A UUID derived from a leadbeam id: the same id always gives the same UUID, so a
 * retry keeps the vendor's de-duplication key (PostHog `uuid`, Snowplow `eid`).
 * 122 bits of a 128-bit non-cryptographic hash of the id (four cross-mixed 32-bit
 * lanes) in v4 shape; given `ms`, v7 shape (RFC 9562): that 48-bit time, then 74 hash bits.
 */
export function uuidFrom(id: string, ms?: number): string {
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a];
  let hex = '';
  for (let i = 0; i < id.length + 4; i++) {
    // After the id, four extra rounds spread its last characters over every lane.
    const c = id.charCodeAt(i) | 0;
    for (let j = 0; j < 4; j++) h[j] = Math.imul(h[j] ^ c ^ (h[(j + 1) & 3] >>> 15), 0x9e3779b1 + 2 * j);
  }
  for (const x of h) hex += ((x ^ (x >>> 16)) >>> 0).toString(16).padStart(8, '0');
  if (ms != null) hex = Math.floor(ms).toString(16).padStart(12, '0').slice(-12) + hex.slice(12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${ms != null ? 7 : 4}${hex.slice(13, 16)}-${'89ab'[parseInt(hex[16], 16) & 3]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Wraps a mapping so that every event gets the page fields (url, ref, title, lang,
 * screen) of its page view (same `pv`): only the page event carries them, often in
 * another batch (an event tracked before the first page view shares its batch but
 * comes first), while Umami, Matomo and Plausible want the page on every event.
 * Remembers the last 20 page views.
 */
export function withPages<O>(map: VendorMap<O>, max = 20): VendorMap<O> {
  const pages = new Map<string, WireEvent>();
  return (batch, options, relay) => {
    for (const e of batch.events)
      if (e.type == 'page') {
        pages.delete(e.pv);
        pages.set(e.pv, e);
        if (pages.size > max) pages.delete(pages.keys().next().value as string);
      }
    const events = batch.events.map((e) => {
      const p = e.type != 'page' && pages.get(e.pv);
      return p ? { url: p.url, ref: p.ref, title: p.title, lang: p.lang, screen: p.screen, ...e } : e;
    });
    return map({ ...batch, events }, options, relay);
  };
}

/** The events of a batch, with visitor/session ids only where leadbeam sent them (cookies active). */
export type { WireBatch, WireEvent };
