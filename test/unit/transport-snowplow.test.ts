// The Snowplow mapping (wire v1 → tracker protocol) and its sender. Format source:
// @snowplow/browser-tracker 4.10 (tracker-core newEmitterRequest: GET /i, POST tp2 with
// payload_data); every produced event is validated with ajv against Snowplow's published
// payload_data 1-0-4 schema and web_page 1-0-0 (copies in test/fixtures/snowplow, see
// SOURCES.md there), and leadbeam's own Iglu schemas (src/transport/iglu).
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { snowplow, toSnowplow } from '../../src/transport/snowplow';
import { uuidFrom, type VendorRequest } from '../../src/transport/util';
import type { WireBatch } from '../../src/event';

const ROOT = resolve(__dirname, '../..');
const load = (path: string) => {
  // Iglu self-describing schemas: their meta-schema and `self` are Iglu's, not JSON Schema's.
  const { $schema, self, ...schema } = JSON.parse(readFileSync(resolve(ROOT, path), 'utf8'));
  return schema;
};
const ajv = new Ajv({ strict: false, allErrors: true });
const payloadData = ajv.compile(load('test/fixtures/snowplow/payload_data-1-0-4.json'));
const webPage = ajv.compile(load('test/fixtures/snowplow/web_page-1-0-0.json'));
const leadbeam: Record<string, ReturnType<typeof ajv.compile>> = {};
for (const name of ['event', 'form', 'engage', 'consent']) {
  const path = `src/transport/iglu/schemas/io.leadbeam/${name}/jsonschema/1-0-0`;
  const raw = JSON.parse(readFileSync(resolve(ROOT, path), 'utf8'));
  expect(raw.self).toEqual({ vendor: 'io.leadbeam', name, format: 'jsonschema', version: '1-0-0' });
  leadbeam[`iglu:io.leadbeam/${name}/jsonschema/1-0-0`] = ajv.compile(load(path));
}

