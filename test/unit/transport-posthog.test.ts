// The PostHog mapping (wire v1 → PostHog capture) and its sender. Format source:
// posthog-js 1.449 lib/src/posthog-core.js + request.js (what the SDK posts to /e/),
// PostHog capture-rs tests for the form-urlencoded `data=` body.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { posthog, toPosthog } from '../../src/transport/posthog';
import { uuidFrom } from '../../src/transport/util';
import type { WireBatch } from '../../src/event';

const TS = 1764633600000 + 5000; // 2025-12-02T00:00:05Z
const VID = 'VVVVVVVVVVVVVVVVVVVVVV';
const SID = 'SSSSSSSSSSSSSSSS';
const PV = 'PPPPPPPPPPPPPPPP';
const ids = { vid: VID, sid: SID };

const full: WireBatch = {
  v: 1,
  site: 'LB-TEST',
  sent: TS + 1000,
  events: [
    { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV, ...ids, url: 'https://www.acme.test/pricing?plan=pro#top', ref: 'https://news.example/a/b', title: 'Pricing', lang: 'de-DE', screen: '1440x900' },
    { type: 'event', id: 'id-event-0000001', ts: TS + 1, pv: PV, ...ids, name: 'signup', props: { plan: 'pro', seats: 3, trial: true } },
    { type: 'form', id: 'id-form-00000001', ts: TS + 2, pv: PV, ...ids, domain: 'acme.nl' },
    { type: 'engage', id: 'id-engage-000001', ts: TS + 3, pv: PV, ...ids, ms: 48213 },
    { type: 'consent', id: 'id-consent-00001', ts: TS + 4, pv: PV, ...ids, state: 'granted' },
  ],
};

