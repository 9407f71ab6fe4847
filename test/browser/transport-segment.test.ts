// The Segment-spec transport against the vendors' own SDKs in real Chromium.
// Oracles: @segment/analytics-next (its batching dispatcher,
// src/plugins/segmentio/batched-dispatcher.ts: POST <apiHost>/b, text/plain,
// writeKey in the body) and @rudderstack/analytics-js in beacon mode (POST
// <dataPlane>/beacon/v1/batch?writeKey=…, text/plain; rudder-server routes it in
// gateway/handle_lifecycle.go and reads the key from the query in
// gateway/handle_http_beacon.go; its /v1/batch wants Basic auth, so a preflight).
// Segment documents the same batch method as POST /v1/batch
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch);
// Jitsu's ingest routes /v1/b and /v1/batch to one handler that reads the body's writeKey.
// Each SDK runs on a page (bundled with esbuild, in memory) against a capturing
// server on another origin; then leadbeam with segment() does the same.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  json?: any;
}

let browser: Browser;
let server: StaticServer;
let capture: { url: string; host: string; requests: Captured[]; close(): Promise<void> };
let context: BrowserContext;
const bundles: Record<string, string> = {};

/** Records every request; answers CORS (echoing requested headers, so the SDKs' Authorization preflights pass) and a RudderStack source config. */
async function startCapture(): Promise<typeof capture> {
  const requests: Captured[] = [];
  const srv: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let json;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body, json });
      const cors = {
        'access-control-allow-origin': req.headers.origin || '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || '',
      };
      if (req.url!.startsWith('/sourceConfig')) {
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        return res.end(JSON.stringify({ source: { id: 'src1', name: 'oracle', writeKey: 'WK', config: {}, enabled: true, workspaceId: 'ws1', destinations: [] } }));
      }
      res.writeHead(req.method == 'OPTIONS' ? 204 : 200, cors).end(req.method == 'OPTIONS' ? undefined : '{}');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    close: () => new Promise<void>((r) => (srv.closeAllConnections(), srv.close(() => r()))),
  };
}

const bundle = async (name: string, contents: string) => {
  const out = await build({ stdin: { contents, resolveDir: ROOT, loader: 'js' }, bundle: true, write: false, format: 'iife', logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } });
  bundles[`/__oracle/${name}.js`] = out.outputFiles[0].text;
};

beforeAll(async () => {
  [browser, server, capture] = await Promise.all([launchBrowser(), startStaticServer(), startCapture()]);
  server.route((req, res) => {
    const js = bundles[req.url!.split('?')[0]];
    if (js) res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    return !!js;
  });
  // The SDKs read their hosts from window.__host (set by the page) so one bundle serves every test.
  await Promise.all([
    bundle(
      'segment',
      `import { AnalyticsBrowser } from '@segment/analytics-next';
      const a = AnalyticsBrowser.load({ writeKey: 'WK', cdnSettings: { integrations: { 'Segment.io': { apiKey: 'WK', apiHost: window.__host + '/v1', protocol: 'http',
        deliveryStrategy: { strategy: 'batching', config: { size: 2, timeout: 100 } } } } } });
      a.page(); a.track('demo_booked', { plan: 'pro' });`,
    ),
    bundle(
      'rudderstack',
      `import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';
      const r = new RudderAnalytics();
      r.load('WK', 'http://' + window.__host, { configUrl: 'http://' + window.__host, useBeacon: true, beaconQueueOptions: { flushQueueInterval: 100 } });
      r.page(); r.track('demo_booked', { plan: 'pro' });`,
    ),
  ]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), capture?.close()]);
});
beforeEach(async () => {
  context = await browser.newContext();
});
afterEach(async () => {
  await context.close();
});

let n = 0;
/**
 * Opens a page (on the static server's origin, so the capture server is cross-origin) and returns its URL
 * and the index of the first request it may have caused (a cross-origin referer holds only the origin).
 */
