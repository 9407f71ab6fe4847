// Matomo: its HTTP Tracking API (https://developer.matomo.org/api-reference/tracking-api)
// called as Matomo's own JS tracker calls it (matomo-org/matomo js/piwik.js): a POST with a
// form-urlencoded body, several requests in one bulk body `{"requests": ["?…", …]}`.
// Never Matomo's auth token (this runs in pages), nor `cdt` and `cip`, which want it, nor `uid` (a person).
// Matomo has no de-duplication: a request that got any status is never resent.
import { createVendorTransport, withPages, type VendorMap } from './util';
import type { TransportFn } from '../options';
import { warn } from '../log';

export interface MatomoOptions {
  /** The site id (`idsite`) from Matomo's Websites › Manage. */
  siteId: number | string;
  /**
   * Path of the tracking endpoint on the Matomo host (or relay), e.g. `/piwik.php` on old installs.
   * @defaultValue `'/matomo.php'`
   */
  path?: string;
  /**
   * Props sent as Matomo custom dimensions: prop name → dimension id, e.g. `{ plan: 1 }`
   * sends prop `plan` as `dimension1`. Other props are not sent (except `category`,
   * `label` and a numeric `value` of a custom event: Matomo's event category, name and value).
   * @defaultValue `{}`
   */
  dimensions?: Record<string, number>;
}

/** Matomo's visitor id: 16 hex digits, here a fixed function of leadbeam's visitor id (about 63 bits). */
const visitorId = (vid: string) => {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += (vid.charCodeAt(i) & 15).toString(16);
  return hex;
};

/**
 * Wire v1 batch → one Matomo request: a page view is `action_name` (the title) with the
 * page's `url`; a custom event is event category `leadbeam` (or prop `category`), action
 * = its name; a form is category `leadbeam`, action `form`, name = the domain;
 * engagement is a `ping=1` heartbeat (Matomo times the page view from it). Consent
 * is not sent (Matomo has no field for it).
 */
export const toMatomo: VendorMap<MatomoOptions> = (batch, options, relay) => {
  const queries: string[] = [];
  const ids: string[] = [];
  // An object only (a data-transport-dimensions string is not one).
  const dims = (typeof options.dimensions == 'object' && options.dimensions) || {};
  for (const e of batch.events) {
    if (e.type == 'consent') continue;
    const props = e.props || {};
    const p: Record<string, string | number | undefined> = {};
    if (e.type == 'page') p.action_name = e.title || '';
    else if (e.type == 'engage') p.ping = 1;
    else {
      const form = e.type == 'form';
      p.e_c = !form && typeof props.category == 'string' ? props.category : 'leadbeam';
      p.e_a = form ? 'form' : e.name || 'event';
      p.e_n = form ? e.domain : typeof props.label == 'string' ? props.label : undefined;
      p.e_v = !form && typeof props.value == 'number' && isFinite(props.value) ? props.value : undefined;
    }
    // Seconds since the event (both times by the client's clock, so its skew cancels):
    // Matomo dates the request back by it; past 24 hours it would want the auth token, so then not.
    const age = Math.floor(((batch.sent || e.ts) - e.ts) / 1000);
    p.idsite = options.siteId;
    p.rec = 1;
    p.url = e.url;
    p.urlref = e.ref;
    // Only with leadbeam's visitor id; without it Matomo recognises the visit by its own
    // config id (a hash of IP, user agent and browser settings), and no id leaves the page.
    p._id = e.vid && visitorId(e.vid);
    p.res = e.screen;
    p.lang = e.lang;
    // Matomo's page-view id: 6 letters or digits, from leadbeam's (ties a page's events together).
    p.pv_id = e.pv.slice(0, 6).replace(/[-_]/g, '0');
    p.cdo = age > 0 && age < 86000 ? age : undefined;
    for (const key of Object.keys(props)) if (Object.prototype.hasOwnProperty.call(dims, key)) p['dimension' + dims[key]] = String(props[key]);
    p.send_image = 0;
    queries.push(
      Object.keys(p)
        .filter((k) => p[k] !== undefined)
        .map((k) => k + '=' + encodeURIComponent(p[k]!))
        .join('&'),
    );
    ids.push(e.id);
  }
  return queries.length
    ? [
        {
          path: options.path || '/matomo.php',
          method: 'POST',
          // Matomo's tracker's own type, CORS-safelisted: no preflight; also for the bulk JSON body.
          contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
          body: queries.length == 1 ? queries[0] : JSON.stringify({ requests: queries.map((q) => '?' + q) }),
          ids,
          // Server side only (the relay): Matomo reads the visitor's IP from X-Forwarded-For where
          // its config trusts the relay (proxy_client_headers), and the user agent from its header.
          headers: relay ? { ...(relay.ip ? { 'x-forwarded-for': relay.ip } : {}), ...(relay.userAgent ? { 'user-agent': relay.userAgent } : {}) } : undefined,
        },
      ]
    : [];
};

/**
 * A leadbeam transport to Matomo: `createTracker({ endpoint: 'https://matomo.example.com',
 * transport: matomo({ siteId: 1 }) })`. No de-duplication at Matomo, so a request
 * that got an answer is never resent (a timeout can double-count).
 */
/** For a server (the collector's relay): the same page memory as the browser transport, sized for many visitors. */
export { withPages } from './util';

export const matomo = (options: MatomoOptions): TransportFn => {
  // Matomo refuses a request without a site (400: dropped, never retried).
  if (!options || (typeof options.siteId != 'number' && typeof options.siteId != 'string')) warn('matomo: option "siteId" is required');
  return createVendorTransport(withPages(toMatomo), options || ({} as MatomoOptions), { dedupes: false });
};
