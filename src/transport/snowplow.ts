// Snowplow: wire v1 → the Snowplow tracker protocol, as @snowplow/browser-tracker 4.10
// sends it (tracker-core newEmitterRequest, trackers' payload builders). Two ways in:
// - GET /i?e=…&… (the tracker's `eventMethod: 'get'`), one event per request: a
//   CORS-simple request, no preflight. The default.
// - POST /com.snowplowanalytics.snowplow/tp2 with a payload_data self-describing JSON of
//   the whole batch. Its content type must be application/json (enrich's Tp2Adapter
//   turns a text/plain body into a bad row), so the browser sends a CORS preflight first.
// Every value is a string (payload_data/jsonschema/1-0-4). leadbeam's own events are
// self-describing (`e=ue`) with the Iglu schemas shipped in leadbeam/transport/iglu.
import { warn } from '../log';
import type { TransportFn } from '../options';
import { createVendorTransport, uuidFrom, type RelayContext, type VendorRequest, type WireBatch, type WireEvent } from './util';

export interface SnowplowOptions {
  /** Snowplow's application id (`aid`), as `appId` of the Snowplow trackers. */
  appId: string;
  /**
   * `'get'`: one `GET /i` per event, no CORS preflight. `'post'`: one `POST /com.snowplowanalytics.snowplow/tp2`
   * per batch, after a CORS preflight in the browser (the collector answers it); best for the relay.
   * @defaultValue 'get'
   */
  method?: 'get' | 'post';
  /** Tracker namespace (`tna`). @defaultValue 'leadbeam' */
  namespace?: string;
}

const IGLU = 'iglu:com.snowplowanalytics.snowplow/';
const SELF = 'iglu:io.leadbeam/';
const sd = (schema: string, data: unknown) => ({ schema, data });

function toPayload(e: WireEvent, options: SnowplowOptions, sent?: number, relay?: RelayContext): Record<string, string> {
  const p: Record<string, string | undefined> = {
    e: 'ue',
    eid: uuidFrom(e.id),
    p: 'web',
    tv: 'leadbeam-1',
    tna: options.namespace || 'leadbeam',
    aid: options.appId,
    dtm: '' + e.ts,
    stm: sent ? '' + sent : undefined,
  };
  // Snowplow's own page view id (the web_page context) ties the events of one page view.
  const contexts: unknown[] = [sd(IGLU + 'web_page/jsonschema/1-0-0', { id: uuidFrom(e.pv) })];
  let event: unknown;
  if (e.type == 'page') {
    p.e = 'pv';
    p.url = e.url;
    p.refr = e.ref;
    p.page = e.title;
    p.lang = e.lang;
    p.res = e.screen;
    // A Snowplow page view has no custom fields: page props go as a leadbeam event context.
    if (e.props) contexts.push(sd(SELF + 'event/jsonschema/1-0-0', { props: e.props }));
  }
  p.co = JSON.stringify(sd(IGLU + 'contexts/jsonschema/1-0-0', contexts));
  if (e.type == 'event') event = { name: e.name, props: e.props };
  if (e.type == 'form') event = { domain: e.domain };
  if (e.type == 'engage') event = { ms: e.ms };
  if (e.type == 'consent') event = { state: e.state };
  if (event) p.ue_pr = JSON.stringify(sd(IGLU + 'unstruct_event/jsonschema/1-0-0', sd(SELF + e.type + '/jsonschema/1-0-0', event)));
  // Only with cookies: domain user id and a UUID session id (Snowplow's sid is a UUID).
  // Without them no duid, sid or nuid: Snowplow's anonymous tracking.
  if (e.vid) {
    p.duid = e.vid;
    if (e.sid) p.sid = uuidFrom(e.sid);
  }
  // Server only (the relay): Snowplow's documented overrides, so IP lookups see the visitor.
  if (relay) (p.ip = relay.ip), (p.ua = relay.userAgent);
  for (const k in p) if (p[k] === undefined) delete p[k];
  return p as Record<string, string>;
}

/** Wire v1 batch → Snowplow requests (pure: runs in the browser and in the relay). */
export function toSnowplow(batch: WireBatch, options: SnowplowOptions, relay?: RelayContext): VendorRequest[] {
  const events = batch.events.map((e) => toPayload(e, options, batch.sent, relay));
  if (options.method == 'post')
    return [
      {
        path: '/com.snowplowanalytics.snowplow/tp2',
        method: 'POST',
        contentType: 'application/json; charset=UTF-8',
        body: JSON.stringify(sd(IGLU + 'payload_data/jsonschema/1-0-4', events)),
        ids: batch.events.map((e) => e.id),
      },
    ];
  return events.map((p, i) => ({
    path: '/i?' + Object.keys(p).map((k) => k + '=' + encodeURIComponent(p[k])).join('&'),
    method: 'GET',
    ids: [batch.events[i].id],
  }));
}

/**
 * A leadbeam transport to a Snowplow collector. Snowplow de-duplicates on `eid`
 * (enrich/loaders), and leadbeam's `eid` is derived from the event id, so a retry
 * after a timeout keeps the same `eid`.
 */
export function snowplow(options: SnowplowOptions): TransportFn {
  if (!options || !options.appId) warn('snowplow: options.appId is missing');
  return createVendorTransport(toSnowplow, options || ({} as SnowplowOptions), { dedupes: true });
}
