// Umami: one POST /api/send per event, `{type: 'event', payload}` as Umami's own
// tracker sends it (umami-software/umami src/tracker/index.js; fields and limits
// from src/app/api/send/route.ts; https://umami.is/docs/api/sending-stats).
// Umami has no de-duplication: a request that got any status is never resent.
import { createVendorTransport, withPages, type VendorMap, type VendorRequest } from './util';
import type { TransportFn } from '../options';
import { warn } from '../log';

export interface UmamiOptions {
  /** The website id (a UUID) from Umami's website settings. */
  websiteId: string;
  /**
   * Send `application/json`, as Umami's own tracker does: each request then costs a
   * CORS preflight. Umami 2.16 and later read the body as JSON whatever its type, so
   * leadbeam sends `text/plain` (a simple request); set this for older servers.
   * @defaultValue `false`
   */
  json?: boolean;
  /**
   * Umami's `tag` (its tracker's `data-tag`), to compare variants in Umami's reports; at most 50 characters.
   * @defaultValue none
   */
  tag?: string;
}

/** Umami's longest event name (`name`, 50 characters). */
const NAME_MAX = 50;

/**
 * Wire v1 batch → one Umami request per event. A page view is an event without
 * `name`; a custom event carries `name` and its props as `data`; a form is
 * `leadbeam_form` with only `{domain}`. Engagement and consent are not sent:
 * Umami has no field for either (it times visits from their events).
 */
export const toUmami: VendorMap<UmamiOptions> = (batch, options, relay) => {
  const requests: VendorRequest[] = [];
  for (const e of batch.events) {
    if (e.type == 'engage' || e.type == 'consent') continue;
    let hostname: string | undefined;
    let url: string | undefined;
    try {
      // Path, query and hash only, as Umami's tracker sends it (before 2.16 Umami read nothing else).
      const u = new URL(e.url!);
      hostname = u.hostname;
      url = u.pathname + u.search + u.hash;
    } catch {}
    const age = (batch.sent || e.ts) - e.ts;
    const payload = {
      website: options.websiteId,
      hostname,
      screen: e.screen,
      language: e.lang,
      // Encoded as Umami's tracker encodes it: its server decodes the title.
      title: e.title && encodeURIComponent(e.title),
      url,
      referrer: e.ref,
      tag: options.tag,
      // Umami's session identifier: only the consented visitor id; without it Umami
      // derives the session from IP, user agent and a monthly salt.
      id: e.vid,
      name: e.type == 'page' ? undefined : e.type == 'form' ? 'leadbeam_form' : (e.name || 'leadbeam_event').slice(0, NAME_MAX),
      data: e.type == 'form' ? { domain: e.domain } : e.props,
      // An event that waited (consent, offline, retries) keeps its time; a fresh one
      // takes Umami's clock, which a wrong client clock cannot skew.
      timestamp: age > 10000 ? Math.floor(e.ts / 1000) : undefined,
      // Server side only (the relay): Umami's documented fields for the visitor's IP and user agent.
      ip: relay && relay.ip,
      userAgent: relay && relay.userAgent,
    };
    requests.push({
      path: '/api/send',
      method: 'POST',
      contentType: options.json ? 'application/json' : 'text/plain',
      body: JSON.stringify({ type: 'event', payload }),
      ids: [e.id],
      headers: relay && relay.userAgent ? { 'user-agent': relay.userAgent } : undefined,
    });
  }
  return requests;
};

/**
 * A leadbeam transport to Umami: `createTracker({ endpoint: 'https://cloud.umami.is',
 * transport: umami({ websiteId }) })`. No de-duplication at Umami, so a request
 * that got an answer is never resent (a timeout can double-count).
 */
/** For a server (the collector's relay): the same page memory as the browser transport, sized for many visitors. */
export { withPages } from './util';

export const umami = (options: UmamiOptions): TransportFn => {
  // Umami refuses an event without a website (400: dropped, never retried).
  if (!options || typeof options.websiteId != 'string') warn('umami: option "websiteId" is required');
  return createVendorTransport(withPages(toUmami), options || ({} as UmamiOptions), { dedupes: false });
};
