// The Matomo mapping (wire v1 → the HTTP Tracking API) and its sender. Format sources:
// https://developer.matomo.org/api-reference/tracking-api; Matomo's JS tracker
// (matomo-org/matomo js/piwik.js: form-urlencoded POST, bulk `{"requests": ["?…"]}`,
// 16-hex `_id`, 6-character `pv_id`, `ping=1`); its server (core/Tracker/Request.php:
// `cdo` needs no token_auth under 24 h).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { matomo, toMatomo } from '../../src/transport/matomo';
import { withPages } from '../../src/transport/util';
import type { WireBatch } from '../../src/event';

const TS = 1764633600000 + 5000;
const VID = 'VVVVVVVVVVVVVVVVVVVVVV';
const SID = 'SSSSSSSSSSSSSSSS';
const PV = 'P-P_PPPPPPPPPPPP';
const ids = { vid: VID, sid: SID };
const PAGE = { url: 'https://www.acme.test/pricing?plan=pro#top', ref: 'https://news.example/a/b', title: 'Prices & plans', lang: 'de-DE', screen: '1440x900' };

const full: WireBatch = {
  v: 1,
  site: 'LB-TEST',
  sent: TS + 5000,
  events: [
    { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV, ...ids, ...PAGE, props: { plan: 'pro' } },
    { type: 'event', id: 'id-event-0000001', ts: TS + 1, pv: PV, ...ids, name: 'signup', props: { plan: 'pro', category: 'funnel', label: 'hero', value: 3, trial: true } },
    { type: 'form', id: 'id-form-00000001', ts: TS + 2, pv: PV, ...ids, domain: 'acme.nl' },
    { type: 'engage', id: 'id-engage-000001', ts: TS + 3, pv: PV, ...ids, ms: 48213 },
    { type: 'consent', id: 'id-consent-00001', ts: TS + 4, pv: PV, ...ids, state: 'granted' },
  ],
};

/** The tracking requests of one Matomo POST body: a single query, or the bulk `requests`, as objects. */
const queries = (body: string) =>
  (body.startsWith('{') ? (JSON.parse(body).requests as string[]).map((q) => q.slice(1)) : [body]).map((q) => Object.fromEntries(new URLSearchParams(q)));

// 'V' is 0x56: its low four bits are 6.
const ID16 = '6666666666666666';
const common = { idsite: '7', rec: '1', _id: ID16, pv_id: 'P0P0PP', send_image: '0' };