async function open(head: string) {
  const since = capture.requests.length;
  const path = `/segment-${++n}.html`;
  server.page(path, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing ${n}</title><script>window.__host = '${capture.host}'</script>${head}</head><body>x</body></html>`);
  const page = await context.newPage();
  const { errors } = watchPage(page);
  const url = `${server.url}${path}?plan=pro`;
  await page.goto(url);
  return { page, url, errors, since };
}

/** The batch requests that reached `path` (no query) since a page opened (the tests run one page at a time). */
const batches = (path: string, { since }: { since: number }): Promise<Captured[]> =>
  waitFor(() => {
    const found = capture.requests.slice(since).filter((r) => r.method == 'POST' && r.url.split('?')[0] == path);
    const events = found.flatMap((r) => r.json.batch);
    return events.some((e: any) => e.type == 'page') && events.some((e: any) => e.type == 'track') ? found : undefined;
  }, `page + track at ${path}`) as Promise<Captured[]>;
const preflights = (pathStart: string) => capture.requests.filter((r) => r.method == 'OPTIONS' && r.url.startsWith(pathStart));

const leadbeam = (options: string, api = '') => `<script type="module">
  import { createTracker } from '/dist/leadbeam.mjs';
  import { segment } from '/dist/transport/segment.mjs';
  const t = createTracker({ site: 'LB-SEG${n + 1}', endpoint: 'http://' + window.__host, batchMs: 50, ${options}, transport: segment({ writeKey: 'WK'${api} }) });
  t.track('demo_booked', { plan: 'pro' });
</script>`;

const byType = (events: any[], type: string) => events.find((e) => e.type == type);
const cookie = async (name: string) => (await context.cookies()).find((c) => c.name == name)?.value;
const ID = /^[A-Za-z0-9_-]{16,64}$/;

describe('segment(): the Segment path', () => {
  it('sends what @segment/analytics-next sends: one text/plain batch, writeKey in the body, page + track with the spec fields, no preflight', async () => {
    const sdk = await open(`<script src="/__oracle/segment.js"></script>`);
    const [oracle] = await batches('/v1/b', sdk);
    const ours = await open(leadbeam(`cookies: 'always'`));
    const [mine] = await batches('/v1/batch', ours);
    const vid = await cookie('_lb_id');

    // Same content type, key in the same place, same envelope.
    expect(mine.headers['content-type']).toBe(oracle.headers['content-type']);
    expect(mine.headers['content-type']).toBe('text/plain');
    expect(mine.json.writeKey).toBe(oracle.json.writeKey);
    expect(Object.keys(mine.json).sort()).toEqual(Object.keys(oracle.json).sort()); // batch, sentAt, writeKey
    expect(new Date(mine.json.sentAt).toISOString()).toBe(mine.json.sentAt);
    // No Authorization header, so no preflight (the SDK adds one and pays a preflight for it).
    expect(mine.headers.authorization).toBeUndefined();
    expect(preflights('/v1/batch')).toEqual([]);

    const [op, ot] = [byType(oracle.json.batch, 'page'), byType(oracle.json.batch, 'track')];
    const [mp, mt] = [byType(mine.json.batch, 'page'), byType(mine.json.batch, 'track')];
    // Every field the HTTP API requires, and the page fields the SDK collects, present and of the same type.
    for (const [o, m] of [[op, mp], [ot, mt]]) {
      for (const key of ['type', 'messageId', 'anonymousId', 'timestamp', 'properties', 'context']) expect(typeof m[key], key).toBe(typeof o[key]);
      expect(m.messageId).toMatch(ID);
      expect(m.anonymousId).toBe(vid);
      expect(new Date(m.timestamp).toISOString()).toBe(m.timestamp);
      expect(m.context.locale).toBe(o.context.locale);
      expect(Object.keys(m.context.page).sort()).toEqual(Object.keys(o.context.page).sort());
    }
    expect(Object.keys(mp.properties).sort()).toEqual(Object.keys(op.properties).sort());
    // Correctly mapped values: this page's URL, path, query, title; the event's name and props.
    expect(mp.context.page).toEqual({ url: ours.url, path: new URL(ours.url).pathname, search: '?plan=pro', referrer: '', title: `Pricing ${n}` });
    expect(mp.properties).toEqual(mp.context.page);
    expect(mt.context.page).toEqual(mp.context.page); // the track call carries its page view's page, as the SDK's does
    expect(op.context.page).toMatchObject({ url: sdk.url, path: new URL(sdk.url).pathname, search: '?plan=pro', referrer: '' });
    expect(mp.context.screen).toEqual({ width: 1280, height: 720 });
    expect([mt.event, mt.properties]).toEqual([ot.event, ot.properties]);
    expect(mp.context.leadbeam.sid).toBe(await cookie('_lb_ses'));
    expect(ours.errors).toEqual([]);
  });

  it('cookieless: no cookie is set and anonymousId is the page-view id, new on each page view', async () => {
    const first = await open(leadbeam(`cookies: 'never'`));
    const [a] = await batches('/v1/batch', first);
    const second = await open(leadbeam(`cookies: 'never'`));
    const [b] = await batches('/v1/batch', second);
    expect(await context.cookies()).toEqual([]);
    for (const r of [a, b]) {
      for (const m of r.json.batch) {
        expect(m.anonymousId).toMatch(ID);
        expect(m.anonymousId).toBe(m.context.leadbeam.pv);
        expect(m.context.leadbeam.sid).toBeUndefined();
        expect(m.userId).toBeUndefined();
      }
    }
    expect(a.json.batch[0].anonymousId).not.toBe(b.json.batch[0].anonymousId);
  });
});

describe("segment({ api: 'rudderstack' }): the RudderStack path", () => {
  it('sends what @rudderstack/analytics-js sends in beacon mode: same path and query, text/plain, the spec fields', async () => {
    const sdk = await open(`<script src="/__oracle/rudderstack.js"></script>`);
    const [oracle] = await batches('/beacon/v1/batch', sdk);
    const ours = await open(leadbeam(`cookies: 'always'`, `, api: 'rudderstack'`));
    const [mine] = await batches('/beacon/v1/batch', ours);
    const vid = await cookie('_lb_id');

    expect(mine.url).toBe(oracle.url); // /beacon/v1/batch?writeKey=WK
    expect(mine.url).toBe('/beacon/v1/batch?writeKey=WK');
    expect(mine.headers['content-type']).toBe(oracle.headers['content-type']);
    expect(Object.keys(mine.json).sort()).toEqual(Object.keys(oracle.json).sort()); // batch, sentAt
    expect(preflights('/beacon/')).toEqual([]);

    const [op, ot] = [byType(oracle.json.batch, 'page'), byType(oracle.json.batch, 'track')];
    const [mp, mt] = [byType(mine.json.batch, 'page'), byType(mine.json.batch, 'track')];
    for (const [o, m] of [[op, mp], [ot, mt]]) {
      // rudder-server rejects an event without messageId (gateway/validator) or without anonymousId/userId (NonIdentifiableRequest).
      for (const key of ['type', 'messageId', 'anonymousId', 'originalTimestamp', 'properties', 'context']) expect(typeof m[key], key).toBe(typeof o[key]);
      expect(m.messageId).toMatch(ID);
      expect(m.anonymousId).toBe(vid);
      expect(m.context.locale).toBe(o.context.locale);
      expect(m.context.screen).toMatchObject({ width: o.context.screen.width, height: o.context.screen.height });
    }
    for (const key of ['url', 'path', 'search', 'title']) expect(typeof mp.context.page[key], key).toBe(typeof op.context.page[key]);
    expect(mp.context.page).toMatchObject({ url: ours.url, path: new URL(ours.url).pathname, search: '?plan=pro', title: `Pricing ${n}` });
    expect(op.context.page).toMatchObject({ url: sdk.url, search: '?plan=pro' });
    expect([mt.event, mt.properties]).toEqual([ot.event, ot.properties]);
    expect(ours.errors).toEqual([]);
  });
});
