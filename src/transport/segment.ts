// The Segment HTTP/batch spec (Segment, RudderStack, Jitsu), one request per batch.
// Format: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch
// and what @segment/analytics-next / @rudderstack/analytics-js put on the wire
// (test/browser/transport-segment.test.ts runs both against the same server).
import { warn } from '../log';
import type { TransportFn } from '../options';
import { createVendorTransport, withPages, type RelayContext, type VendorRequest, type WireBatch } from './util';

export interface SegmentOptions {
  /** The source's write key (Segment, Jitsu, or a RudderStack source). Required; it is public by design (it only writes). */
  writeKey: string;
  /**
   * Which server reads the batch, with no CORS preflight either way:
   * `'segment'`: `POST /v1/batch`, the write key in the body (Segment; Jitsu reads it there too);
   * `'rudderstack'`: `POST /beacon/v1/batch?writeKey=…`, the data plane's route for requests that cannot
   * carry an `Authorization` header (its `/v1/batch` wants Basic auth, so a preflight).
   * @defaultValue 'segment'
   */
  api?: 'segment' | 'rudderstack';
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Path and query of an absolute URL, by indexOf (no regex on page text); a `#…` part is neither. */
function pathSearch(url: string): [string, string] {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const rest = start < 0 ? '' : url.split('#')[0].slice(start);
  const q = rest.indexOf('?');
  return q < 0 ? [rest || '/', ''] : [rest.slice(0, q) || '/', rest.slice(q)];
}

/**
 * Wire v1 → one Segment-spec batch. Page views are `page` calls, everything else
 * `track` calls (`leadbeam_form` {domain}, `leadbeam_engage` {ms}, `leadbeam_consent`
 * {state}). `messageId` is the leadbeam event id (the vendor de-duplicates on it);
 * `anonymousId` is the visitor id, or — cookieless — the page-view id, never stored.
 */
export function toSegment(batch: WireBatch, options: SegmentOptions, relay?: RelayContext): VendorRequest[] {
  const rudder = options.api == 'rudderstack';
  const events = batch.events.map((e) => {
    const context: Record<string, unknown> = { library: { name: 'leadbeam' }, leadbeam: { pv: e.pv, sid: e.sid } };
    // Only a server (the relay) knows these; the vendor then locates the visitor, not the relay.
    if (relay) (context.ip = relay.ip), (context.userAgent = relay.userAgent);
    if (e.lang) context.locale = e.lang;
    if (e.screen) {
      const [width, height] = e.screen.split('x');
      context.screen = { width: +width, height: +height };
    }
    let properties: Record<string, unknown> = e.props || {};
    // Every call gets its page (the factory's withPages), as the SDKs send it; a page call also in its properties.
    if (e.url) {
      const [path, search] = pathSearch(e.url);
      context.page = { url: e.url, path, search, referrer: e.ref || '', title: e.title };
      if (e.type == 'page') properties = { ...properties, ...(context.page as object) };
    }
    if (e.type == 'form') properties = { domain: e.domain };
    if (e.type == 'engage') properties = { ms: e.ms };
    if (e.type == 'consent') properties = { state: e.state };
    return {
      type: e.type == 'page' ? 'page' : 'track',
      event: e.type == 'page' ? undefined : e.type == 'event' ? e.name || 'leadbeam_event' : 'leadbeam_' + e.type,
      messageId: e.id,
      anonymousId: e.vid || e.pv,
      // RudderStack's SDK names the client time originalTimestamp (the server corrects it by sentAt).
      [rudder ? 'originalTimestamp' : 'timestamp']: iso(e.ts),
      properties,
      context,
    };
  });
  const body: Record<string, unknown> = { batch: events };
  if (batch.sent) body.sentAt = iso(batch.sent);
  if (!rudder) body.writeKey = options.writeKey;
  return [
    {
      path: rudder ? '/beacon/v1/batch?writeKey=' + encodeURIComponent(options.writeKey) : '/v1/batch',
      method: 'POST',
      // text/plain, no Authorization header: a simple request (analytics.js sent it so for years).
      contentType: 'text/plain',
      body: JSON.stringify(body),
      ids: batch.events.map((e) => e.id),
    },
  ];
}

/**
 * A leadbeam transport to the Segment HTTP/batch spec; the tracker's `endpoint` is the API host
 * (e.g. `https://api.segment.io`, or the RudderStack data plane URL). Later calls of a page view
 * get its page, language and screen (withPages: leadbeam sends them with the page view only).
 */
/** For a server (the collector's relay): the same page memory as the browser transport, sized for many visitors. */
export { withPages } from './util';

export const segment = (options: SegmentOptions): TransportFn => {
  if (!options || !options.writeKey) warn('segment: writeKey is required');
  return createVendorTransport(withPages(toSegment), options || ({} as SegmentOptions), { dedupes: true });
};
