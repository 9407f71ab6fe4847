// The Segment-spec mapping (Segment, RudderStack, Jitsu): exact requests for a
// fixed batch, no persistent id in a cookieless batch, the minimal batch, the
// relay's ip/userAgent, and retry behaviour through the shared sender.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { segment, toSegment } from '../../src/transport/segment';
import type { WireBatch } from '../../src/transport/util';

const TS = 1767225600000; // 2026-01-01T00:00:00.000Z
const VID = 'V'.repeat(22);
const SID = 'S'.repeat(16);
const PV = 'P'.repeat(16);
const ids = (...names: string[]) => names.map((n) => n.padEnd(16, '0'));
const [PAGE, EVT, FORM, ENG, CONS] = ids('page', 'evt', 'form', 'eng', 'cons');

const full: WireBatch = {
  v: 1,
  site: 'LB-7F3K2Q',
  sent: TS + 5000,
  events: [
    { type: 'page', id: PAGE, ts: TS, pv: PV, vid: VID, sid: SID, url: 'https://www.acme.test/pricing?plan=pro#top', ref: 'https://search.test/', title: 'Pricing', lang: 'nl-NL', screen: '1280x720', props: { ab: 'b' } },
    { type: 'event', id: EVT, ts: TS + 1, pv: PV, vid: VID, sid: SID, name: 'demo_booked', props: { plan: 'pro', seats: 3, trial: true } },
    { type: 'form', id: FORM, ts: TS + 2, pv: PV, vid: VID, sid: SID, domain: 'acme.nl' },
    { type: 'engage', id: ENG, ts: TS + 3, pv: PV, vid: VID, sid: SID, ms: 4200 },
    { type: 'consent', id: CONS, ts: TS + 4, pv: PV, vid: VID, sid: SID, state: 'granted' },
  ],
};

const context = { library: { name: 'leadbeam' }, leadbeam: { pv: PV, sid: SID } };
const expected = [
  {
    type: 'page',
    messageId: PAGE,
    anonymousId: VID,
    timestamp: '2026-01-01T00:00:00.000Z',
    properties: { ab: 'b', url: 'https://www.acme.test/pricing?plan=pro#top', path: '/pricing', search: '?plan=pro', referrer: 'https://search.test/', title: 'Pricing' },
    context: {
      ...context,
      locale: 'nl-NL',
      screen: { width: 1280, height: 720 },
      page: { url: 'https://www.acme.test/pricing?plan=pro#top', path: '/pricing', search: '?plan=pro', referrer: 'https://search.test/', title: 'Pricing' },
    },
  },
  { type: 'track', event: 'demo_booked', messageId: EVT, anonymousId: VID, timestamp: '2026-01-01T00:00:00.001Z', properties: { plan: 'pro', seats: 3, trial: true }, context },
  { type: 'track', event: 'leadbeam_form', messageId: FORM, anonymousId: VID, timestamp: '2026-01-01T00:00:00.002Z', properties: { domain: 'acme.nl' }, context },
  { type: 'track', event: 'leadbeam_engage', messageId: ENG, anonymousId: VID, timestamp: '2026-01-01T00:00:00.003Z', properties: { ms: 4200 }, context },
  { type: 'track', event: 'leadbeam_consent', messageId: CONS, anonymousId: VID, timestamp: '2026-01-01T00:00:00.004Z', properties: { state: 'granted' }, context },
];

const parse = (batch: WireBatch, api?: 'segment' | 'rudderstack', relay?: { ip?: string; userAgent?: string }) => {
  const requests = toSegment(batch, { writeKey: 'wk_123', api }, relay);
  expect(requests).toHaveLength(1);
  return { ...requests[0], json: JSON.parse(requests[0].body!) };
};

