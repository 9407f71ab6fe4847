// @vitest-environment node
// The collector's relay mode, end to end on loopback: a browser-like client posts
// wire v1 to the collector, which forwards it through a vendor mapping to a real
// capturing HTTP server standing in for the vendor (and a second one standing in
// for a host an attacker would like to reach). Clients connect from 127.0.0.2 /
// 127.0.0.3 (Linux routes all of 127/8 to loopback), so "the visitor's IP" is an
// address nothing else in the test uses.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector, type CollectorOptions, type VendorRequest, type WireBatch } from '../../collector/src/server.mjs';

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/** A capturing HTTP server: records every request, answers what `answer` says (200 by default). */
async function startVendor() {
  const got: Captured[] = [];
  let answer: (r: Captured) => Answer = () => ({ status: 200 });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      got.push(r);
      const a = answer(r);
      if (a == 'hang') return;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end('{"status":1}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    got,
    answer(fn: (r: Captured) => Answer) {
      answer = fn;
    },
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
type Vendor = Awaited<ReturnType<typeof startVendor>>;

interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}
/** A request from a given client address (node:http: full control over headers). */
function send(url: string, { method = 'POST', headers = {}, body, from = '127.0.0.2' }: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers }, localAddress: from }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let n = 0;
const newId = () => `rl${String(++n).padStart(20, '0')}`;
const PV = 'Hn7xW2kQe9RtY5uIo0pAsD';
const page = (extra: object = {}) => ({ type: 'page', id: newId(), ts: Date.now() - 1000, pv: PV, url: 'https://example.com/pricing', vid: 'VvVvVvVvVvVvVvVvVvVvVv', ...extra });
const body = (events: object[], extra: object = {}) => JSON.stringify({ v: 1, site: 'LB-RELAY', sent: Date.now(), events, ...extra });

/**
 * The test-only vendor mapping (the shape of src/transport/<vendor>.ts): one JSON POST
 * to /i/batch carrying the configured key, the visitor's IP in X-Forwarded-For (as a
 * vendor that reads it from there would document), the user agent in a field.
 */
const toTest = (batch: WireBatch, options: { apiKey: string }, relay?: { ip?: string; userAgent?: string }): VendorRequest[] => [
  {
    path: '/i/batch',
    method: 'POST',
    contentType: 'text/plain',
    body: JSON.stringify({ api_key: options.apiKey, ua: relay?.userAgent, events: batch.events.map((e) => ({ uuid: e.id, type: e.type, url: e.url })) }),
    ids: batch.events.map((e) => e.id),
    headers: relay?.ip ? { 'x-forwarded-for': relay.ip } : undefined,
  },
];

