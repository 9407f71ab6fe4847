// Page lifecycle in real Chromium: prerendering (Speculation Rules) and the
// back/forward cache. A page view means a person saw the page, once.
//
// Prerender: Chromium refuses to prerender while a DevTools client is attached
// to the page target (devtools_instrumentation::IsPrerenderAllowed: sessions
// without tab-target support → PrerenderingDisabledByDevTools), which is how
// Playwright attaches. So these tests start Chromium on its own, with no
// DevTools at all, and observe only over HTTP: the static server sees the
// prerender request (Sec-Purpose) and marker requests the pages make (which
// report document.prerendering, document.cookie, localStorage, activationStart),
// the collector sees what leadbeam sent. A browser that does not prerender
// fails the test (no `Sec-Purpose`, `prerendering=false` or activationStart 0).
//
// bfcache: Playwright with `--disable-back-forward-cache` left out, and no
// context.route (interception can make a page ineligible). A page that is not
// restored from the bfcache fails the test, with Chromium's notRestoredReasons.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM, eventsOf, launchBrowser, startStaticServer, waitFor, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';
import { startCollector, type Collector, type WireEvent } from '../../collector/src/server.mjs';

let server: StaticServer;
let collector: Collector;
let site = '';
let seq = 0;

/** Requests the pages made to /mark: what each saw at that moment. */
type Mark = { what: string; k: string; cookieHeader: string; q: Record<string, string> };
const marks: Mark[] = [];
/** What each start page is told to do next: '' wait, or the path to navigate to. */
const go = new Map<string, string>();
/** Every request for a page under /pr/, with its Sec-Purpose header. */
const served: { path: string; purpose: string }[] = [];

beforeAll(async () => {
  [server, collector] = await Promise.all([startStaticServer(), startCollector()]);
  server.route((req, res) => {
    const url = new URL(req.url || '/', server.url);
    if (url.pathname.startsWith('/pr/')) served.push({ path: url.pathname, purpose: String(req.headers['sec-purpose'] || '') });
    if (url.pathname == '/mark') {
      const q = Object.fromEntries(url.searchParams);
      marks.push({ what: q.what, k: q.k, cookieHeader: String(req.headers.cookie || ''), q });
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
      return true;
    }
    if (url.pathname == '/go') {
      res.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/plain' }).end(go.get(url.searchParams.get('k')!) || '');
      return true;
    }
  });
});
afterAll(async () => {
  await Promise.all([server?.close(), collector?.close()]);
});
beforeEach(() => {
  site = 'LB-L' + ++seq;
});