/** Validates one tracker-protocol event the way enrich would, down to its self-describing parts. */
function expectValid(events: Record<string, string>[]) {
  const ok = payloadData(events);
  expect(payloadData.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  for (const p of events) {
    const co = JSON.parse(p.co);
    expect(co.schema).toBe('iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0');
    expect(co.data[0].schema).toBe('iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0');
    expect(webPage(co.data[0].data)).toBe(true);
    for (const c of co.data.slice(1)) expect(leadbeam[c.schema](c.data)).toBe(true);
    if (p.ue_pr) {
      const ue = JSON.parse(p.ue_pr);
      expect(ue.schema).toBe('iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0');
      const validate = leadbeam[ue.data.schema];
      expect(validate(ue.data.data), JSON.stringify(validate.errors)).toBe(true);
    }
  }
}

const TS = 1764633605000;
const VID = 'VVVVVVVVVVVVVVVVVVVVVV';
const SID = 'SSSSSSSSSSSSSSSS';
const PV = 'PPPPPPPPPPPPPPPP';
const ids = { vid: VID, sid: SID };
const full: WireBatch = {
  v: 1,
  site: 'LB-TEST',
  sent: TS + 1000,
  events: [
    { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV, ...ids, url: 'https://www.acme.test/pricing?plan=pro#top', ref: 'https://news.example/a', title: 'Pricing', lang: 'de-DE', screen: '1440x900' },
    { type: 'event', id: 'id-event-0000001', ts: TS + 1, pv: PV, ...ids, name: 'signup', props: { plan: 'pro', seats: 3, trial: true } },
    { type: 'form', id: 'id-form-00000001', ts: TS + 2, pv: PV, ...ids, domain: 'acme.nl' },
    { type: 'engage', id: 'id-engage-000001', ts: TS + 3, pv: PV, ...ids, ms: 48213 },
    { type: 'consent', id: 'id-consent-00001', ts: TS + 4, pv: PV, ...ids, state: 'granted' },
  ],
};

/** The tracker-protocol events of requests, GET (query) or POST (payload_data body). */
function eventsOf(reqs: VendorRequest[]): Record<string, string>[] {
  return reqs.flatMap((r) => {
    if (r.method == 'POST') return JSON.parse(r.body!).data;
    expect(r.path.startsWith('/i?')).toBe(true);
    return [Object.fromEntries(new URLSearchParams(r.path.slice(3)))];
  });
}

const common = (e: { id: string; ts: number }) => ({
  eid: uuidFrom(e.id),
  p: 'web',
  tv: 'leadbeam-1',
  tna: 'leadbeam',
  aid: 'site-app',
  dtm: String(e.ts),
  stm: String(TS + 1000),
  duid: VID,
  sid: uuidFrom(SID),
  co: JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0', data: [{ schema: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0', data: { id: uuidFrom(PV) } }] }),
});
const ue = (schema: string, data: object) => JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0', data: { schema: `iglu:io.leadbeam/${schema}/jsonschema/1-0-0`, data } });
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('toSnowplow', () => {
  it('maps every event type exactly: pv with url, refr, page, lang, res; leadbeam events self-describing; all values strings', () => {
    const [page, event, form, engage, consent] = full.events;
    const expected = [
      { ...common(page), e: 'pv', url: page.url, refr: page.ref, page: 'Pricing', lang: 'de-DE', res: '1440x900' },
      { ...common(event), e: 'ue', ue_pr: ue('event', { name: 'signup', props: { plan: 'pro', seats: 3, trial: true } }) },
      { ...common(form), e: 'ue', ue_pr: ue('form', { domain: 'acme.nl' }) },
      { ...common(engage), e: 'ue', ue_pr: ue('engage', { ms: 48213 }) },
      { ...common(consent), e: 'ue', ue_pr: ue('consent', { state: 'granted' }) },
    ];
    const post = toSnowplow(full, { appId: 'site-app', method: 'post' });
    expect(post).toHaveLength(1);
    expect(post[0]).toMatchObject({ path: '/com.snowplowanalytics.snowplow/tp2', method: 'POST', contentType: 'application/json; charset=UTF-8', ids: full.events.map((e) => e.id) });
    expect(post[0].headers).toBeUndefined();
    const body = JSON.parse(post[0].body!);
    expect(body.schema).toBe('iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4');
    expect(body.data).toEqual(expected);
    expectValid(body.data);
    // GET (the default): the same events, one CORS-simple request each (no body, no content type).
    const get = toSnowplow(full, { appId: 'site-app' });
    expect(get.map((r) => [r.method, r.contentType, r.body, r.ids])).toEqual(full.events.map((e) => ['GET', undefined, undefined, [e.id]]));
    expect(eventsOf(get)).toEqual(expected);
  });

  it('eid and sid are UUIDs derived deterministically from the leadbeam ids', () => {
    const a = eventsOf(toSnowplow(full, { appId: 'a' }));
    const b = eventsOf(toSnowplow(full, { appId: 'a' }));
    expect(a.map((e) => e.eid)).toEqual(b.map((e) => e.eid));
    expect(new Set(a.map((e) => e.eid)).size).toBe(5);
    for (const e of a) expect(e.eid).toMatch(UUID4), expect(e.sid).toMatch(UUID4);
  });

  it('cookieless events carry no duid, sid or nuid (Snowplow anonymous tracking) and still validate', () => {
    const batch: WireBatch = { v: 1, site: 'S', events: full.events.map(({ vid, sid, ...e }) => e) as WireBatch['events'] };
    for (const method of ['get', 'post'] as const) {
      const reqs = toSnowplow(batch, { appId: 'a', method });
      const events = eventsOf(reqs);
      expectValid(events);
      for (const e of events) for (const k of ['duid', 'sid', 'nuid', 'tnuid', 'uid', 'vid']) expect(e).not.toHaveProperty(k);
      expect(JSON.stringify(reqs)).not.toContain(VID);
      expect(JSON.stringify(reqs)).not.toContain(SID);
    }
  });

  it('a minimal batch maps and validates (page view without page fields, events without name/ms/state)', () => {
    const batch: WireBatch = {
      v: 1,
      site: 'S',
      events: [
        { type: 'page', id: 'id-page-00000001', ts: TS, pv: PV },
        { type: 'event', id: 'id-event-0000001', ts: TS, pv: PV },
        { type: 'form', id: 'id-form-00000001', ts: TS, pv: PV, domain: 'acme.nl' },
        { type: 'engage', id: 'id-engage-000001', ts: TS, pv: PV },
        { type: 'consent', id: 'id-consent-00001', ts: TS, pv: PV },
      ],
    };
    const events = eventsOf(toSnowplow(batch, { appId: 'a', method: 'post' }));
    expectValid(events);
    expect(Object.keys(events[0]).sort()).toEqual(['aid', 'co', 'dtm', 'e', 'eid', 'p', 'tna', 'tv']);
    expect(JSON.parse(events[1].ue_pr).data.data).toEqual({});
  });

  it('page props ride as a leadbeam event context next to web_page', () => {
    const batch: WireBatch = { v: 1, site: 'S', events: [{ type: 'page', id: 'id-page-00000001', ts: TS, pv: PV, props: { plan: 'pro' } }] };
    const [e] = eventsOf(toSnowplow(batch, { appId: 'a' }));
    expectValid([e]);
    expect(JSON.parse(e.co).data[1]).toEqual({ schema: 'iglu:io.leadbeam/event/jsonschema/1-0-0', data: { props: { plan: 'pro' } } });
  });

  it('only the relay passes the visitor IP and user agent (ip, ua fields); the browser mapping never has one', () => {
    expect(eventsOf(toSnowplow(full, { appId: 'a' })).some((e) => 'ip' in e || 'ua' in e)).toBe(false);
    const events = eventsOf(toSnowplow(full, { appId: 'a', method: 'post' }, { ip: '203.0.113.9', userAgent: 'UA/1' }));
    expectValid(events);
    expect(events.every((e) => e.ip == '203.0.113.9' && e.ua == 'UA/1')).toBe(true);
  });

  it('the shipped Iglu schemas refuse what leadbeam never sends', () => {
    expect(leadbeam['iglu:io.leadbeam/form/jsonschema/1-0-0']({ domain: 'acme.nl', email: 'x' })).toBe(false);
    expect(leadbeam['iglu:io.leadbeam/form/jsonschema/1-0-0']({})).toBe(false);
    expect(leadbeam['iglu:io.leadbeam/engage/jsonschema/1-0-0']({ ms: -1 })).toBe(false);
    expect(leadbeam['iglu:io.leadbeam/consent/jsonschema/1-0-0']({ state: 'maybe' })).toBe(false);
  });
});

