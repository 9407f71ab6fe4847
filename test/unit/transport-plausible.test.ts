// The Plausible mapping: exact requests for a fixed batch, never a visitor or
// session id, the minimal batch, the relay's headers, and the no-de-duplication
// rule (a request that got any status is never resent) through the shared sender.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { plausible, toPlausible } from '../../src/transport/plausible';
import type { WireBatch } from '../../src/transport/util';

const TS = 1767225600000;
const VID = 'V'.repeat(22);
const SID = 'S'.repeat(16);
const PV = 'P'.repeat(16);
const [PAGE, EVT, FORM, ENG, CONS] = ['page', 'evt', 'form', 'eng', 'cons'].map((n) => n.padEnd(16, '0'));
const URL_ = 'https://www.acme.test/pricing?plan=pro';
const REF = 'https://search.test/';

const full: WireBatch = {
  v: 1,
  site: 'LB-7F3K2Q',
  sent: TS + 5000,
  events: [
    { type: 'page', id: PAGE, ts: TS, pv: PV, vid: VID, sid: SID, url: URL_, ref: REF, title: 'Pricing', lang: 'nl-NL', screen: '1280x720', props: { ab: 'b' } },
    { type: 'event', id: EVT, ts: TS + 1, pv: PV, vid: VID, sid: SID, name: 'demo_booked', props: { plan: 'pro', seats: 3, trial: true } },
    { type: 'form', id: FORM, ts: TS + 2, pv: PV, vid: VID, sid: SID, domain: 'acme.nl' },
    { type: 'engage', id: ENG, ts: TS + 3, pv: PV, vid: VID, sid: SID, ms: 4200 },
    { type: 'consent', id: CONS, ts: TS + 4, pv: PV, vid: VID, sid: SID, state: 'granted' },
  ],
};
const options = { domain: 'acme.test' };
const bodies = (batch: WireBatch) => toPlausible(batch, options).map((r) => JSON.parse(r.body!));

describe('toPlausible', () => {
  it('one text/plain POST /api/event per event, {n, u, d, r, p} as the tracker sends them; engage → engagement with e', () => {
    // Through withPages (the factory), later events carry their page view's url and referrer; the pure mapping alone sees the batch as is.
    const withUrl: WireBatch = { ...full, events: full.events.map((e) => (e.type == 'page' ? e : { ...e, url: URL_, ref: REF })) };
    const requests = toPlausible(withUrl, options);
    expect(requests.map(({ body, ...r }) => r)).toEqual(
      [PAGE, EVT, FORM, ENG, CONS].map((id) => ({ path: '/api/event', method: 'POST', contentType: 'text/plain', ids: [id], headers: undefined })),
    );
    expect(requests.map((r) => JSON.parse(r.body!))).toEqual([
      { n: 'pageview', u: URL_, d: 'acme.test', r: REF, p: { ab: 'b' } },
      { n: 'demo_booked', u: URL_, d: 'acme.test', r: REF, p: { plan: 'pro', seats: 3, trial: true } },
      { n: 'leadbeam_form', u: URL_, d: 'acme.test', r: REF, p: { domain: 'acme.nl' } },
      { n: 'engagement', u: URL_, d: 'acme.test', r: REF, e: 4200 },
      { n: 'leadbeam_consent', u: URL_, d: 'acme.test', r: REF, p: { state: 'granted' }, i: false },
    ]);
  });

  it('never sends the visitor id, the session id, the page-view id or the event time', () => {
    const text = toPlausible(full, options).map((r) => r.body).join('\n');
    for (const secret of [VID, SID, PV, String(TS)]) expect(text).not.toContain(secret);
  });

  it('minimal batch: no URL → the site root (Plausible requires u), no referrer → r: null, unnamed event → leadbeam_event', () => {
    const minimal: WireBatch = {
      v: 1,
      site: 's',
      events: [
        { type: 'page', id: PAGE, ts: TS, pv: PV },
        { type: 'event', id: EVT, ts: TS, pv: PV },
        { type: 'form', id: FORM, ts: TS, pv: PV, domain: 'acme.nl' },
      ],
    };
    expect(bodies(minimal)).toEqual([
      { n: 'pageview', u: 'https://acme.test/', d: 'acme.test', r: null },
      { n: 'leadbeam_event', u: 'https://acme.test/', d: 'acme.test', r: null },
      { n: 'leadbeam_form', u: 'https://acme.test/', d: 'acme.test', r: null, p: { domain: 'acme.nl' } },
    ]);
  });

  it('engagement of 0 ms is not sent (Plausible answers 400 to one without e or sd); a hash route sets h: 1; u is cut to 2000', () => {
    const ev = (extra: object) => ({ type: 'page' as const, id: PAGE, ts: TS, pv: PV, ...extra });
    expect(toPlausible({ v: 1, site: 's', events: [{ type: 'engage', id: ENG, ts: TS, pv: PV, ms: 0 }] }, options)).toEqual([]);
    expect(bodies({ v: 1, site: 's', events: [ev({ url: 'https://acme.test/#/pricing' })] })[0]).toMatchObject({ u: 'https://acme.test/#/pricing', h: 1 });
    expect(bodies({ v: 1, site: 's', events: [ev({ url: 'https://acme.test/' + 'a'.repeat(2040) })] })[0].u).toHaveLength(2000);
  });

  it('the relay (server only) passes the visitor IP and user agent as X-Forwarded-For and User-Agent, as the Events API wants', () => {
    const [r] = toPlausible({ ...full, events: [full.events[0]] }, options, { ip: '203.0.113.9', userAgent: 'UA/1' });
    expect(r.headers).toEqual({ 'X-Forwarded-For': '203.0.113.9', 'User-Agent': 'UA/1' });
    expect(toPlausible({ ...full, events: [full.events[0]] }, options, {})[0].headers).toEqual({});
  });
});