describe('toSegment', () => {
  it('maps a full batch to one /v1/batch request: writeKey in a text/plain body, messageId = event id, anonymousId = vid', () => {
    const r = parse(full);
    expect(r).toMatchObject({ path: '/v1/batch', method: 'POST', contentType: 'text/plain', ids: [PAGE, EVT, FORM, ENG, CONS] });
    expect(r.headers).toBeUndefined();
    expect(r.json).toEqual({ writeKey: 'wk_123', sentAt: '2026-01-01T00:00:05.000Z', batch: expected });
  });

  it('rudderstack: the beacon route with the writeKey in the query, originalTimestamp, no key in the body', () => {
    const r = parse(full, 'rudderstack');
    expect(r.path).toBe('/beacon/v1/batch?writeKey=wk_123');
    expect(r.contentType).toBe('text/plain');
    expect(r.json.writeKey).toBeUndefined();
    expect(r.json.sentAt).toBe('2026-01-01T00:00:05.000Z');
    expect(r.json.batch).toEqual(expected.map(({ timestamp, ...rest }) => ({ ...rest, originalTimestamp: timestamp })));
  });

  it('a cookieless batch carries no persistent id: anonymousId is the page-view id, no sid, no userId', () => {
    const cookieless: WireBatch = { ...full, events: full.events.map(({ vid, sid, ...e }) => e) };
    const body = parse(cookieless).body!;
    expect(body).not.toContain(VID);
    expect(body).not.toContain(SID);
    for (const m of JSON.parse(body).batch) {
      expect(m.anonymousId).toBe(PV);
      expect(m.userId).toBeUndefined();
      expect(m.context.leadbeam).toEqual({ pv: PV });
    }
  });

  it('a minimal batch (type, id, ts, pv, domain) still makes valid calls: page without page context, unnamed event as leadbeam_event', () => {
    const minimal: WireBatch = {
      v: 1,
      site: 'LB-7F3K2Q',
      events: [
        { type: 'page', id: PAGE, ts: TS, pv: PV },
        { type: 'event', id: EVT, ts: TS, pv: PV },
        { type: 'form', id: FORM, ts: TS, pv: PV, domain: 'acme.nl' },
      ],
    };
    const r = parse(minimal);
    expect(r.json.sentAt).toBeUndefined();
    expect(r.json.batch).toEqual([
      { type: 'page', messageId: PAGE, anonymousId: PV, timestamp: '2026-01-01T00:00:00.000Z', properties: {}, context: { library: { name: 'leadbeam' }, leadbeam: { pv: PV } } },
      { type: 'track', event: 'leadbeam_event', messageId: EVT, anonymousId: PV, timestamp: '2026-01-01T00:00:00.000Z', properties: {}, context: { library: { name: 'leadbeam' }, leadbeam: { pv: PV } } },
      { type: 'track', event: 'leadbeam_form', messageId: FORM, anonymousId: PV, timestamp: '2026-01-01T00:00:00.000Z', properties: { domain: 'acme.nl' }, context: { library: { name: 'leadbeam' }, leadbeam: { pv: PV } } },
    ]);
  });

  it('path and search of a URL: no path, a hash route (neither path nor search), a query', () => {
    const page = (url: string) => parse({ v: 1, site: 's', events: [{ type: 'page', id: PAGE, ts: TS, pv: PV, url }] }).json.batch[0].context.page;
    expect(page('https://acme.test')).toMatchObject({ path: '/', search: '' });
    expect(page('https://acme.test/#/route?x=1')).toMatchObject({ path: '/', search: '' });
    expect(page('https://acme.test/a/b?x=1&y=2')).toMatchObject({ path: '/a/b', search: '?x=1&y=2' });
  });

  it('the relay (server only) passes the visitor ip and user agent as context.ip / context.userAgent; the browser never does', () => {
    expect(parse(full, 'segment', { ip: '203.0.113.9', userAgent: 'UA/1' }).json.batch[1].context).toMatchObject({ ip: '203.0.113.9', userAgent: 'UA/1' });
    expect(parse(full).body).not.toMatch(/"ip"|userAgent/);
  });
});

describe('segment() transport', () => {
  afterEach(() => vi.unstubAllGlobals());
  const body = JSON.stringify(full);

  it('POSTs to endpoint + /v1/batch with no credentials and a text/plain body; 2xx is delivered', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    expect(await segment({ writeKey: 'wk' })('https://api.segment.io/', body)).toBe(true);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('https://api.segment.io/v1/batch');
    expect(init).toMatchObject({ method: 'POST', credentials: 'omit', keepalive: true, headers: { 'content-type': 'text/plain' } });
    expect(JSON.parse(init.body as string).writeKey).toBe('wk');
  });

  it('Segment de-duplicates on messageId: a 5xx or no answer is retried (false), a 400 dropped, a delivered batch not sent again', async () => {
    let status = 503;
    const fetch = vi.fn(async () => (status ? new Response('', { status }) : Promise.reject(new TypeError('network'))));
    vi.stubGlobal('fetch', fetch);
    const send = segment({ writeKey: 'wk' });
    expect(await send('https://api.segment.io', body)).toBe(false);
    status = 0;
    expect(await send('https://api.segment.io', body)).toBe(false);
    status = 200;
    expect(await send('https://api.segment.io', body)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(await send('https://api.segment.io', body)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(3);
    status = 400;
    expect(await segment({ writeKey: 'wk' })('https://api.segment.io', body)).toBe('drop');
  });

  it('a track call in a later batch carries the page, locale and screen of its page view (same pv), as the SDK sends them', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const send = segment({ writeKey: 'wk' });
    await send('https://api.segment.io', JSON.stringify({ ...full, events: [full.events[0]] }));
    await send('https://api.segment.io', JSON.stringify({ ...full, events: [full.events[1], { ...full.events[1], id: ids('other')[0], pv: 'Q'.repeat(16) }] }));
    const [track, other] = JSON.parse((fetch.mock.calls[1] as unknown as [string, RequestInit])[1].body as string).batch;
    expect(track.context).toEqual(expected[0].context); // locale, screen and page of its page view
    expect(track.properties).toEqual({ plan: 'pro', seats: 3, trial: true });
    expect(other.context.page).toBeUndefined(); // another page view's: unknown here
  });

  it('a missing writeKey warns once (the vendor will refuse the batch)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    segment({} as never);
    expect(warn).toHaveBeenCalledWith('[leadbeam] segment: writeKey is required', '');
    warn.mockRestore();
  });
});