const opened: { close(): Promise<void> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((x) => x.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(opts: Partial<CollectorOptions> = {}, relay: object = {}) {
  const vendor = await startVendor();
  const evil = await startVendor();
  opened.push(vendor, evil);
  const c = await startCollector({
    path: '/t/e',
    relay: { vendor: 'test', map: toTest, dedupes: true, host: vendor.origin + '/ingest', options: { apiKey: 'k_live_123' }, timeout: 300, ...relay },
    ...opts,
  });
  opened.push(c);
  return { c, vendor, evil };
}

describe('collector relay mode', () => {
  it('forwards a validated batch to the configured host and path with the mapped body, and answers the browser 200 {accepted, rejected}', async () => {
    const { c, vendor } = await setup();
    const good = page();
    const bad = page({ email: 'jan@acme.nl' }); // not in the schema: rejected, never forwarded
    const res = await send(c.url, { body: body([good, bad], { future: 'ignored' }), headers: { 'user-agent': 'Mozilla/5.0 Test', cookie: 'session=secret' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ accepted: 1, rejected: [{ id: bad.id, error: expect.stringMatching(/email/) }] });
    expect(vendor.got).toHaveLength(1);
    const [r] = vendor.got;
    expect([r.method, r.url, r.headers['content-type']]).toEqual(['POST', '/ingest/i/batch', 'text/plain']);
    expect(JSON.parse(r.body)).toEqual({ api_key: 'k_live_123', ua: 'Mozilla/5.0 Test', events: [{ uuid: good.id, type: 'page', url: good.url }] });
    // Only what the mapping set: the browser's cookie never reaches the vendor.
    expect(r.headers.cookie).toBeUndefined();
    expect(c.events).toEqual([good]);
  });

  it('passes the client IP the way the mapping puts it: the socket address, or X-Forwarded-For only from a trusted proxy', async () => {
    const ipSeen = async (opts: Partial<CollectorOptions>, xff: string | undefined, from = '127.0.0.2') => {
      const { c, vendor } = await setup(opts);
      const res = await send(c.url, { body: body([page()]), headers: xff ? { 'x-forwarded-for': xff } : {}, from });
      expect(res.status).toBe(200);
      return vendor.got[0].headers['x-forwarded-for'];
    };
    // No proxy configured: the socket address, whatever the client claims.
    expect(await ipSeen({}, undefined)).toBe('127.0.0.2');
    expect(await ipSeen({}, '203.0.113.7')).toBe('127.0.0.2');
    // A configured proxy other than this client: its claim is still ignored.
    expect(await ipSeen({ trustProxy: ['127.0.0.9'] }, '203.0.113.7')).toBe('127.0.0.2');
    // The client is a trusted proxy: the right-most hop it did not write itself.
    expect(await ipSeen({ trustProxy: ['127.0.0.2'] }, '203.0.113.7')).toBe('203.0.113.7');
    expect(await ipSeen({ trustProxy: ['127.0.0.2'] }, '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7'); // the visitor's own forged hop is left of it
    expect(await ipSeen({ trustProxy: ['127.0.0.0/8', '10.0.0.1'] }, '6.6.6.6, 203.0.113.7, 10.0.0.1')).toBe('203.0.113.7');
    expect(await ipSeen({ trustProxy: ['127.0.0.2'] }, 'not-an-ip')).toBe('127.0.0.2');
    expect(await ipSeen({ trustProxy: ['127.0.0.2'] }, '2001:db8::5')).toBe('2001:db8::5');
  });

  it('never writes the IP anywhere: not in the NDJSON file, the received records, the stored events or any log line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-relay-'));
    dirs.push(dir);
    const out = join(dir, 'events.ndjson');
    const printed: unknown[] = [];
    for (const m of ['log', 'error', 'warn', 'info', 'debug'] as const) vi.spyOn(console, m).mockImplementation((...a) => void printed.push(...a));
    const { c, vendor } = await setup({ out, log: true, trustProxy: ['127.0.0.2'] });
    const events = [page(), page(), { type: 'event', id: newId(), ts: Date.now(), pv: PV, name: 'demo', props: { plan: 'pro' } }];
    for (const e of events) expect((await send(c.url, { body: body([e]), headers: { 'x-forwarded-for': '203.0.113.77' } })).status).toBe(200);
    vendor.answer(() => ({ status: 500 })); // the failure path logs too
    expect((await send(c.url, { body: body([page()]), headers: { 'x-forwarded-for': '203.0.113.77' } })).status).toBe(502);
    // Bodies from a client without a proxy (the socket address is the IP).
    vendor.answer(() => ({ status: 200 }));
    expect((await send(c.url, { body: body([page()]), from: '127.0.0.3' })).status).toBe(200);

    // The vendor did get it (so the test would see it if the collector leaked it)…
    expect(vendor.got.map((r) => r.headers['x-forwarded-for'])).toEqual(['203.0.113.77', '203.0.113.77', '203.0.113.77', '203.0.113.77', '127.0.0.3']);
    // …and the collector wrote it nowhere.
    const ndjson = readFileSync(out, 'utf8');
    expect(ndjson.trim().split('\n')).toHaveLength(4);
    const everything = [ndjson, JSON.stringify(c.received), JSON.stringify(c.events), JSON.stringify(c.batches), printed.map(String).join('\n')].join('\n');
    expect(printed.length).toBeGreaterThan(4); // one line per event and one for the failure
    for (const ip of ['203.0.113.77', '127.0.0.2', '127.0.0.3']) expect(everything).not.toContain(ip);
  });

  it('a request cannot choose its own target: body fields, Host/X-Forwarded-Host/Forwarded headers, a query, an absolute-form request line', async () => {
    const { c, vendor, evil } = await setup();
    const to = evil.origin + '/steal';
    const tries: (() => Promise<number>)[] = [
      () => send(c.url, { body: body([page()], { host: evil.origin, url: to, endpoint: to, target: to }) }).then((r) => r.status),
      () => send(c.url, { body: body([page({ url: to })]) }).then((r) => r.status), // event data is only data
      () => send(c.url, { body: body([page()]), headers: { host: evil.origin.slice(7), 'x-forwarded-host': evil.origin.slice(7), forwarded: `host=${evil.origin.slice(7)}`, 'x-forwarded-proto': 'http', 'x-original-url': to, 'x-rewrite-url': to } }).then((r) => r.status),
      () => send(`${c.url}?to=${encodeURIComponent(to)}&host=${encodeURIComponent(evil.origin)}`, { body: body([page()]) }).then((r) => r.status),
      () => absoluteForm(c.port, `${evil.origin}/t/e`, body([page()])),
    ];
    for (const t of tries) expect(await t()).toBe(200);
    expect(evil.got).toEqual([]);
    expect(vendor.got.map((r) => r.url)).toEqual(Array(tries.length).fill('/ingest/i/batch'));
  });

  it('a mapped path that would leave the configured host or its path prefix is never fetched (400)', async () => {
    const { c, vendor, evil } = await setup({}, {
      map: (batch: WireBatch) => [{ path: String(batch.events[0].url).slice('https://example.com'.length), method: 'POST', body: '', ids: batch.events.map((e) => e.id) }],
    });
    const escape = `/../..//${evil.origin.slice(7)}/x`; // resolves to //127.0.0.1:EVIL/x on the vendor's host: outside /ingest
    for (const url of [`https://example.com${escape}`, `https://example.com@${evil.origin.slice(7)}/x`]) {
      const res = await send(c.url, { body: body([page({ url })]) });
      expect(res.status).toBe(400);
    }
    expect(evil.got).toEqual([]);
    expect(vendor.got).toEqual([]);
  });

  it('does not follow a vendor redirect (it could point anywhere): 502, nothing reaches the other host', async () => {
    const { c, vendor, evil } = await setup();
    vendor.answer(() => ({ status: 307, headers: { location: evil.origin + '/steal' } }));
    expect((await send(c.url, { body: body([page()]) })).status).toBe(502);
    expect(evil.got).toEqual([]);
  });

  it('rate limit per client: a token bucket answers 429 with Retry-After, nothing is forwarded, other clients are served', async () => {
    const { c, vendor } = await setup({ rateLimit: { rate: 1, burst: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await send(c.url, { body: body([page()]) }));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[2].headers['retry-after']).toBe('1');
    expect(vendor.got).toHaveLength(2);
    expect((await send(c.url, { body: body([page()]), from: '127.0.0.3' })).status).toBe(200);
    // An untrusted X-Forwarded-For does not buy a new bucket.
    expect((await send(c.url, { body: body([page()]), headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(429);
  });

  it('the vendor decides the answer: 4xx → 400 (dropped, nothing stored), 429 → 503 with its Retry-After, 5xx or down → 502, no answer → 504; a retry then delivers once', async () => {
    const { c, vendor } = await setup();
    const e = page();
    vendor.answer(() => ({ status: 400 }));
    const refused = await send(c.url, { body: body([e]) });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error).toMatch(/vendor refused/);
    expect(c.events).toEqual([]);

    vendor.answer(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const busy = await send(c.url, { body: body([e]) });
    expect([busy.status, busy.headers['retry-after']]).toEqual([503, '7']);
    vendor.answer(() => ({ status: 503 }));
    expect((await send(c.url, { body: body([e]) })).status).toBe(502);
    vendor.answer(() => 'hang');
    expect((await send(c.url, { body: body([e]) })).status).toBe(504);
    vendor.answer(() => ({ status: 200 }));
    expect((await send(c.url, { body: body([e]) })).status).toBe(200);
    expect(c.events).toEqual([e]);
    // A vendor that de-duplicates got every attempt; a repeat after the 2xx is answered here, not forwarded.
    expect(vendor.got).toHaveLength(5);
    expect((await send(c.url, { body: body([e]) })).status).toBe(200);
    expect(vendor.got).toHaveLength(5);

    await vendor.close();
    const down = await send(c.url, { body: body([page()]) });
    expect(down.status).toBe(502);
    expect(JSON.parse(down.text).error).toMatch(/vendor unavailable/);
  });

  it('a vendor without de-duplication never gets an event twice once it answered with any status; only an unanswered one is resent', async () => {
    const { c, vendor } = await setup({}, { dedupes: false });
    const e = page();
    vendor.answer(() => ({ status: 500 }));
    expect((await send(c.url, { body: body([e]) })).status).toBe(502); // the browser retries…
    vendor.answer(() => ({ status: 200 }));
    expect((await send(c.url, { body: body([e]) })).status).toBe(200); // …and the relay does not resend it (it may have counted)
    expect(vendor.got).toHaveLength(1);

    const late = page();
    vendor.answer(() => 'hang');
    expect((await send(c.url, { body: body([late]) })).status).toBe(504);
    vendor.answer(() => ({ status: 200 }));
    expect((await send(c.url, { body: body([late]) })).status).toBe(200); // no answer: resent (a timeout can double-count)
    expect(vendor.got.filter((r) => r.body.includes(late.id))).toHaveLength(2);
  });

  it('handle() mounts the relay in your own node:http server (same origin as the site, no proxy in front)', async () => {
    const { c, vendor } = await setup();
    const site = createServer((req, res) => (req.url!.startsWith('/t/') ? c.handle(req, res) : res.end('<h1>site</h1>')));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    opened.push({ close: () => new Promise<void>((resolve) => (site.close(() => resolve()), site.closeAllConnections())) });
    const origin = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
    expect((await send(origin + '/t/e', { body: body([page()]), from: '127.0.0.3' })).status).toBe(200);
    expect(vendor.got[0].headers['x-forwarded-for']).toBe('127.0.0.3');
  });

  it('refuses a configuration it cannot load, with a clear error', async () => {
    await expect(startCollector({ relay: { vendor: 'nosuchvendor', host: 'https://example.com' } })).rejects.toThrow(/dist\/transport\/nosuchvendor\.mjs.*npx rollup -c/);
    await expect(startCollector({ relay: { vendor: '../x', host: 'https://example.com' } })).rejects.toThrow(/lowercase vendor name/);
    await expect(startCollector({ relay: { map: toTest, host: 'ftp://example.com' } })).rejects.toThrow(/http\(s\) URL/);
    await expect(startCollector({ relay: { map: toTest, host: 'https://user:pw@example.com' } })).rejects.toThrow(/without credentials/);
    await expect(startCollector({ relay: { map: toTest, host: 'https://example.com' }, trustProxy: ['localhost'] })).rejects.toThrow(/not an IP address/);
  });
});

/**
 * The real vendor mappings (src/transport/<vendor>.ts, built by `npx rollup -c`), each
 * loaded by the collector by name, as an operator configures it. What reaches the
 * vendor must be exactly what the mapping makes of the validated batch with this
 * client's IP and user agent; `ip` reads the IP back where that vendor documents it.
 */
const REAL: { vendor: string; options: Record<string, unknown>; ip?: (r: Captured) => unknown }[] = [
  { vendor: 'posthog', options: { apiKey: 'phc_relaytest' }, ip: (r) => JSON.parse(new URLSearchParams(r.body).get('data')!).batch.map((e: any) => e.properties.$ip) },
  { vendor: 'segment', options: { writeKey: 'wk_relaytest' }, ip: (r) => JSON.parse(r.body).batch.map((e: any) => e.context.ip) },
  { vendor: 'umami', options: { websiteId: '9f6c1b7e-4c1d-4a86-9d0e-2b8a4c1d7e55' }, ip: (r) => [JSON.parse(r.body).payload.ip] },
  { vendor: 'plausible', options: { domain: 'example.com' }, ip: (r) => [r.headers['x-forwarded-for']] },
  { vendor: 'snowplow', options: { appId: 'relaytest', method: 'post' }, ip: (r) => JSON.parse(r.body).data.map((e: any) => e.ip) },
  { vendor: 'matomo', options: { siteId: '1' } },
];
const built = (vendor: string) => new URL(`../../dist/transport/${vendor}.mjs`, import.meta.url);
// Keyed on the source, not the build: a vendor that exists must be built (`npm test` builds first) and pass.
const exists = (vendor: string) => existsSync(new URL(`../../src/transport/${vendor}.ts`, import.meta.url));

describe('collector relay mode with the real vendor mappings (dist/transport)', () => {
  it.skipIf(!exists('umami'))('umami: an event in a later batch than its page view still arrives with that page (the relay keeps a page memory)', async () => {
    const vendor = await startVendor();
    opened.push(vendor);
    const c = await startCollector({ path: '/t/e', relay: { vendor: 'umami', host: vendor.origin, options: { websiteId: '9f6c1b7e-4c1d-4a86-9d0e-2b8a4c1d7e55' } } });
    opened.push(c);
    const post = (events: object[]) => send(c.url, { body: JSON.stringify({ v: 1, site: 'LB-RELAY', sent: Date.now(), events }) });
    expect((await post([page({ title: 'Pricing' })])).status).toBe(200);
    expect((await post([{ type: 'event', id: newId(), ts: Date.now() - 100, pv: PV, name: 'later_batch' }])).status).toBe(200);
    const event = vendor.got.map((r) => JSON.parse(r.body).payload).find((p) => p.name == 'later_batch');
    expect(event).toMatchObject({ url: '/pricing', title: 'Pricing' });
  });


  for (const { vendor: name, options, ip } of REAL) {
    it.skipIf(!exists(name))(`${name}: the batch arrives as to${name[0].toUpperCase() + name.slice(1)}() maps it, with the client's IP (via a trusted proxy) where ${name} reads it`, async () => {
      const vendor = await startVendor();
      opened.push(vendor);
      const c = await startCollector({ path: '/t/e', trustProxy: ['127.0.0.2'], relay: { vendor: name, host: vendor.origin, options } });
      opened.push(c);
      const sent = Date.now();
      const events = [
        page({ sid: 'SsSsSsSsSsSsSsSsSsSsSs', title: 'Pricing', lang: 'nl-NL', screen: '1920x1080', ref: 'https://www.google.com/' }),
        { type: 'event', id: newId(), ts: sent - 500, pv: PV, vid: 'VvVvVvVvVvVvVvVvVvVvVv', name: 'demo_booked', props: { plan: 'pro' } },
        { type: 'form', id: newId(), ts: sent - 400, pv: PV, domain: 'acme.nl' },
      ];
      const ua = 'Mozilla/5.0 (X11; Linux x86_64) RelayTest';
      const res = await send(c.url, { body: JSON.stringify({ v: 1, site: 'LB-RELAY', sent, events }), headers: { 'x-forwarded-for': '203.0.113.50', 'user-agent': ua } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ accepted: 3, rejected: [] });

      const mod = await import(built(name).href);
      // As the relay runs it: with the vendor's page memory where its browser transport has one.
      const bare = mod['to' + name[0].toUpperCase() + name.slice(1)];
      const map = mod.withPages ? mod.withPages(bare, 50_000) : bare;
      const expected: VendorRequest[] = map({ v: 1, site: 'LB-RELAY', events, sent }, options, { ip: '203.0.113.50', userAgent: ua });
      expect(expected.length).toBeGreaterThan(0);
      const key = (r: { url: string; body: string }) => r.url + ' ' + r.body;
      const got = [...vendor.got].sort((a, b) => (key(a) < key(b) ? -1 : 1));
      const want = expected.map((r) => ({ url: r.path, method: r.method, contentType: r.contentType, body: r.body ?? '', headers: r.headers || {} })).sort((a, b) => (key(a) < key(b) ? -1 : 1));
      expect(got.map((r) => [r.url, r.method, r.headers['content-type'], r.body])).toEqual(want.map((r) => [r.url, r.method, r.contentType, r.method == 'POST' ? r.body : '']));
      got.forEach((r, i) => {
        for (const [h, v] of Object.entries(want[i].headers)) expect(r.headers[h.toLowerCase()]).toBe(v);
      });
      if (ip) for (const r of got) for (const value of ip(r) as unknown[]) expect(value).toBe('203.0.113.50');
      else expect(got.some((r) => (r.body + JSON.stringify(r.headers) + r.url).includes('203.0.113.50'))).toBe(expected.some((r) => JSON.stringify(r).includes('203.0.113.50')));
      expect(c.events.map((e) => e.id)).toEqual(events.map((e) => e.id));
    });
  }
});

/** POST with an absolute-form request line (`POST http://other/… HTTP/1.1`), as a forward proxy would get. */
function absoluteForm(port: number, target: string, payload: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
      socket.write(`POST ${target} HTTP/1.1\r\nHost: ${new URL(target).host}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
    });
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve(Number(text.split(' ')[1])));
    socket.on('error', reject);
  });
}
