// Plausible's Events API: one POST /api/event per event, the body its tracker sends.
// Format: https://plausible.io/docs/events-api and @plausible-analytics/tracker
// (`{n, u, d, r, p}` as text/plain); what the server accepts:
// plausible/analytics lib/plausible/ingestion/request.ex (test/browser/transport-plausible.test.ts).
import { warn } from '../log';
import type { TransportFn } from '../options';
import { createVendorTransport, withPages, type RelayContext, type VendorRequest, type WireBatch } from './util';

export interface PlausibleOptions {
  /** The site's domain as added in Plausible (its `data-domain`), e.g. `acme.com`. Required. */
  domain: string;
}

/**
 * Wire v1 → one Plausible event per leadbeam event: `pageview`, the custom event's name,
 * `leadbeam_form` {domain}, `engagement` with `e` (ms), `leadbeam_consent` {state} (not
 * interactive). Plausible has no visitor id (it hashes IP + user agent + a daily salt), so
 * vid and sid are never sent; it has no event time either (it counts the arrival).
 */
export function toPlausible(batch: WireBatch, options: PlausibleOptions, relay?: RelayContext): VendorRequest[] {
  const requests: VendorRequest[] = [];
  // Server side (the relay): Plausible hashes the visitor from these two (Events API docs).
  let headers: Record<string, string> | undefined;
  if (relay) {
    headers = {};
    if (relay.ip) headers['X-Forwarded-For'] = relay.ip;
    if (relay.userAgent) headers['User-Agent'] = relay.userAgent;
  }
  for (const e of batch.events) {
    // engagement wants e or sd (scroll depth, which leadbeam does not measure): e = 0 alone is a 400.
    if (e.type == 'engage' && !e.ms) continue;
    // Without a URL (minimal mode) the site's root: Plausible requires one; it caps u at 2000 bytes.
    const u = (e.url || 'https://' + options.domain + '/').slice(0, 2000);
    const body: Record<string, unknown> = {
      n: e.type == 'page' ? 'pageview' : e.type == 'event' ? e.name || 'leadbeam_event' : e.type == 'engage' ? 'engagement' : 'leadbeam_' + e.type,
      u,
      d: options.domain,
      r: e.ref || null,
      // leadbeam's props (≤ 25 keys of ≤ 64 chars, values ≤ 500 chars) fit Plausible's (30, 300 and 2000 bytes).
      p: e.type == 'form' ? { domain: e.domain } : e.type == 'consent' ? { state: e.state } : e.props,
    };
    if (e.type == 'engage') body.e = e.ms;
    // A consent change is no visit: it must not turn a bounce into an engaged visit.
    if (e.type == 'consent') body.i = false;
    // leadbeam keeps a #fragment only with hashRouting: then the route is in it.
    if (u.indexOf('#') >= 0) body.h = 1;
    requests.push({
      path: '/api/event',
      method: 'POST',
      contentType: 'text/plain',
      body: JSON.stringify(body),
      ids: [e.id],
      headers,
    });
  }
  return requests;
}

/**
 * A leadbeam transport to Plausible; the tracker's `endpoint` is the Plausible host
 * (`https://plausible.io` or your own). Later events of a page view get its URL and
 * referrer (withPages). Plausible does not de-duplicate: a request that got any
 * status is never sent again.
 */
/** For a server (the collector's relay): the same page memory as the browser transport, sized for many visitors. */
export { withPages } from './util';

export const plausible = (options: PlausibleOptions): TransportFn => {
  if (!options || !options.domain) warn('plausible: domain is required');
  return createVendorTransport(withPages(toPlausible), options || ({} as PlausibleOptions), { dedupes: false });
};
