// The Umami mapping (wire v1 → POST /api/send) and its sender. Format source: Umami's
// own tracker (umami-software/umami src/tracker/index.js, also in the `umami` npm
// package) and its server's schema (src/app/api/send/route.ts);
// https://umami.is/docs/api/sending-stats.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toUmami, umami } from '../../src/transport/umami';
import { withPages } from '../../src/transport/util';
import type { WireBatch } from '../../src/event';

const TS = 1764633600000 + 5000; // 2025-12-02T00:00:05Z
const VID = 'VVVVVVVVVVVVVVVVVVVVVV';
const SID = 'SSSSSSSSSSSSSSSS';
const PV = 'PPPPPPPPPPPPPPPP';
const WEBSITE = '4c0b5a2e-1f9d-4f27-9a43-0a7e3c5d9b11';
const ids = { vid: VID, sid: SID };
const PAGE = { url: 'https://www.acme.test/pricing?plan=pro#top', ref: 'https://news.example/a/b', title: 'Prices & plans', lang: 'de-DE', screen: '1440x900' };

const full: WireBatch = {
  v: 1,
  site: 'LB-TEST',
  sent: TS + 1000,
  events: [
    { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV, ...ids, ...PAGE, props: { ab: 'b' } },
    { type: 'event', id: 'id-event-0000001', ts: TS + 1, pv: PV, ...ids, name: 'signup', props: { plan: 'pro', seats: 3, trial: true } },
    { type: 'form', id: 'id-form-00000001', ts: TS + 2, pv: PV, ...ids, domain: 'acme.nl' },
    { type: 'engage', id: 'id-engage-000001', ts: TS + 3, pv: PV, ...ids, ms: 48213 },
    { type: 'consent', id: 'id-consent-00001', ts: TS + 4, pv: PV, ...ids, state: 'granted' },
  ],
};

const bodies = (batch: WireBatch, options = { websiteId: WEBSITE }) => toUmami(batch, options).map((r) => JSON.parse(r.body!));
const context = { website: WEBSITE, hostname: 'www.acme.test', screen: '1440x900', language: 'de-DE', title: 'Prices%20%26%20plans', url: '/pricing?plan=pro#top', referrer: 'https://news.example/a/b' };