const html = (body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lifecycle</title></head><body>${body}</body></html>`;
const tag = (attrs = '', s = site) => `<script src="/dist/leadbeam.js" data-site="${s}" data-endpoint="${collector.url}" ${attrs}></script>`;
const pageViews = (s = site) => (eventsOf(collector, s) as WireEvent[]).filter((e) => e.type == 'page');
/** How many accepted requests carried this event id (the collector keeps every accepted batch, duplicates included). */
/** Waits until the collector has at least `n` page views of the site; returns them. */
const viewsAtLeast = async (n: number, label: string, s = site): Promise<WireEvent[]> => (await waitFor(() => pageViews(s).length >= n && pageViews(s), label)) as WireEvent[];
const requestsWith = (id: string) => collector.batches.filter((b) => b.events.some((e) => e.id == id)).length;

describe('prerender (Speculation Rules)', () => {
  let chrome: ChildProcess | undefined;
  let profile = '';

  /** Starts Chromium without DevTools on a URL; it runs until stopped. */
  function openRaw(url: string): void {
    profile = mkdtempSync(join(tmpdir(), 'lb-prerender-'));
    chrome = spawn(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-component-update', '--disable-quic', `--user-data-dir=${profile}`, url],
      { detached: true, stdio: 'ignore' },
    );
  }
  afterEach(async () => {
    const p = chrome;
    chrome = undefined;
    if (p && p.exitCode == null) {
      const exited = new Promise((r) => p.once('exit', r));
      // The whole process group we started (browser, zygote, renderers): by its id.
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {}
      await exited;
    }
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const marksOf = (k: string, what: string) => marks.filter((m) => m.k == k && m.what == what);

  /**
   * A start page that prerenders /pr/next-<k> (leadbeam in 'always' cookie mode, one track() call
   * made while prerendering) and navigates wherever the test says. Returns the key.
   */
  function setUp(): string {
    const k = String(seq);
    server.page(
      `/pr/start-${k}`,
      html(`<script type="speculationrules">{"prerender":[{"source":"list","urls":["/pr/next-${k}"]}]}</script>
<script>const t = setInterval(() => fetch('/go?k=${k}').then((r) => r.text()).then((to) => to && (clearInterval(t), (location.href = to))), 50);</script>`),
    );
    server.page(
      `/pr/next-${k}`,
      html(`${tag('data-cookies="always"')}
<script>
  leadbeam('track', 'tracked_while_prerendering', { prerendering: !!document.prerendering });
  const mark = (what, extra) => fetch('/mark?' + new URLSearchParams({ k: '${k}', what, prerendering: !!document.prerendering, cookie: document.cookie, storage: localStorage.length, ...extra }), { keepalive: true });
  mark('ran');
  // Later than leadbeam's first page view (a microtask after init) and its batch window (1 s) would send.
  setTimeout(() => mark('later'), 1500);
  document.addEventListener('prerenderingchange', () => {
    const nav = performance.getEntriesByType('navigation')[0];
    mark('activated', { activation: performance.timeOrigin + nav.activationStart, activationStart: nav.activationStart });
    setTimeout(() => (mark('leaving', { now: Date.now() }), (location.href = '/pr/done-${k}')), 400);
  });
</script>`),
    );
    server.page(`/pr/done-${k}`, html('done'));
    server.page(`/pr/other-${k}`, html(tag('', site + '-other')));
    openRaw(`${server.url}/pr/start-${k}`);
    return k;
  }

  /** The prerendered page ran its scripts, and 1.5 s later still had sent nothing and stored nothing. */
  async function expectNothingWhilePrerendering(k: string): Promise<void> {
    const later = await waitFor(() => marksOf(k, 'later')[0], 'the prerendered page to run for 1.5 s');
    expect(served.filter((s) => s.path == `/pr/next-${k}`)).toEqual([{ path: `/pr/next-${k}`, purpose: 'prefetch;prerender' }]);
    for (const m of [marksOf(k, 'ran')[0], later]) {
      expect(m.q.prerendering, 'the page must run while prerendering').toBe('true');
      expect(m.q.cookie).toBe('');
      expect(m.cookieHeader).toBe('');
      expect(m.q.storage).toBe('0');
    }
    expect(collector.received.filter((r) => r.body && r.body.includes(`"site":"${site}"`))).toEqual([]);
  }

  it('sends and stores nothing while prerendering; on activation one page view with the activation time, then what was tracked meanwhile', async () => {
    const k = setUp();
    await expectNothingWhilePrerendering(k);

    go.set(k, `/pr/next-${k}`);
    const activated = await waitFor(() => marksOf(k, 'activated')[0], 'activation of the prerendered page');
    expect(+activated.q.activationStart, 'the shown page must be the prerendered one').toBeGreaterThan(0);
    // Shown without a second request: the prerendered document itself was activated.
    expect(served.filter((s) => s.path == `/pr/next-${k}`)).toHaveLength(1);

    const activation = Math.floor(+activated.q.activation);
    const [view] = await viewsAtLeast(1, 'the page view after activation');
    const tracked = await waitFor(() => eventsOf(collector, site).find((e) => e.type == 'event'), 'the event tracked while prerendering');
    const engage = (await waitFor(() => eventsOf(collector, site).find((e) => e.type == 'engage'), 'engagement time when the page is left')) as WireEvent;
    const leaving = marksOf(k, 'leaving')[0];

    expect(pageViews()).toHaveLength(1);
    expect(view.url).toBe(`${server.url}/pr/next-${k}`);
    expect(view.ts).toBeGreaterThanOrEqual(activation);
    // 'always' mode: the cookies are set once the page is shown, not before.
    expect(view.vid).toMatch(/^[\w-]{22}$/);
    // Decision: a call made while prerendering runs on activation; its event carries the activation time.
    expect(tracked).toMatchObject({ name: 'tracked_while_prerendering', props: { prerendering: true }, pv: view.pv });
    expect((tracked as WireEvent).ts).toBeGreaterThanOrEqual(activation);
    // Engagement counts from activation only (the page left 400 ms after it).
    expect(engage.pv).toBe(view.pv);
    expect(engage.ms).toBeGreaterThan(0);
    // Never more than the time from activation to when the engage event was made (at pagehide,
    // which under load can come well after the page asked to leave): nothing before activation counts.
    expect(engage.ms!).toBeLessThanOrEqual(engage.ts - activation + 5);
    expect(+leaving.q.now).toBeGreaterThan(activation);
  });

  it('a prerendered page that is never shown sends nothing at all', async () => {
    const k = setUp();
    await expectNothingWhilePrerendering(k);
    // The visitor goes elsewhere: the prerender is discarded. Once the other page's view has
    // arrived, anything the discarded page sent on its way out would have arrived too.
    go.set(k, `/pr/other-${k}`);
    await viewsAtLeast(1, 'the page view of the page shown instead', site + '-other');
    expect(marksOf(k, 'activated')).toEqual([]);
    expect(collector.received.filter((r) => r.body && r.body.includes(`"site":"${site}"`))).toEqual([]);
  });
});

describe('back/forward cache', () => {
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchBrowser([], ['--disable-back-forward-cache']);
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    collector.fault(null);
    await context.close();
  });

  /** Page a (leadbeam with `attrs`) links to page b; a records every pageshow. */
  async function openA(attrs = ''): Promise<Page> {
    // The static server's default no-store would itself keep the page out of the bfcache.
    const cacheable = { 'cache-control': 'no-cache' };
    server.page(`/bf/a-${seq}`, html(`${tag(attrs)}<script>window.__shows = []; addEventListener('pageshow', (e) => __shows.push(e.persisted));</script><a id="to-b" href="/bf/b-${seq}">b</a>`), cacheable);
    server.page(`/bf/b-${seq}`, html('<h1>b</h1>'), cacheable);
    const page = await context.newPage();
    await page.goto(`${server.url}/bf/a-${seq}`);
    return page;
  }
  async function toB(page: Page): Promise<void> {
    await Promise.all([page.waitForURL(`**/bf/b-${seq}`), page.click('#to-b')]);
  }
  /** Back to a: fails loudly, with Chromium's reasons, unless a came back from the bfcache. */
  async function back(page: Page): Promise<void> {
    await page.goBack({ waitUntil: 'commit' });
    const shows = await waitFor(() => page.evaluate(() => (window as any).__shows?.length && (window as any).__shows), 'pageshow on a');
    if (shows.length == 1) {
      const reasons = await page.evaluate(() => JSON.stringify((performance.getEntriesByType('navigation')[0] as any).notRestoredReasons));
      throw new Error('page a was reloaded, not restored from the back/forward cache: ' + reasons);
    }
    expect(shows).toEqual([false, true]);
  }

  it('leadbeam never makes a page ineligible for the back/forward cache', async () => {
    const page = await openA('data-cookies="always"');
    await viewsAtLeast(1, 'the first page view');
    await page.evaluate(() => (window as any).leadbeam('track', 'before_leaving'));
    await toB(page);
    await back(page);
  });

  it('a restore is a new page view with a new pv; engagement resumes; what was sent at pagehide is not sent again', async () => {
    const page = await openA();
    const [first] = await viewsAtLeast(1, 'the first page view');
    await page.evaluate(() => (window as any).leadbeam('track', 'before_leaving'));
    await toB(page);
    const before = (await waitFor(() => eventsOf(collector, site).find((e) => e.type == 'event'), 'the event flushed at pagehide')) as WireEvent;

    await back(page);
    const views = await viewsAtLeast(2, 'a page view for the restored page');
    expect(views[1]).toMatchObject({ url: first.url });
    expect(views[1].pv).not.toBe(first.pv);

    await page.evaluate(() => (window as any).leadbeam('track', 'after_restore'));
    await toB(page);
    const after = (await waitFor(() => (eventsOf(collector, site) as WireEvent[]).find((e) => e.name == 'after_restore'), 'the event tracked after the restore')) as WireEvent;
    expect(after.pv).toBe(views[1].pv);
    const engaged = await waitFor(() => (eventsOf(collector, site) as WireEvent[]).filter((e) => e.type == 'engage' && e.pv == views[1].pv)[0], 'engagement time of the restored page view');
    expect(engaged.ms).toBeGreaterThan(0);

    // Each event in exactly one request: the beacon at pagehide was not repeated after the restore.
    for (const e of [first, before, views[1], after]) expect(requestsWith(e.id), e.type).toBe(1);
    expect(pageViews()).toHaveLength(2);
  });

  it('a retry pending at pagehide completes after the restore; the copy stored at pagehide is erased, nothing is lost', async () => {
    let failing = true;
    collector.fault(({ body }) => (failing && body.includes(`"site":"${site}"`) ? { status: 503 } : undefined));
    const page = await openA('data-transport="fetch" data-cookies="always"');
    await waitFor(() => collector.received.some((r) => r.status == 503), 'the first page view to fail');
    await toB(page);
    // Page b (same origin) sees what a's pagehide stored for a later page.
    const stored = () => page.evaluate(() => Object.keys(localStorage).filter((key) => key.indexOf('_lb_q') == 0));
    expect((await stored()).length).toBeGreaterThan(0);

    failing = false;
    await back(page);
    // The page lives again and owns its queue: no copy for another page to send a second time.
    expect(await stored()).toEqual([]);
    const views = await viewsAtLeast(2, 'the failed page view (retried) and the restored one');
    expect(views[0].pv).not.toBe(views[1].pv);
    expect(await stored()).toEqual([]);
  });
});