/** The capture body of a request: the form field `data`, parsed. */
const decode = (body: string) => {
  expect(body.startsWith('data=')).toBe(true);
  return JSON.parse(decodeURIComponent(body.slice(5)));
};

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('toPosthog', () => {
  it('maps every event type of a batch with ids into one capture request, exactly', () => {
    const [req, ...more] = toPosthog(full, { apiKey: 'phc_key' });
    expect(more).toEqual([]);
    expect(req.path).toBe('/e/');
    expect(req.method).toBe('POST');
    // CORS-safelisted: no preflight.
    expect(req.contentType).toBe('application/x-www-form-urlencoded');
    expect(req.headers).toBeUndefined();
    expect(req.ids).toEqual(full.events.map((e) => e.id));
    const session = uuidFrom(SID, 1764633600000);
    const common = {
      token: 'phc_key',
      $lib: 'leadbeam',
      $pageview_id: uuidFrom(PV),
      $process_person_profile: false,
      distinct_id: VID,
      $device_id: VID,
      $session_id: session,
    };
    expect(decode(req.body!)).toEqual({
      api_key: 'phc_key',
      sent_at: '2025-12-02T00:00:06.000Z',
      batch: [
        {
          uuid: uuidFrom('id-page-00000001', TS),
          event: '$pageview',
          timestamp: '2025-12-02T00:00:05.000Z',
          properties: {
            ...common,
            $current_url: 'https://www.acme.test/pricing?plan=pro#top',
            $host: 'www.acme.test',
            $pathname: '/pricing',
            $referrer: 'https://news.example/a/b',
            $referring_domain: 'news.example',
            title: 'Pricing',
            $browser_language: 'de-DE',
            $screen_width: 1440,
            $screen_height: 900,
          },
        },
        { uuid: uuidFrom('id-event-0000001', TS + 1), event: 'signup', timestamp: '2025-12-02T00:00:05.001Z', properties: { ...common, plan: 'pro', seats: 3, trial: true } },
        { uuid: uuidFrom('id-form-00000001', TS + 2), event: 'leadbeam_form', timestamp: '2025-12-02T00:00:05.002Z', properties: { ...common, domain: 'acme.nl' } },
        { uuid: uuidFrom('id-engage-000001', TS + 3), event: 'leadbeam_engage', timestamp: '2025-12-02T00:00:05.003Z', properties: { ...common, ms: 48213 } },
        { uuid: uuidFrom('id-consent-00001', TS + 4), event: 'leadbeam_consent', timestamp: '2025-12-02T00:00:05.004Z', properties: { ...common, state: 'granted' } },
      ],
    });
  });

  it('gives every event a UUIDv7 uuid with its own time, the same on every mapping of the same event', () => {
    const a = decode(toPosthog(full, { apiKey: 'k' })[0].body!).batch;
    const b = decode(toPosthog(full, { apiKey: 'k' })[0].body!).batch;
    expect(a.map((e: { uuid: string }) => e.uuid)).toEqual(b.map((e: { uuid: string }) => e.uuid));
    for (const [i, e] of a.entries()) {
      expect(e.uuid).toMatch(UUID7);
      expect(parseInt(e.uuid.replace(/-/g, '').slice(0, 12), 16)).toBe(full.events[i].ts);
    }
    expect(new Set(a.map((e: { uuid: string }) => e.uuid)).size).toBe(5);
    // $session_id: UUIDv7 whose time (the UTC day) is not after the session's events and within 24 h of them.
    const sid = a[0].properties.$session_id;
    expect(sid).toMatch(UUID7);
    const t = parseInt(sid.replace(/-/g, '').slice(0, 12), 16);
    expect(t).toBeLessThanOrEqual(TS);
    expect(TS - t).toBeLessThan(864e5);
  });

  it('cookieless events carry PostHog\'s cookieless sentinel and no visitor, device or session id', () => {
    const batch: WireBatch = { v: 1, site: 'LB-TEST', events: full.events.map(({ vid, sid, ...e }) => e) as WireBatch['events'] };
    const req = toPosthog(batch, { apiKey: 'phc_key', personProfiles: true })[0];
    expect(req.body).not.toContain(VID);
    expect(req.body).not.toContain(SID);
    for (const e of decode(req.body!).batch) {
      expect(e.properties.distinct_id).toBe('$posthog_cookieless');
      expect(e.properties.$cookieless_mode).toBe(true);
      expect(e.properties.$process_person_profile).toBe(false);
      expect(e.properties).not.toHaveProperty('$session_id');
      expect(e.properties).not.toHaveProperty('$device_id');
    }
  });

  it('a minimal batch (type, id, ts, pv, domain) maps to events with no page details and no id', () => {
    const batch: WireBatch = {
      v: 1,
      site: 'LB-TEST',
      events: [
        { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV },
        { type: 'event', id: 'id-event-0000001', ts: TS, pv: PV },
        { type: 'form', id: 'id-form-00000001', ts: TS, pv: PV, domain: 'acme.nl' },
      ],
    };
    const out = decode(toPosthog(batch, { apiKey: 'k' })[0].body!);
    expect(out.sent_at).toBeUndefined();
    expect(out.batch.map((e: { event: string }) => e.event)).toEqual(['$pageview', 'leadbeam_event', 'leadbeam_form']);
    expect(out.batch[0].properties).toEqual({ token: 'k', $lib: 'leadbeam', $pageview_id: uuidFrom(PV), $process_person_profile: false, distinct_id: '$posthog_cookieless', $cookieless_mode: true });
    expect(out.batch[2].properties.domain).toBe('acme.nl');
  });

  it('props cannot override the token, the distinct id or the cookieless flag', () => {
    const batch: WireBatch = { v: 1, site: 'S', events: [{ type: 'event', id: 'id-event-0000001', ts: TS, pv: PV, name: 'x', props: { token: 'evil', distinct_id: 'someone', $cookieless_mode: false } }] };
    const p = decode(toPosthog(batch, { apiKey: 'k' })[0].body!).batch[0].properties;
    expect([p.token, p.distinct_id, p.$cookieless_mode]).toEqual(['k', '$posthog_cookieless', true]);
  });

  it('only the relay passes the visitor IP and user agent ($ip for PostHog GeoIP); the browser mapping never has one', () => {
    expect(toPosthog(full, { apiKey: 'k' })[0].body).not.toContain('%24ip');
    const p = decode(toPosthog(full, { apiKey: 'k' }, { ip: '203.0.113.9', userAgent: 'UA/1' })[0].body!).batch[0].properties;
    expect(p.$ip).toBe('203.0.113.9');
    expect(p.$raw_user_agent).toBe('UA/1');
  });

  it('a custom path (/i/v0/e/) and person profiles for visitors with an id', () => {
    const req = toPosthog(full, { apiKey: 'k', path: '/i/v0/e/', personProfiles: true })[0];
    expect(req.path).toBe('/i/v0/e/');
    expect(decode(req.body!).batch[0].properties.$process_person_profile).toBe(true);
    // As a script tag's data-transport-person-profiles gives it: a string.
    const flag = (personProfiles: unknown) => decode(toPosthog(full, { apiKey: 'k', personProfiles } as never)[0].body!).batch[0].properties.$process_person_profile;
    expect([flag('true'), flag(''), flag('false'), flag(false), flag(undefined)]).toEqual([true, true, false, false, false]);
  });
});

describe('posthog transport', () => {
  afterEach(() => vi.unstubAllGlobals());
  const body = JSON.stringify(full);

  it('posts to <endpoint>/e/ without credentials; a retry after no answer resends the same uuids; once 2xx, never again', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const answers: (() => Promise<Response>)[] = [() => Promise.reject(new TypeError('network')), () => Promise.resolve(new Response('{}', { status: 200 }))];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => (calls.push({ url, init }), answers.shift()!()));
    const send = posthog({ apiKey: 'phc_key' });
    expect(await send('https://eu.i.posthog.com/', body, false)).toBe(false);
    expect(await send('https://eu.i.posthog.com/', body, false)).toBe(true);
    expect(await send('https://eu.i.posthog.com/', body, false)).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[0].url).toBe('https://eu.i.posthog.com/e/');
    expect(calls[0].init).toMatchObject({ method: 'POST', credentials: 'omit', keepalive: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(calls[1].init.body).toBe(calls[0].init.body);
  });

  it('a 400 is dropped for good, a 503 retried', async () => {
    const statuses = [400, 503];
    vi.stubGlobal('fetch', () => Promise.resolve(new Response('', { status: statuses.shift() })));
    expect(await posthog({ apiKey: 'k' })('https://h', body, false)).toBe('drop');
    expect(await posthog({ apiKey: 'k' })('https://h', body, false)).toBe(false);
  });

  it('warns once when the api key is missing', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    posthog({} as never);
    expect(spy.mock.calls.some((c) => String(c[0]).includes('apiKey'))).toBe(true);
    spy.mockRestore();
  });
});