describe('toMatomo', () => {
  it('maps a batch into one bulk POST, each event exactly; consent sends nothing', () => {
    const requests = toMatomo(full, { siteId: 7 });
    expect(requests.map((r) => [r.path, r.method, r.contentType, r.ids, r.headers])).toEqual([
      ['/matomo.php', 'POST', 'application/x-www-form-urlencoded; charset=UTF-8', full.events.slice(0, 4).map((e) => e.id), undefined],
    ]);
    const [page, event, form, engage] = queries(requests[0].body!);
    expect(page).toEqual({ action_name: 'Prices & plans', ...common, url: PAGE.url, urlref: PAGE.ref, res: '1440x900', lang: 'de-DE', cdo: '5' });
    // Later events carry no page fields on the wire; a bare mapping sends none.
    expect(event).toEqual({ e_c: 'funnel', e_a: 'signup', e_n: 'hero', e_v: '3', ...common, cdo: '4' });
    expect(form).toEqual({ e_c: 'leadbeam', e_a: 'form', e_n: 'acme.nl', ...common, cdo: '4' });
    expect(engage).toEqual({ ping: '1', ...common, cdo: '4' });
    // The bulk body's shape, as Matomo's JS tracker sends it.
    expect(requests[0].body!.startsWith('{"requests":["?action_name=Prices%20%26%20plans&idsite=7&rec=1&')).toBe(true);
  });

  it('sends one event as a plain form-urlencoded body, like the JS tracker', () => {
    const [r] = toMatomo({ ...full, events: full.events.slice(2, 3) }, { siteId: '3', path: '/piwik.php' });
    expect(r.path).toBe('/piwik.php');
    expect(r.body).toBe(`e_c=leadbeam&e_a=form&e_n=acme.nl&idsite=3&rec=1&_id=${ID16}&pv_id=P0P0PP&cdo=4&send_image=0`);
  });

  it('gives later events their page (url, urlref, res, lang) across batches, and custom dimensions', () => {
    const map = withPages(toMatomo);
    const options = { siteId: 7, dimensions: { plan: 2 } };
    const [page] = queries(map({ ...full, events: full.events.slice(0, 1) }, options)[0].body!);
    expect(page.dimension2).toBe('pro');
    const [event] = queries(map({ ...full, events: full.events.slice(1, 2) }, options)[0].body!);
    expect(event).toEqual({ e_c: 'funnel', e_a: 'signup', e_n: 'hero', e_v: '3', ...common, url: PAGE.url, urlref: PAGE.ref, res: '1440x900', lang: 'de-DE', cdo: '4', dimension2: 'pro' });
    // A dimensions string (a data-transport-* attribute) is no mapping: no dimension at all.
    const props = { type: 'event' as const, id: 'id-event-0000009', ts: TS, pv: PV, name: 'x', props: { '0': 'a', length: 1 } };
    expect(toMatomo({ ...full, events: [props] }, { siteId: 7, dimensions: 'plan' as never })[0].body).not.toContain('dimension');
  });

  it('sends no visitor id for a cookieless batch: Matomo recognises the visit by its config id', () => {
    const cookieless: WireBatch = { ...full, events: full.events.map(({ vid, sid, ...e }) => e) };
    for (const q of queries(toMatomo(cookieless, { siteId: 7 })[0].body!)) {
      expect(q).not.toHaveProperty('_id');
      expect(q).not.toHaveProperty('cid');
      expect(q).not.toHaveProperty('uid');
    }
    // The session id never leaves either way (Matomo makes visits itself).
    expect(toMatomo(full, { siteId: 7 })[0].body).not.toContain(SID);
  });

  it('maps a minimal batch: page view and event without page fields, a nameless event keeps an action', () => {
    const minimal: WireBatch = {
      v: 1,
      site: 'LB-TEST',
      events: [
        { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV },
        { type: 'event', id: 'id-event-0000001', ts: TS, pv: PV },
      ],
    };
    const base = { idsite: '7', rec: '1', pv_id: 'P0P0PP', send_image: '0' };
    expect(queries(toMatomo(minimal, { siteId: 7 })[0].body!)).toEqual([
      { action_name: '', ...base },
      { e_c: 'leadbeam', e_a: 'event', ...base },
    ]);
  });

  it('never token_auth, cdt, cip or uid; cdo only under 24 h (older events are dated on arrival)', () => {
    const old: WireBatch = { ...full, sent: TS + 86_400_000 };
    const body = toMatomo(old, { siteId: 7, token_auth: 'secret' } as never)[0].body!;
    for (const q of queries(body)) expect(q).not.toHaveProperty('cdo');
    for (const s of ['token_auth', 'secret', 'cdt=', 'cip=', 'uid=']) expect(body).not.toContain(s);
    const relayed = toMatomo(full, { siteId: 7 }, { ip: '203.0.113.9', userAgent: 'UA/1' })[0];
    expect(relayed.body).not.toMatch(/token_auth|cip=|203\.0\.113\.9/);
    // Not even in a comment of the source or the shipped files.
    for (const file of ['src/transport/matomo.ts', 'dist/transport/matomo.mjs', 'dist/transport/matomo.cjs']) expect(readFileSync(join(process.cwd(), file), 'utf8')).not.toContain('token_auth');
  });

  it("puts the relay's visitor IP in X-Forwarded-For and its user agent in User-Agent, never in the browser", () => {
    expect(toMatomo(full, { siteId: 7 }, { ip: '203.0.113.9', userAgent: 'UA/1' })[0].headers).toEqual({ 'x-forwarded-for': '203.0.113.9', 'user-agent': 'UA/1' });
    expect(toMatomo(full, { siteId: 7 })[0].headers).toBeUndefined();
  });
});

describe('matomo() sender', () => {
  afterEach(() => vi.unstubAllGlobals());
  const body = JSON.stringify(full);

  it('posts to <endpoint>/matomo.php, no credentials; never resends a batch that got a status', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const status = [500];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.resolve(new Response('', { status: status[0] }));
    });
    const send = matomo({ siteId: 7 });
    // Matomo may have counted a batch that got a 5xx, so it is settled, not retried…
    expect(await send('https://matomo.example/', body)).toBe(true);
    expect(calls.map((c) => c.url)).toEqual(['https://matomo.example/matomo.php']);
    expect(calls[0].init).toMatchObject({ method: 'POST', keepalive: true, credentials: 'omit', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } });
    // …and the same events handed over again (a copy saved at pagehide) are not sent again.
    status[0] = 200;
    expect(await send('https://matomo.example/', body)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('resends a batch that got no answer; drops one Matomo refused (400)', async () => {
    let calls = 0;
    vi.stubGlobal('fetch', () => (calls++ == 0 ? Promise.reject(new TypeError('offline')) : Promise.resolve(new Response('', { status: 400 }))));
    const send = matomo({ siteId: 7 });
    expect(await send('https://matomo.example', body)).toBe(false);
    expect(await send('https://matomo.example', body)).toBe('drop');
    expect(calls).toBe(2);
  });

  it('warns once about a missing siteId', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    matomo(undefined as never);
    expect(warn).toHaveBeenCalledWith('[leadbeam] matomo: option "siteId" is required', '');
    warn.mockRestore();
  });
});