describe('snowplow transport', () => {
  afterEach(() => vi.unstubAllGlobals());
  const body = JSON.stringify(full);

  it('GET per event without credentials; after a partial failure only the unanswered requests go again, with the same eid', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    let n = 0;
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push({ url, init });
      // The 2nd request of the first attempt gets no answer.
      return ++n == 2 ? Promise.reject(new TypeError('network')) : Promise.resolve(new Response('', { status: 200 }));
    });
    const send = snowplow({ appId: 'a' });
    expect(await send('https://c.example.com', body, false)).toBe(false);
    expect(calls).toHaveLength(5);
    expect(calls[0].url.startsWith('https://c.example.com/i?e=pv&eid=')).toBe(true);
    expect(calls[0].init).toMatchObject({ method: 'GET', credentials: 'omit', keepalive: true, headers: undefined });
    expect(await send('https://c.example.com', body, false)).toBe(true);
    expect(calls).toHaveLength(6);
    expect(calls[5].url).toBe(calls[1].url);
  });

  it('POST: a 400 is dropped for good, a 503 retried', async () => {
    const statuses = [400, 503];
    vi.stubGlobal('fetch', () => Promise.resolve(new Response('', { status: statuses.shift() })));
    expect(await snowplow({ appId: 'a', method: 'post' })('https://c', body, false)).toBe('drop');
    expect(await snowplow({ appId: 'a', method: 'post' })('https://c', body, false)).toBe(false);
  });
});
