// Oracle: Snowplow's own browser tracker (@snowplow/browser-tracker from npm, bundled
// here with esbuild) and leadbeam's snowplow transport on the same page in real
// Chromium, against one capturing collector: the tracker under /sdk-<method>, leadbeam
// under /lb. Format source: tracker-core's newEmitterRequest (GET /i, POST
// /com.snowplowanalytics.snowplow/tp2 with payload_data 1-0-4) and the tracker's payload
// builders; every captured event of both is validated against Snowplow's payload_data schema.
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, bundleForPage, launchBrowser, readBody, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';

interface Hit {
  method: string;
  path: string;
  query: string;
  contentType: string;
  body: string;
}
type Sp = Record<string, string>;

const { $schema, self, ...payloadSchema } = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/snowplow/payload_data-1-0-4.json'), 'utf8'));
const payloadData = new Ajv({ strict: false }).compile(payloadSchema);

let browser: Browser;
let server: StaticServer;
let sdk = '';
const hits: Hit[] = [];


beforeAll(async () => {
  sdk = await bundleForPage(`import * as sp from '@snowplow/browser-tracker'; (window as any).sp = sp;`);
  [browser, server] = await Promise.all([launchBrowser(), startStaticServer()]);
  server.route(async (req, res) => {
    const [path, query = ''] = (req.url || '').split('?');
    if (path == '/bundles/snowplow.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk), true;
    if (!/^\/(sdk-get|sdk-post|lb)\//.test(path)) return false;
    hits.push({ method: req.method!, path, query, contentType: req.headers['content-type'] || '', body: await readBody(req) });
    // The collector's CORS answer (it echoes the origin and allows credentials), so a preflight passes.
    res.writeHead(200, {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'content-type, sp-anonymous',
    });
    res.end();
    return true;
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

let context: BrowserContext;
afterEach(async () => {
  await context?.close();
  hits.length = 0;
});

/** Tracker-protocol events that reached a prefix: GET query or POST payload_data body. */
function captured(prefix: string): Sp[] {
  return hits
    .filter((h) => h.path.startsWith(prefix + '/') && h.method != 'OPTIONS')
    .flatMap((h) => {
      if (h.method == 'GET') return [Object.fromEntries(new URLSearchParams(h.query))];
      const body = JSON.parse(h.body);
      expect(body.schema).toBe('iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4');
      return body.data;
    });
}
const pv = (prefix: string) => captured(prefix).find((e) => e.e == 'pv');
const ue = (prefix: string) => captured(prefix).find((e) => e.e == 'ue');
/** The self-describing event of an `e=ue` event: ue_pr as JSON, or ue_px as base64url JSON (the tracker's GET default). */
const unstruct = (e: Sp) => JSON.parse(e.ue_pr || Buffer.from(e.ue_px, 'base64url').toString());

const SIGNUP = { schema: 'iglu:io.leadbeam/event/jsonschema/1-0-0', data: { name: 'signup', props: { plan: 'pro' } } };

async function open({ method, cookieless }: { method: 'get' | 'post'; cookieless: boolean }) {
  context = await browser.newContext({ locale: 'de-DE', screen: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const watched = watchPage(page);
  server.page(
    '/pricing',
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Pricing</title>
<script src="/bundles/snowplow.js"></script>
<script>
sp.newTracker('sdk', '${server.url}/sdk-${method}', { appId: 'site-app', eventMethod: '${method}', bufferSize: 1${cookieless ? ', anonymousTracking: true' : ''} });
sp.trackPageView();
// The Snowplow way to send the leadbeam custom event: a self-describing event with leadbeam's schema.
sp.trackSelfDescribingEvent({ event: ${JSON.stringify(SIGNUP)} });
</script>
<script type="module">
import { createTracker } from '/dist/leadbeam.mjs';
import { snowplow } from '/dist/transport/snowplow.mjs';
const t = createTracker({ site: 'LB-SP', endpoint: '${server.url}/lb', cookies: '${cookieless ? 'never' : 'always'}', batchMs: 50, transport: snowplow({ appId: 'site-app', method: '${method}' }) });
t.track('signup', { plan: 'pro' });
</script></head><body>pricing</body></html>`,
  );
  // The page on localhost, the collector on 127.0.0.1: cross-origin, so a preflight shows.
  await page.goto(pageUrl(), { referer: 'https://news.example/story' });
  const sdkPrefix = `/sdk-${method}`;
  await waitFor(() => pv(sdkPrefix) && ue(sdkPrefix) && pv('/lb') && ue('/lb'), 'page views and events of both');
  return { watched, sdkPrefix };
}

const pageUrl = () => server.url.replace('127.0.0.1', 'localhost') + '/pricing?plan=pro';
/** The contexts of an event: co as JSON, or cx as base64url JSON (the tracker's GET default). */
const contexts = (e: Sp) => JSON.parse(e.co || Buffer.from(e.cx, 'base64url').toString());
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('snowplow transport against @snowplow/browser-tracker', () => {
  it('GET: same /i path, no preflight, valid payload_data events, the same page values and self-describing event', async () => {
    const { watched, sdkPrefix } = await open({ method: 'get', cookieless: false });
    // Cross-origin and still no OPTIONS: leadbeam's GETs are CORS-simple.
    const lbHits = hits.filter((h) => h.path.startsWith('/lb/'));
    expect(lbHits.map((h) => [h.method, h.path])).toEqual(lbHits.map(() => ['GET', '/lb/i']));
    expect(hits.filter((h) => h.path.startsWith(sdkPrefix + '/')).every((h) => h.path == sdkPrefix + '/i')).toBe(true);

    for (const events of [captured(sdkPrefix), captured('/lb')]) expect(payloadData(events), JSON.stringify(payloadData.errors)).toBe(true);
    const [s, l] = [pv(sdkPrefix)!, pv('/lb')!];
    for (const key of ['url', 'refr', 'page', 'lang', 'res', 'aid', 'p']) expect([key, l[key]]).toEqual([key, s[key]]);
    expect(l.url).toBe(pageUrl());
    expect(l.res).toBe('1440x900');
    expect(l.eid).toMatch(UUID);
    expect(Number(l.dtm)).toBeGreaterThan(Date.now() - 60_000);
    expect(Number(l.stm)).toBeGreaterThanOrEqual(Number(l.dtm));
    // Ids: duid is leadbeam's visitor id; sid a UUID as the tracker's.
    const vid = (await context.cookies()).find((c) => c.name == '_lb_id')!.value;
    expect(l.duid).toBe(vid);
    expect(s.sid).toMatch(UUID);
    expect(l.sid).toMatch(UUID);
    // Both carry Snowplow's web_page context (the page view id).
    expect(contexts(l).data[0].schema).toBe('iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0');
    expect(contexts(s).data[0].schema).toBe(contexts(l).data[0].schema);

    const [se, le] = [ue(sdkPrefix)!, ue('/lb')!];
    expect(unstruct(le)).toEqual(unstruct(se));
    expect(le.duid).toBe(vid);
    expect(le.sid).toBe(l.sid);
    expect(watched.errors).toEqual([]);
  });

  it('POST tp2, cookieless: same path and content type as the tracker (a preflight for both), no duid/sid/nuid as its anonymous tracking', async () => {
    const { watched, sdkPrefix } = await open({ method: 'post', cookieless: true });
    const tp2 = (prefix: string) => hits.filter((h) => h.path == prefix + '/com.snowplowanalytics.snowplow/tp2');
    const [sdkPost] = tp2(sdkPrefix).filter((h) => h.method == 'POST');
    const lbPosts = tp2('/lb').filter((h) => h.method == 'POST');
    expect(lbPosts.length).toBeGreaterThan(0);
    expect(lbPosts.every((h) => h.contentType == sdkPost.contentType)).toBe(true);
    expect(sdkPost.contentType).toBe('application/json; charset=UTF-8');
    // application/json is not CORS-safelisted: the browser asks first, for the tracker and for leadbeam.
    expect(tp2(sdkPrefix).some((h) => h.method == 'OPTIONS')).toBe(true);
    expect(tp2('/lb').some((h) => h.method == 'OPTIONS')).toBe(true);

    for (const events of [captured(sdkPrefix), captured('/lb')]) expect(payloadData(events), JSON.stringify(payloadData.errors)).toBe(true);
    for (const e of [pv(sdkPrefix)!, ue(sdkPrefix)!, pv('/lb')!, ue('/lb')!]) {
      for (const k of ['duid', 'sid', 'nuid', 'vid']) expect([k, e[k]]).toEqual([k, undefined]);
    }
    expect(unstruct(ue('/lb')!)).toEqual(unstruct(ue(sdkPrefix)!));
    expect(pv('/lb')!.url).toBe(pv(sdkPrefix)!.url);
    expect((await context.cookies()).filter((c) => c.name.startsWith('_lb'))).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