describe('toUmami', () => {
  it('maps page, event and form to one /api/send request each, exactly; engage and consent to none', () => {
    const requests = toUmami(full, { websiteId: WEBSITE });
    expect(requests.map((r) => [r.path, r.method, r.contentType, r.ids, r.headers])).toEqual([
      ['/api/send', 'POST', 'text/plain', ['id-page-00000001'], undefined],
      ['/api/send', 'POST', 'text/plain', ['id-event-0000001'], undefined],
      ['/api/send', 'POST', 'text/plain', ['id-form-00000001'], undefined],
    ]);
    expect(bodies(full)).toEqual([
      // A page view is an event without a name.
      { type: 'event', payload: { ...context, id: VID, data: { ab: 'b' } } },
      // Later events of the page carry no page fields on the wire; a bare mapping sends none.
      { type: 'event', payload: { website: WEBSITE, id: VID, name: 'signup', data: { plan: 'pro', seats: 3, trial: true } } },
      { type: 'event', payload: { website: WEBSITE, id: VID, name: 'leadbeam_form', data: { domain: 'acme.nl' } } },
    ]);
  });

  it('gives later events the page of their page view, across batches (withPages)', () => {
    const map = withPages(toUmami);
    const options = { websiteId: WEBSITE };
    map({ ...full, events: full.events.slice(0, 1) }, options);
    const later = map({ ...full, events: full.events.slice(1) }, options).map((r) => JSON.parse(r.body!).payload);
    expect(later).toEqual([
      { ...context, id: VID, name: 'signup', data: { plan: 'pro', seats: 3, trial: true } },
      { ...context, id: VID, name: 'leadbeam_form', data: { domain: 'acme.nl' } },
    ]);
    // An event tracked before the first page view comes first in their shared batch.
    const first = withPages(toUmami)({ ...full, events: [full.events[1], full.events[0]] }, options);
    expect(JSON.parse(first[0].body!).payload).toEqual(later[0]);
    // Another page view's events get nothing from it.
    const other = map({ ...full, events: [{ type: 'event', id: 'id-event-0000002', ts: TS, pv: 'QQQQQQQQQQQQQQQQ', name: 'x' }] }, options);
    expect(JSON.parse(other[0].body!).payload).toEqual({ website: WEBSITE, name: 'x' });
  });

  it('sends no identifier for a cookieless batch: Umami derives the session from IP and user agent', () => {
    const cookieless: WireBatch = { ...full, events: full.events.map(({ vid, sid, ...e }) => e) };
    for (const r of toUmami(cookieless, { websiteId: WEBSITE })) {
      expect(r.body).not.toContain(VID);
      expect(r.body).not.toContain(SID);
      expect(JSON.parse(r.body!).payload).not.toHaveProperty('id');
    }
    // Nor does the session id ever leave (Umami has no field for it).
    for (const r of toUmami(full, { websiteId: WEBSITE })) expect(r.body).not.toContain(SID);
  });

  it('maps a minimal batch: a page view without page fields, a nameless event stays an event', () => {
    const minimal: WireBatch = {
      v: 1,
      site: 'LB-TEST',
      events: [
        { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV },
        { type: 'event', id: 'id-event-0000001', ts: TS, pv: PV },
        { type: 'form', id: 'id-form-00000001', ts: TS, pv: PV, domain: 'acme.nl' },
      ],
    };
    expect(bodies(minimal).map((b) => b.payload)).toEqual([
      { website: WEBSITE },
      { website: WEBSITE, name: 'leadbeam_event' },
      { website: WEBSITE, name: 'leadbeam_form', data: { domain: 'acme.nl' } },
    ]);
  });

  it("keeps Umami's value rules: name at most 50 characters; an event that waited keeps its time (seconds)", () => {
    const long = 'n'.repeat(64);
    const batch: WireBatch = {
      v: 1,
      site: 'LB-TEST',
      sent: TS + 3_600_000,
      events: [
        { type: 'event', id: 'id-event-0000001', ts: TS, pv: PV, name: long },
        { type: 'event', id: 'id-event-0000002', ts: TS + 3_600_000 - 500, pv: PV, name: 'fresh' },
      ],
    };
    const [waited, fresh] = bodies(batch).map((b) => b.payload);
    expect(waited).toEqual({ website: WEBSITE, name: 'n'.repeat(50), timestamp: Math.floor(TS / 1000) });
    // A fresh event takes Umami's own clock (a wrong client clock cannot skew it).
    expect(fresh).not.toHaveProperty('timestamp');
  });

  it('sends application/json only when asked (older Umami), and the tag', () => {
    const [r] = toUmami({ ...full, events: full.events.slice(0, 1) }, { websiteId: WEBSITE, json: true, tag: 'v2' });
    expect(r.contentType).toBe('application/json');
    expect(JSON.parse(r.body!).payload.tag).toBe('v2');
  });

  it("puts the relay's visitor IP and user agent in Umami's payload fields, never in the browser", () => {
    const [r] = toUmami({ ...full, events: full.events.slice(0, 1) }, { websiteId: WEBSITE }, { ip: '203.0.113.9', userAgent: 'UA/1' });
    expect(JSON.parse(r.body!).payload).toMatchObject({ ip: '203.0.113.9', userAgent: 'UA/1' });
    expect(r.headers).toEqual({ 'user-agent': 'UA/1' });
    for (const b of toUmami(full, { websiteId: WEBSITE })) expect(b.body).not.toMatch(/"ip"|userAgent/);
  });
});

describe('umami() sender', () => {
  afterEach(() => vi.unstubAllGlobals());
  const body = JSON.stringify(full);

  const stubFetch = (...answers: (number | Error)[]) => {
    const calls: { url: string; init: RequestInit }[] = [];
    let i = 0;
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const a = answers[Math.min(i++, answers.length - 1)];
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(new Response('{}', { status: a }));
    });
    return calls;
  };

  it('posts each event to <endpoint>/api/send as text/plain, no credentials', async () => {
    const calls = stubFetch(200);
    expect(await umami({ websiteId: WEBSITE })('https://umami.example/', body)).toBe(true);
    expect(calls.map((c) => c.url)).toEqual(Array(3).fill('https://umami.example/api/send'));
    expect(calls[0].init).toMatchObject({ method: 'POST', keepalive: true, credentials: 'omit', headers: { 'content-type': 'text/plain' } });
  });

  it('never resends a request that got a status (no de-duplication at Umami); resends only unanswered ones', async () => {
    // page: 500, event: network error, form: 200.
    const calls: string[] = [];
    const answers: Record<string, number | Error> = { '': 500, signup: new Error('offline'), leadbeam_form: 200 };
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      const name = JSON.parse(init.body as string).payload.name || '';
      calls.push(name);
      const a = answers[name];
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(new Response('', { status: a }));
    });
    const send = umami({ websiteId: WEBSITE });
    expect(await send('https://umami.example', body)).toBe(false);
    expect(calls.sort()).toEqual(['', 'leadbeam_form', 'signup']);
    calls.length = 0;
    answers.signup = 200;
    // The retry sends the unanswered event only: the 500 and the 200 are not sent again.
    expect(await send('https://umami.example', body)).toBe(true);
    expect(calls).toEqual(['signup']);
  });

  it("drops for good what Umami refused (400, e.g. an unknown website), and warns once about a missing websiteId", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    stubFetch(400);
    expect(await umami({} as never)('https://umami.example', body)).toBe('drop');
    expect(warn).toHaveBeenCalledWith('[leadbeam] umami: option "websiteId" is required', '');
    warn.mockRestore();
  });
});
