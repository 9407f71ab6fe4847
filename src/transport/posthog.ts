// PostHog: wire v1 → PostHog's capture API, shaped as posthog-js 1.449 sends it
// (lib/src/posthog-core.js, request.js): POST /e/ with
// {api_key, batch: [{uuid, event, properties, timestamp}], sent_at}.
// posthog-js posts application/json (preflighted) or gzip as text/plain; leadbeam posts
// the JSON as the form field `data` (application/x-www-form-urlencoded), which capture
// accepts (PostHog's capture-rs tests `e_post-form-urlencoded-batch-payload`): a
// CORS-simple request, no preflight, and a valid sendBeacon body at unload.
import { warn } from '../log';
import type { TransportFn } from '../options';
import { createVendorTransport, uuidFrom, type RelayContext, type VendorRequest, type WireBatch, type WireEvent } from './util';

export interface PosthogOptions {
  /** The project API key (`phc_…`). It is public: posthog-js puts it in every page too. */
  apiKey: string;
  /**
   * Path of the capture endpoint on the `endpoint` host (`https://eu.i.posthog.com`,
   * `https://us.i.posthog.com`, your reverse proxy or the leadbeam relay).
   * @defaultValue '/e/'
   */
  path?: string;
  /**
   * Let PostHog create person profiles for visitors with a leadbeam visitor id
   * (`$process_person_profile: true`). Off as in posthog-js (`person_profiles:
   * 'identified_only'`): leadbeam never identifies anyone. Cookieless events never get one.
   * @defaultValue false
   */
  personProfiles?: boolean;
}

/** posthog-js's distinct id for cookieless events: PostHog's servers then count visitors by a daily hash. */
const COOKIELESS = '$posthog_cookieless';

/** Host and path of a URL, by linear scans (page-controlled text). */
function hostPath(url: string): [string, string] {
  const start = url.indexOf('//') + 2;
  const rest = start > 1 ? url.slice(start) : url;
  let end = rest.search(/[/?#]/);
  if (end < 0) end = rest.length;
  const path = rest.slice(end);
  const q = path.search(/[?#]/);
  return [rest.slice(0, end), (q < 0 ? path : path.slice(0, q)) || '/'];
}

/**
 * PostHog's `$session_id` must be a UUIDv7 whose time is at most the session's first
 * event and within 24 h of its last (posthog.com/docs/references/posthog-js/types/BootstrapConfig).
 * leadbeam's session id carries no start time, so the UTC day of the event stands in:
 * every event of a session gets the same id, unless the session crosses UTC midnight.
 */
const sessionId = (sid: string, ts: number): string => uuidFrom(sid, ts - (ts % 864e5));

function toEvent(e: WireEvent, options: PosthogOptions, relay?: RelayContext) {
  const p: Record<string, unknown> = { ...e.props };
  let event = e.name || 'leadbeam_event';
  if (e.type == 'page') {
    event = '$pageview';
    if (e.url) {
      [p.$host, p.$pathname] = hostPath(e.url);
      p.$current_url = e.url;
      // posthog-js says '$direct' for no referrer; without url (minimal) nothing is known.
      p.$referrer = e.ref || '$direct';
      p.$referring_domain = e.ref ? hostPath(e.ref)[0] : '$direct';
    }
    p.title = e.title;
    p.$browser_language = e.lang;
    if (e.screen) [p.$screen_width, p.$screen_height] = e.screen.split('x').map(Number);
  }
  if (e.type == 'form') (event = 'leadbeam_form'), (p.domain = e.domain);
  // Visible ms since the page view's previous engage event (not a page leave: sent on every hide).
  if (e.type == 'engage') (event = 'leadbeam_engage'), (p.ms = e.ms);
  if (e.type == 'consent') (event = 'leadbeam_consent'), (p.state = e.state);
  p.token = options.apiKey;
  p.$lib = 'leadbeam';
  p.$pageview_id = uuidFrom(e.pv);
  // A script tag's data-transport-person-profiles arrives as a string: only 'false' means no.
  p.$process_person_profile = !!e.vid && options.personProfiles != null && options.personProfiles + '' != 'false';
  if (e.vid) {
    p.distinct_id = p.$device_id = e.vid;
    if (e.sid) p.$session_id = sessionId(e.sid, e.ts);
  } else {
    // posthog-js cookieless_mode: the sentinel id, no device or session id.
    p.distinct_id = COOKIELESS;
    p.$cookieless_mode = true;
  }
  // Server only (the relay): PostHog's GeoIP reads `$ip` before the request's own address.
  if (relay?.ip) p.$ip = relay.ip;
  if (relay?.userAgent) p.$raw_user_agent = relay.userAgent;
  return { uuid: uuidFrom(e.id, e.ts), event, properties: p, timestamp: new Date(e.ts).toISOString() };
}

/** Wire v1 batch → one PostHog capture request (pure: runs in the browser and in the relay). */
export function toPosthog(batch: WireBatch, options: PosthogOptions, relay?: RelayContext): VendorRequest[] {
  const body = {
    api_key: options.apiKey,
    batch: batch.events.map((e) => toEvent(e, options, relay)),
    sent_at: batch.sent ? new Date(batch.sent).toISOString() : undefined,
  };
  return [
    {
      path: options.path || '/e/',
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      body: 'data=' + encodeURIComponent(JSON.stringify(body)),
      ids: batch.events.map((e) => e.id),
    },
  ];
}

/**
 * A leadbeam transport to PostHog. PostHog drops duplicate `uuid`s, and leadbeam's
 * `uuid` is derived from the event id, so a retry after a timeout never double-counts.
 */
export function posthog(options: PosthogOptions): TransportFn {
  if (!options || !options.apiKey) warn('posthog: options.apiKey (phc_…) is missing: PostHog will refuse every event');
  return createVendorTransport(toPosthog, options || ({} as PosthogOptions), { dedupes: true });
}
