// Oracle: no npm package ships Matomo's browser tracker (matomo.js), so the oracle is
// Matomo's official Node tracker, `matomo-tracker` (matomo-org/matomo-nodejs-tracker,
// "a wrapper for the Matomo tracking HTTP API"), plus the Tracking API reference
// (https://developer.matomo.org/api-reference/tracking-api) and what matomo.js does
// (matomo-org/matomo js/piwik.js: POSTs 'application/x-www-form-urlencoded; charset=UTF-8',
// also for its bulk body and at unload by sendBeacon; `_id` 16 hex, `pv_id` 6 characters).
// leadbeam runs in real Chromium on a page of one origin and posts to a capturing server of
// another (so CORS applies); the official tracker posts the same page's values to the same
// server; both must give the same tracking requests, parameter for parameter.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, readBody, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';

const MatomoTracker = createRequire(import.meta.url)('matomo-tracker');

interface Hit {
  method: string;
  path: string;
  query: string;
  contentType: string;
  body: string;
}
type Params = Record<string, string>;

let browser: Browser;
let site: StaticServer;
let capture: StaticServer;
const hits: Hit[] = [];


beforeAll(async () => {
  [browser, site, capture] = await Promise.all([launchBrowser(), startStaticServer(), startStaticServer()]);
  capture.route(async (req, res) => {
    const [path, query = ''] = (req.url || '').split('?');
    hits.push({ method: req.method!, path, query, contentType: req.headers['content-type'] || '', body: await readBody(req) });
    // Matomo's tracker endpoint answers CORS for any origin; 204 for send_image=0.
    res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
    return true;
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([site?.close(), capture?.close()]);
});

let context: BrowserContext;
afterEach(async () => {
  await context?.close();
  hits.length = 0;
});

/** The tracking requests of a hit, as Matomo reads them: the query string, a form body, or a bulk body's `requests`. */
const requestsOf = (h: Hit): Params[] => {
  const raw = h.body.startsWith('{') ? (JSON.parse(h.body).requests as string[]).map((q) => q.replace(/^\?/, '')) : [h.body || h.query];
  return raw.map((q) => Object.fromEntries(new URLSearchParams(q)));
};
const tracked = (side: 'sdk' | 'lb') => hits.filter((h) => h.path == `/${side}/matomo.php` && h.method != 'OPTIONS').flatMap(requestsOf);
const lbPage = () => tracked('lb').find((p) => 'action_name' in p);
const lbEvent = (action: string) => tracked('lb').find((p) => p.e_a == action);

/** leadbeam's visitor id as Matomo's 16 hex digits (the low four bits of each of its first 16 characters). */
const hex16 = (vid: string) => [...vid.slice(0, 16)].map((c) => (c.charCodeAt(0) & 15).toString(16)).join('');

async function open(cookieless: boolean) {
  context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 720 }, screen: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const watched = watchPage(page);
  site.page(
    '/pricing',
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Prices & plans</title>
<script type="module">
import { createTracker } from '/dist/leadbeam.mjs';
import { matomo } from '/dist/transport/matomo.mjs';
const t = createTracker({ site: 'LB-MA', endpoint: '${capture.url}/lb', cookies: '${cookieless ? 'never' : 'always'}', batchMs: 50, transport: matomo({ siteId: 7 }) });
t.track('signup', { category: 'funnel', label: 'hero', value: 3 });
</script></head><body>pricing</body></html>`,
  );
  await page.goto(site.url + '/pricing?plan=pro', { referer: 'https://news.example/story' });
  await waitFor(() => lbPage() && lbEvent('signup'), 'page view and event');
  // Hidden: the engagement leaves as a ping (by sendBeacon, the page may be unloading).
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await waitFor(() => tracked('lb').some((p) => p.ping == '1'), 'engagement ping');
  const seen = await page.evaluate(() => ({ url: location.href, title: document.title, ref: document.referrer, res: screen.width + 'x' + screen.height, lang: navigator.language }));
  return { page, watched, seen };
}

/** The official tracker's requests for the same values: a single GET, then a bulk POST (idsite and rec are its own). */
async function oracle(page: Params, event: Params) {
  const tracker = new MatomoTracker(7, capture.url + '/sdk/matomo.php');
  tracker.track({ ...page });
  tracker.trackBulk([{ ...event }, { ...page }]);
  await waitFor(() => tracked('sdk').length == 3, 'the official tracker’s requests');
  return tracked('sdk');
}

const strip = ({ idsite, rec, ...rest }: Params) => rest;

describe('matomo transport against Matomo’s tracking API (official Node tracker)', () => {
  it('page view, event, engagement: same path, no preflight, form-urlencoded, the same parameters as the official tracker', async () => {
    const { watched, seen } = await open(false);
    const lb = hits.filter((h) => h.path.startsWith('/lb/'));
    // Simple requests only: no OPTIONS ever reached the server; Matomo's own content type
    // (lower-cased when it went by sendBeacon: a Blob's type is, as with matomo.js's beacon).
    expect(lb.map((h) => [h.method, h.path, h.contentType.toLowerCase()])).toEqual(lb.map(() => ['POST', '/lb/matomo.php', 'application/x-www-form-urlencoded; charset=utf-8']));
    // The event was tracked before the first page view: both left in one bulk body, the JS tracker's format.
    expect(JSON.parse(lb[0].body)).toEqual({ requests: [expect.stringMatching(/^\?e_c=funnel&e_a=signup&/), expect.stringMatching(/^\?action_name=/)] });

    const vid = (await context.cookies()).find((c) => c.name == '_lb_id')!.value;
    const page = lbPage()!;
    expect(page).toMatchObject({ idsite: '7', rec: '1', url: seen.url, action_name: seen.title, urlref: seen.ref, res: seen.res, lang: seen.lang, _id: hex16(vid), send_image: '0' });
    expect(page._id).toMatch(/^[0-9a-f]{16}$/);
    expect(page.pv_id).toMatch(/^[A-Za-z0-9]{6}$/);
    const event = lbEvent('signup')!;
    expect(event).toMatchObject({ e_c: 'funnel', e_a: 'signup', e_n: 'hero', e_v: '3', url: seen.url, _id: page._id, pv_id: page.pv_id });
    const ping = tracked('lb').find((p) => p.ping == '1')!;
    expect(ping).toMatchObject({ idsite: '7', rec: '1', url: seen.url, _id: page._id, pv_id: page.pv_id });

    // The official tracker, given these values, sends the same parameters (it adds idsite and rec itself).
    const [single, ...bulk] = await oracle(strip(page), strip(event));
    expect(single).toEqual(page);
    expect(bulk).toEqual([event, page]);
    expect(hits.find((h) => h.path == '/sdk/matomo.php' && h.method == 'GET')).toBeTruthy();
    expect(JSON.parse(hits.find((h) => h.path == '/sdk/matomo.php' && h.method == 'POST')!.body)).toEqual({ requests: [expect.stringMatching(/^\?/), expect.stringMatching(/^\?/)] });

    for (const h of lb) expect(h.body + h.query).not.toMatch(/token_auth|cdt=|cip=|uid=/);
    expect(watched.errors).toEqual([]);
  });

  it('cookieless: no _id (Matomo uses its config id from IP and user agent), no cookie', async () => {
    const { watched, seen } = await open(true);
    for (const p of tracked('lb')) {
      expect(p).not.toHaveProperty('_id');
      expect(p).not.toHaveProperty('uid');
      expect(p).not.toHaveProperty('cid');
      expect(p).toMatchObject({ idsite: '7', rec: '1', url: seen.url });
    }
    expect(await context.cookies()).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
