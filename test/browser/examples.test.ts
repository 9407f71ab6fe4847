// The examples/ pages in real Chromium, served from the repository as a reader
// would open them. The pages name the reference collector's default address
// (http://127.0.0.1:8787/e) and the site id LB-EXAMPLE; when serving, a route
// rewrites both to this run's collector and to a per-test site id.
// The built parts (examples/esm-app/dist, examples/cmp/dist) come from
// `npm run examples:build`, run once here.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector, type WireEvent } from '../../collector/src/server.mjs';
import { createProxy } from '../../examples/first-party-proxy/proxy.mjs';
import { eventsOf, ROOT, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;

const PLACEHOLDER_ENDPOINT = 'http://127.0.0.1:8787/e';
const PLACEHOLDER_SITE = 'LB-EXAMPLE';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;
let page: Page;
let watched: ReturnType<typeof watchPage>;
/** Every URL the page requested, to prove where the browser did (not) go. */
let requests: { url: string; method: string; headers: Record<string, string> }[];
// Per-test site ids: a page closed by the previous test may still deliver its last beacon.
let site = '';

const batches = () => collector.batches.filter((b) => b.site == site);
const events = (): WireEvent[] => eventsOf(collector, site);
const ofType = (type: string) => events().filter((e) => e.type == type);
/** Every request that reached the collector for this test's site, accepted or not. */
const requestsForSite = () =>
  collector.received.filter((r) => {
    try {
      return JSON.parse(r.body!).site == site;
    } catch {
      return false;
    }
  });
const lbCookies = async () => (await context.cookies()).filter((c) => c.name.startsWith('_lb_')).map((c) => c.name).sort();

// A strict CSP for the pages leadbeam's examples fully own (the CMP pages load
// third-party CMP code that injects inline styles, so they get none): a
// violation is a console error, and every test fails on console errors.
const csp = (connect: string) =>
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src ${connect}; base-uri 'none'; form-action 'self'`;
const CSP_CONNECT: Record<string, (c: Collector) => string> = {
  'script-tag': (c) => `'self' ${c.origin}`,
  'strict-consent': (c) => `'self' ${c.origin}`,
  'esm-app': (c) => `'self' ${c.origin}`,
  // These two never reach the collector from the browser: only their own origin, or nothing at all.
  'first-party-proxy': () => `'self'`,
  datalayer: () => `'none'`,
};

// examples/react runs on the real React 19 (react-dom/client), bundled here with esbuild
// as an app would bundle it; examples-ssr.test.ts covers the server side.
let reactBundle = '';
async function bundleReactExample(): Promise<void> {
  const out = await build({
    stdin: {
      contents: `import { createRoot } from 'react-dom/client'; import { jsx } from 'react/jsx-runtime'; import { App } from './examples/react/App';
        createRoot(document.getElementById('root')).render(jsx(App, {}));`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    target: 'es2019',
    jsx: 'automatic',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'leadbeam-from-repo',
        setup(b) {
          b.onResolve({ filter: /^leadbeam$/ }, () => ({ path: join(ROOT, 'dist/leadbeam.mjs') }));
        },
      },
    ],
  });
  reactBundle = out.outputFiles[0].text;
}

/** The placeholders a page names, as this run's collector and this test's site id. */
const rewrite = (text: string) => text.split(PLACEHOLDER_ENDPOINT).join(collector.url).split(PLACEHOLDER_SITE).join(site);

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([
    launchBrowser(),
    startStaticServer(),
    startCollector(),
    // The same command a reader runs: rollup builds the ESM app, esbuild the TCF mini CMP.
    promisify(execFile)('npm', ['run', '-s', 'examples:build'], { cwd: ROOT }),
    bundleReactExample(),
  ]);
  server.route((req, res) => {
    if (req.url != '/react-example/app.js') return false;
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    res.end(rewrite(reactBundle));
    return true;
  });
  // /examples/**.html|js: served with the placeholders rewritten (and a CSP where the example owns the page).
  server.route(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url || '/').split('?')[0]));
    const ext = extname(path);
    if (!path.startsWith('/examples/') || !TYPES[ext]) return false;
    let text: string;
    try {
      text = await readFile(join(ROOT, path), 'utf8');
    } catch {
      return false;
    }
    const example = path.split('/')[2];
    const headers: Record<string, string> = { 'content-type': TYPES[ext], 'cache-control': 'no-store' };
    if (ext == '.html' && CSP_CONNECT[example]) headers['content-security-policy'] = csp(CSP_CONNECT[example](collector));
    res.writeHead(200, headers);
    res.end(rewrite(text));
    return true;
  });
  // The first-party proxy, mounted on the site's own origin as examples/first-party-proxy/proxy.mjs intends.
  server.route(createProxy({ target: collector.url }));
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});

beforeEach(async (ctx) => {
  site = 'LB-' + ctx.task.name.replace(/[^a-z]/gi, '').slice(0, 40);
  context = await browser.newContext();
  page = await context.newPage();
  watched = watchPage(page);
  requests = [];
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
});

afterEach(async () => {
  expect(watched.errors).toEqual([]);
  // A fresh context per test: cookies and storage go with it.
  await context.close();
});

const open = (path: string) => page.goto(server.url + '/examples/' + path);
/** The page's global is the loaded SDK (the stub has no `v`). */
const sdkLoaded = () => waitFor(() => page.evaluate(() => window.leadbeam && window.leadbeam.v === 1), 'leadbeam.js loaded');

/**
 * Proves that nothing more arrives for this site: closes the page (its pagehide
 * flush goes out), then loads a control page with another site id and waits for
 * its page view, which the collector receives after anything the closed page sent.
 */
async function settle(): Promise<void> {
  await page.close({ runBeforeUnload: false });
  const control = site + '-ctl';
  server.page(`/control-${control}.html`, `<!doctype html><title>control</title><script src="/dist/leadbeam.js" data-site="${control}" data-endpoint="${collector.url}"></script>`);
  const p = await context.newPage();
  await p.goto(server.url + `/control-${control}.html`);
  await waitFor(() => collector.batches.some((b) => b.site == control), 'control page view');
  await p.close();
}

describe('script-tag/', () => {
  it('one tag: a cookieless page view per page, the second referring to the first', async () => {
    await open('script-tag/index.html');
    await waitFor(() => ofType('page').length == 1, 'first page view');
    await page.click('a[href="pricing.html"]');
    await waitFor(() => ofType('page').length == 2, 'second page view');
    const [home, pricing] = ofType('page');
    expect(home).toMatchObject({ url: server.url + '/examples/script-tag/index.html', title: 'Northwind Flow', lang: expect.any(String) });
    expect(pricing).toMatchObject({ url: server.url + '/examples/script-tag/pricing.html', ref: home.url, title: 'Pricing — Northwind Flow' });
    // Default cookies: 'consent' without consent: no ids sent, nothing stored.
    for (const e of events()) expect(e.vid ?? e.sid).toBeUndefined();
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  });
});

describe('strict-consent/', () => {
  it('nothing before consent; Accept sends the held landing page view with ids; a return visit needs no banner', async () => {
    await open('strict-consent/index.html');
    await sdkLoaded();
    expect(await page.locator('#consent-banner').isVisible()).toBe(true);
    await page.evaluate(() => window.leadbeam('flush'));
    expect(batches()).toEqual([]);
    expect(await context.cookies()).toEqual([]);

    const clickedAt = Date.now();
    await page.click('#consent-banner [data-consent="granted"]');
    await waitFor(() => ofType('page').length == 1, 'held page view');
    const [pv] = ofType('page');
    // Tracked on load, sent on grant: it keeps the time it was tracked.
    expect(pv.ts).toBeLessThanOrEqual(clickedAt);
    expect(pv).toMatchObject({ url: server.url + '/examples/strict-consent/index.html', vid: expect.any(String), sid: expect.any(String) });
    expect(await lbCookies()).toEqual(['_lb_id', '_lb_ses']);
    expect(await page.locator('#consent-banner').isHidden()).toBe(true);
    // One request in all: nothing had left before the answer.
    expect(requestsForSite().length).toBe(1);

    await open('strict-consent/index.html');
    await waitFor(() => ofType('page').length == 2, 'page view of the return visit');
    expect(ofType('page')[1].vid).toBe(pv.vid);
    expect(await page.locator('#consent-banner').isHidden()).toBe(true);
  });

  it('Decline drops the held page view: nothing is sent, nothing of leadbeam is stored', async () => {
    await open('strict-consent/index.html');
    await sdkLoaded();
    await page.click('#consent-banner [data-consent="denied"]');
    await page.evaluate(() => {
      window.leadbeam('track', 'after_decline');
      window.leadbeam('flush');
    });
    expect(await lbCookies()).toEqual([]);
    // Only the page's own record of the answer.
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual(['example-consent']);
    await settle();
    expect(requestsForSite()).toEqual([]);
  });
});

describe('esm-app/', () => {
  it('the rollup-built app: a page view per hash route and a custom event, leadbeam bundled in', async () => {
    const bundle = await readFile(join(ROOT, 'examples/esm-app/dist/app.js'), 'utf8');
    expect(bundle).not.toMatch(/^\s*import\b[^;]*['"]leadbeam/m);
    expect(bundle).toContain('function createTracker');

    await open('esm-app/index.html');
    await waitFor(() => ofType('page').length == 1, 'first page view');
    await page.click('a[href="#/pricing"]');
    await waitFor(() => ofType('page').length == 2, 'route page view');
    await page.click('[data-plan="pro"]');
    await waitFor(() => ofType('event').length == 1, 'custom event');
    const [home, pricing] = ofType('page');
    expect(home).toMatchObject({ title: 'Product', url: server.url + '/examples/esm-app/index.html' });
    expect(pricing).toMatchObject({ title: 'Pricing', url: server.url + '/examples/esm-app/index.html#/pricing', ref: home.url });
    expect(ofType('event')[0]).toMatchObject({ name: 'demo_booked', props: { plan: 'pro' }, pv: pricing.pv });
    expect(collector.received.filter((r) => r.method == 'OPTIONS')).toEqual([]);
  });
});

describe('react/', () => {
  it('LeadbeamProvider starts one tracker on mount; useLeadbeam() tracks and gives consent from components', async () => {
    server.page('/react-example/', '<!doctype html><html lang="en"><title>React</title><div id="root"></div><script src="/react-example/app.js"></script>');
    await page.goto(server.url + '/react-example/');
    await waitFor(() => ofType('page').length == 1, 'page view from the provider');
    await page.click('button:has-text("Book a pro demo")');
    await page.click('button:has-text("Accept")');
    await waitFor(() => ofType('consent').length == 1 && ofType('event').length == 1, 'event and consent');
    const [pv] = ofType('page');
    expect(pv.vid).toBeUndefined();
    expect(ofType('event')[0]).toMatchObject({ name: 'demo_booked', props: { plan: 'pro' }, pv: pv.pv });
    expect(ofType('consent')[0]).toMatchObject({ state: 'granted', pv: pv.pv, vid: expect.any(String) });
    expect(await lbCookies()).toEqual(['_lb_id', '_lb_ses']);
    // Two components using the hook, one tracker: a single page view.
    expect(ofType('page').length).toBe(1);
  });
});

describe('first-party-proxy/', () => {
  it('events reach the collector through the site\'s own /t/e; the browser contacts only its own origin', async () => {
    await open('first-party-proxy/index.html');
    await waitFor(() => ofType('page').length == 1, 'page view via the proxy');
    await page.click('#book');
    await waitFor(() => ofType('event').length == 1, 'event via the proxy');
    expect(ofType('event')[0]).toMatchObject({ name: 'demo_booked', props: { plan: 'pro' } });
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r.url.startsWith(server.url + '/')).toBe(true);
    const posts = requests.filter((r) => r.method == 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const r of posts) expect(r).toMatchObject({ url: server.url + '/t/e', headers: { 'x-leadbeam': '1' } });
    // The collector was called server to server: no browser Origin.
    expect(requestsForSite().length).toBeGreaterThan(0);
    for (const r of requestsForSite()) expect(r.headers.origin).toBeUndefined();
  });

  it('the proxy forwards only POSTs with its header', async () => {
    const body = JSON.stringify({ v: 1, site, events: [] });
    expect((await fetch(server.url + '/t/e', { method: 'POST', body })).status).toBe(403);
    expect((await fetch(server.url + '/t/e')).status).toBe(405);
    // A body the collector refuses (no events): its 400 comes back, so the tracker would not retry.
    expect((await fetch(server.url + '/t/e', { method: 'POST', body, headers: { 'x-leadbeam': '1' } })).status).toBe(400);
  });
});

describe('datalayer/', () => {
  it('each event is pushed to window.dataLayer as {event: "leadbeam", ...}; nothing goes over the network', async () => {
    await open('datalayer/index.html');
    const pushed = () => page.evaluate(() => window.dataLayer.filter((e: any) => e.event == 'leadbeam'));
    await waitFor(async () => (await pushed()).length == 1, 'page view in the dataLayer');
    await page.click('#book');
    await page.evaluate(() => window.leadbeam('flush'));
    await waitFor(async () => (await pushed()).length == 2, 'event in the dataLayer');
    const [pv, ev] = await pushed();
    expect(pv).toMatchObject({ event: 'leadbeam', site, type: 'page', url: server.url + '/examples/datalayer/index.html', title: 'dataLayer transport — Northwind Flow' });
    expect(ev).toMatchObject({ event: 'leadbeam', site, type: 'event', name: 'demo_booked', props: { plan: 'pro' }, pv: pv.pv });
    // cookies: 'never': no ids, nothing stored.
    expect(pv.vid ?? pv.sid ?? ev.vid).toBeUndefined();
    expect(await context.cookies()).toEqual([]);
    expect(requests.filter((r) => r.method != 'GET')).toEqual([]);
    expect(requestsForSite()).toEqual([]);
  });
});

// One page per CMP adapter, each with dist/leadbeam.cmp.js and data-consent-source.
const CMPS: { name: string; accept: string; reject: string }[] = [
  { name: 'tcf', accept: '#banner [data-answer="accept"]', reject: '#banner [data-answer="reject"]' },
  { name: 'google-consent-mode', accept: '#banner [data-answer="accept"]', reject: '#banner [data-answer="reject"]' },
  { name: 'cookiebot', accept: '#banner [data-answer="accept"]', reject: '#banner [data-answer="reject"]' },
  { name: 'onetrust', accept: '#banner [data-answer="accept"]', reject: '#banner [data-answer="reject"]' },
  { name: 'usercentrics', accept: '#banner [data-answer="accept"]', reject: '#banner [data-answer="reject"]' },
  { name: 'klaro', accept: '.klaro .cm-btn-success', reject: '.klaro .cm-btn-danger' },
  { name: 'cookieconsent', accept: '#cc-main [data-role="all"]', reject: '#cc-main [data-role="necessary"]' },
];

describe.each(CMPS)('cmp: $name', ({ name, accept, reject }) => {
  it(`${name}: cookieless page view first; Accept in the CMP sets the cookies and ties the page view to them`, async () => {
    await open(`cmp/${name}.html`);
    await waitFor(() => ofType('page').length == 1, 'cookieless page view');
    expect(ofType('page')[0].vid).toBeUndefined();
    await page.locator(accept).first().click();
    await waitFor(() => ofType('consent').length == 1, 'consent event');
    const [consent] = ofType('consent');
    expect(consent).toMatchObject({ state: 'granted', pv: ofType('page')[0].pv, vid: expect.any(String), sid: expect.any(String) });
    expect(await lbCookies()).toEqual(['_lb_id', '_lb_ses']);
  });

  it(`${name}: Reject in the CMP keeps leadbeam cookieless`, async () => {
    await open(`cmp/${name}.html`);
    await waitFor(() => ofType('page').length == 1, 'cookieless page view');
    await page.locator(reject).first().click();
    // Commands run in order: the marker leaves after whatever the CMP's answer caused.
    await page.evaluate(() => {
      window.leadbeam('track', 'after_answer');
      window.leadbeam('flush');
    });
    await waitFor(() => ofType('event').length == 1, 'marker event');
    expect(ofType('event')[0].vid).toBeUndefined();
    expect(ofType('consent')).toEqual([]);
    expect(await lbCookies()).toEqual([]);
  });
});
