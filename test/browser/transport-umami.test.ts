// Oracle: Umami's own tracker script (src/tracker/index.js of the `umami` npm package,
// published from umami-software/umami; fetched once with `npm pack` into
// node_modules/.cache, since installing the whole Umami app is far too heavy) and
// leadbeam's umami transport run on one page in real Chromium, each posting to its
// own prefix of a capturing server on another origin (so CORS applies).
// What the tracker posts to /api/send is the format; the server rules checked below are
// those of Umami's /api/send (src/app/api/send/route.ts: its zod schema; src/lib/request.ts
// getJsonBody reads the body as JSON whatever its content type, so text/plain is accepted).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, launchBrowser, readBody, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';

const UMAMI = 'umami@2.10.0';
const WEBSITE = '4c0b5a2e-1f9d-4f27-9a43-0a7e3c5d9b11';

interface Hit {
  method: string;
  path: string;
  contentType: string;
  body: string;
}
/* eslint-disable @typescript-eslint/no-explicit-any */
type Payload = Record<string, any>;

let browser: Browser;
let site: StaticServer;
let capture: StaticServer;
let tracker = '';
const hits: Hit[] = [];


/** Umami's tracker source from the npm package, cached in node_modules/.cache. */
function umamiTracker(): string {
  const dir = join(ROOT, 'node_modules/.cache/leadbeam-oracles', UMAMI.replace('@', '-'));
  const file = join(dir, 'package/src/tracker/index.js');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tgz = execFileSync('npm', ['pack', UMAMI, '--silent', '--pack-destination', dir], { encoding: 'utf8', timeout: 50_000 }).trim().split('\n').pop()!;
    execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir, 'package/src/tracker/index.js']);
  }
  return readFileSync(file, 'utf8');
}

beforeAll(async () => {
  tracker = umamiTracker();
  [browser, site, capture] = await Promise.all([launchBrowser(), startStaticServer(), startStaticServer()]);
  site.route((req, res) => {
    if (req.url != '/bundles/umami.js') return false;
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(tracker);
    return true;
  });
  capture.route(async (req, res) => {
    const path = (req.url || '').split('?')[0];
    hits.push({ method: req.method!, path, contentType: req.headers['content-type'] || '', body: await readBody(req) });
    // Umami's CORS answer (next.config: API headers), so the tracker's JSON preflight passes.
    res.writeHead(200, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, DELETE, POST, PUT', 'content-type': 'application/json' });
    res.end(req.method == 'POST' ? '{"cache":"x","sessionId":"s","visitId":"v"}' : '');
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

/** The payloads one side posted to /<side>/api/send. */
const sent = (side: 'sdk' | 'lb'): Payload[] =>
  hits
    .filter((h) => h.method == 'POST' && h.path == `/${side}/api/send`)
    .map((h) => {
      const body = JSON.parse(h.body);
      expect(body.type).toBe('event');
      return body.payload;
    });
const pageView = (side: 'sdk' | 'lb') => sent(side).find((p) => !p.name);
const named = (side: 'sdk' | 'lb', name: string) => sent(side).find((p) => p.name == name);

/** What Umami's /api/send schema (route.ts) requires of a payload. */
function acceptedByUmami(p: Payload) {
  expect(p.website).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(p.hostname.length).toBeLessThanOrEqual(100);
  expect(p.language.length).toBeLessThanOrEqual(35);
  expect(p.screen.length).toBeLessThanOrEqual(11);
  expect(() => new URL(p.url, 'https://localhost')).not.toThrow();
  if (p.name != null) expect(p.name.length).toBeLessThanOrEqual(50);
  if (p.data != null) expect(typeof p.data).toBe('object');
  if (p.timestamp != null) expect(Number.isInteger(p.timestamp)).toBe(true);
}

async function open(cookieless: boolean) {
  context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 720 }, screen: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const watched = watchPage(page);
  site.page(
    '/pricing',
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Prices & plans</title>
<script src="/bundles/umami.js" data-website-id="${WEBSITE}" data-host-url="${capture.url}/sdk"></script>
<script>umami.track('signup', { plan: 'pro' });</script>
<script type="module">
import { createTracker } from '/dist/leadbeam.mjs';
import { umami } from '/dist/transport/umami.mjs';
const t = createTracker({ site: 'LB-UM', endpoint: '${capture.url}/lb', cookies: '${cookieless ? 'never' : 'always'}', batchMs: 50, transport: umami({ websiteId: '${WEBSITE}' }) });
t.track('signup', { plan: 'pro' });
</script></head><body>pricing</body></html>`,
  );
  await page.goto(site.url + '/pricing?plan=pro', { referer: 'https://news.example/story' });
  await waitFor(() => pageView('sdk') && named('sdk', 'signup') && pageView('lb') && named('lb', 'signup'), 'page views and events of both');
  return { page, watched };
}

describe('umami transport against Umami’s tracker', () => {
  it('page view and custom event: same path, no preflight, the payload Umami requires, the same page values', async () => {
    const { watched } = await open(false);
    // The tracker sends application/json, so Chromium preflights it; leadbeam's text/plain never is.
    expect(hits.some((h) => h.method == 'OPTIONS' && h.path == '/sdk/api/send')).toBe(true);
    const lb = hits.filter((h) => h.path.startsWith('/lb/'));
    expect(lb.map((h) => [h.method, h.path, h.contentType])).toEqual(lb.map(() => ['POST', '/lb/api/send', 'text/plain']));
    expect(hits.find((h) => h.method == 'POST' && h.path == '/sdk/api/send')!.contentType).toBe('application/json');

    const [sp, lp] = [pageView('sdk')!, pageView('lb')!];
    const vid = (await context.cookies()).find((c) => c.name == '_lb_id')!.value;
    // Every field the tracker sends, with the same value; leadbeam adds Umami's session identifier.
    expect(lp).toEqual({ ...sp, id: vid });
    expect(lp).toMatchObject({ website: WEBSITE, hostname: '127.0.0.1', url: '/pricing?plan=pro', screen: '1440x900', language: 'de-DE', title: 'Prices%20%26%20plans', referrer: 'https://news.example/story' });

    const [se, le] = [named('sdk', 'signup')!, named('lb', 'signup')!];
    // The event left in a later batch than its page view and still carries the page.
    expect(le).toEqual({ ...se, id: vid });
    expect(le.data).toEqual({ plan: 'pro' });
    for (const p of sent('lb')) acceptedByUmami(p);
    for (const p of sent('sdk')) acceptedByUmami(p);
    expect(watched.errors).toEqual([]);
  });

  it('cookieless: no identifier at all (Umami falls back to IP + user agent), no cookie', async () => {
    const { watched } = await open(true);
    for (const p of sent('lb')) {
      expect(p).not.toHaveProperty('id');
      acceptedByUmami(p);
    }
    expect(pageView('lb')).toEqual(pageView('sdk'));
    expect(named('lb', 'signup')).toEqual(named('sdk', 'signup'));
    expect(await context.cookies()).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