describe('plausible() transport', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('later events get their page view url (withPages), and each request goes to endpoint + /api/event without credentials', async () => {
    const fetch = vi.fn(async () => new Response('ok', { status: 202 }));
    vi.stubGlobal('fetch', fetch);
    const send = plausible(options);
    expect(await send('https://plausible.io/', JSON.stringify({ ...full, events: [full.events[0]] }))).toBe(true);
    expect(await send('https://plausible.io/', JSON.stringify({ ...full, events: [full.events[1]] }))).toBe(true);
    const calls = fetch.mock.calls as unknown as [string, RequestInit][];
    expect(calls.map((c) => c[0])).toEqual(['https://plausible.io/api/event', 'https://plausible.io/api/event']);
    expect(calls[1][1]).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'content-type': 'text/plain' } });
    expect(JSON.parse(calls[1][1].body as string)).toMatchObject({ n: 'demo_booked', u: URL_, r: REF });
  });

  it('no de-duplication: an event that got any status (even 500) is never resent; only one with no answer is; a 400 drops', async () => {
    const status: Record<string, number> = {};
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      const s = status[JSON.parse(init.body as string).n];
      return s ? new Response('', { status: s }) : Promise.reject(new TypeError('network'));
    });
    vi.stubGlobal('fetch', fetch);
    const send = plausible(options);
    const body = JSON.stringify({ ...full, events: full.events.slice(0, 2) });
    status.pageview = 500; // answered: never again
    // demo_booked: no answer → the batch is retried, with only that event
    expect(await send('https://plausible.io', body)).toBe(false);
    expect(fetch).toHaveBeenCalledTimes(2);
    status.demo_booked = 202;
    expect(await send('https://plausible.io', body)).toBe(true);
    expect(fetch.mock.calls.slice(2).map((c) => JSON.parse((c[1] as RequestInit).body as string).n)).toEqual(['demo_booked']);
    expect(await send('https://plausible.io', body)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(3);
    status.leadbeam_form = 400;
    expect(await plausible(options)('https://plausible.io', JSON.stringify({ ...full, events: [full.events[2]] }))).toBe('drop');
  });

  it('a missing domain warns once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    plausible({} as never);
    expect(warn).toHaveBeenCalledWith('[leadbeam] plausible: domain is required', '');
    warn.mockRestore();
  });
});
