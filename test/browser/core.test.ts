// The core SDK in real Chromium: the built script tag (data attributes and
// stub queue), the ESM build in a page, SPA navigation, engagement, minimal
// mode — asserting what the reference collector received.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';
import { startCollector, type Collector } from '../../collector/src/server.mjs';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;

const STUB = 'window.leadbeam=window.leadbeam||function(){(leadbeam.q=leadbeam.q||[]).push(arguments)};';

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});
beforeEach(async (ctx) => {
  collector.reset();
  site = 'LB-' + ctx.task.name.replace(/[^a-z]/gi, '').slice(0, 40);
  context = await browser.newContext();
});
afterEach(async () => {
  await context.close();
});

// Each test uses its own site id: a page closed by the previous test may still
// deliver its last beacon (pagehide) after the collector was reset.
let site = '';
const batches = () => collector.batches.filter((b) => b.site == site);
const events = () => eventsOf(collector, site);
const ofType = (type: string) => events().filter((e) => e.type == type);

function html(head: string, body = '<h1>Pricing</h1>'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing</title>${head}</head><body>${body}</body></html>`;
}

describe('script tag', () => {
  it('data attributes alone send one schema-valid page view with every field', async () => {
    server.page('/tag.html', html(`<script async src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}"></script>`));
    const page = await context.newPage();
    const { errors } = watchPage(page);
    await page.goto(server.url + '/tag.html?utm_source=x&email=jan%40acme.nl');
    await waitFor(() => ofType('page').length == 1, 'page view');
    const [pv] = ofType('page');
    expect(pv).toMatchObject({
      type: 'page',
      url: server.url + '/tag.html?utm_source=x&email=redacted',
      title: 'Pricing',
      screen: expect.stringMatching(/^\d+x\d+$/),
      lang: expect.any(String),
    });
    expect(pv.id).toMatch(/^[\w-]{16}$/);
    expect(pv.pv).toMatch(/^[\w-]{16}$/);
    // cookies: 'consent' is the default: no consent yet, so no ids and no cookie.
    expect(pv.vid).toBeUndefined();
    expect(await context.cookies()).toEqual([]);
    expect(batches().length).toBe(1);
    expect(collector.received.every((r) => r.status && r.status < 300)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('stub queue: commands queued before load run in order, init wins over data attributes', async () => {
    server.page(
      '/stub.html',
      html(
        `<script>${STUB}leadbeam('track','before_init');leadbeam('init',{site:'${site}',endpoint:'${collector.url}'});leadbeam('track','queued',{plan:'pro'});</script>` +
          `<script async src="/dist/leadbeam.js" data-site="LB-TAG" data-endpoint="http://127.0.0.1:1/nowhere"></script>`,
      ),
    );
    const page = await context.newPage();
    await page.goto(server.url + '/stub.html');
    await waitFor(() => ofType('event').length == 2 && ofType('page').length == 1, 'page view and two events');
    expect(collector.batches.some((b) => b.site == 'LB-TAG')).toBe(false);
    expect(ofType('event').map((e) => e.name)).toEqual(['before_init', 'queued']);
    expect(ofType('event')[1].props).toEqual({ plan: 'pro' });
    // The global keeps the same call shape after load.
    await page.evaluate(() => (window as any).leadbeam('track', 'after_load'));
    await waitFor(() => ofType('event').some((e) => e.name == 'after_load'), 'event after load');
    // Everything of one page view shares its pv.
    expect(new Set(events().map((e) => e.pv)).size).toBe(1);
  });

  it('a bad first init does not disable tracking: it warns once each, and a later valid init starts normally', async () => {
    server.page(
      '/bad-init.html',
      html(
        `<script>${STUB}leadbeam('track','before_init');leadbeam('init','LB-NOT-AN-OBJECT');leadbeam('init',{site:''});leadbeam('init',{site:'${site}'});` +
          `leadbeam('init',{site:'${site}',endpoint:'http://collect.example.com/e'});</script>` +
          // the data attributes alone are unusable too (no endpoint)
          `<script async src="/dist/leadbeam.js" data-site="${site}"></script>`,
      ),
    );
    const page = await context.newPage();
    const { warnings } = watchPage(page);
    await page.goto(server.url + '/bad-init.html');
    await page.waitForFunction(() => (window as any).leadbeam && (window as any).leadbeam.v);
    await waitFor(() => warnings.some((w) => w.includes('endpoint must be https')), 'the endpoint warning');
    expect(warnings.filter((w) => w.includes('options must be an object')).length).toBe(1);
    expect(warnings.filter((w) => w.includes('"site" (1–64 characters) and "endpoint" are required')).length).toBe(1);
    expect(warnings.some((w) => w.includes('init called twice'))).toBe(false);
    expect(events()).toEqual([]);
    await page.evaluate((o) => (window as any).leadbeam('init', o), { site, endpoint: collector.url });
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'the page view and the queued event');
    expect(ofType('event')[0].name).toBe('before_init');
    await page.evaluate((o) => (window as any).leadbeam('init', o), { site, endpoint: collector.url });
    await waitFor(() => warnings.some((w) => w.includes('init called twice')), 'a second valid init warns');
  });

  it('queued page view and event leave in one request', async () => {
    server.page(
      '/one.html',
      html(`<script>${STUB}leadbeam('init',{site:'${site}',endpoint:'${collector.url}'});leadbeam('track','demo_booked');</script><script async src="/dist/leadbeam.js"></script>`),
    );
    const page = await context.newPage();
    await page.goto(server.url + '/one.html');
    await waitFor(() => events().length == 2, 'two events');
    expect(batches().length).toBe(1);
    expect(collector.received.filter((r) => r.method == 'OPTIONS')).toEqual([]);
  });

  it('loading the script twice does not double-track', async () => {
    const tag = `<script src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}"></script>`;
    server.page('/twice.html', html(tag + tag));
    const page = await context.newPage();
    await page.goto(server.url + '/twice.html');
    await waitFor(() => ofType('page').length == 1, 'page view');
    await page.evaluate(() => (window as any).leadbeam('track', 'marker'));
    await waitFor(() => ofType('event').length == 1, 'marker');
    expect(ofType('page').length).toBe(1);
  });

  it('invalid input warns once and never throws into the page', async () => {
    server.page('/bad.html', html(`<script src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}"></script>`));
    const page = await context.newPage();
    const { errors, warnings } = watchPage(page);
    await page.goto(server.url + '/bad.html');
    await waitFor(() => ofType('page').length == 1, 'page view');
    await page.evaluate(() => {
      const lb = (window as any).leadbeam;
      lb('track', '');
      lb('track', 'x'.repeat(65));
      lb('track', 'nested', { a: { b: 1 } });
      lb('track', 'nested', { a: { b: 1 } });
      lb('nope');
      lb('consent', 'maybe');
      lb('track', 'ok');
    });
    await waitFor(() => ofType('event').length == 1, 'valid event');
    expect(ofType('event')[0].name).toBe('ok');
    expect(errors).toEqual([]);
    expect(warnings.filter((w) => w.includes('[leadbeam] track:')).length).toBe(1);
    expect(warnings.some((w) => w.includes('unknown command') && w.includes('nope'))).toBe(true);
  });

  it('a plain-http endpoint off localhost is refused with a warning and nothing is sent', async () => {
    server.page('/insecure.html', html(`<script src="/dist/leadbeam.js" data-site="${site}" data-endpoint="http://collect.example.test:${collector.port}/e"></script>`));
    const page = await context.newPage();
    const { warnings } = watchPage(page);
    await page.goto(server.url + '/insecure.html');
    await waitFor(() => warnings.some((w) => w.includes('https')), 'warning');
    await page.evaluate(() => (window as any).leadbeam('flush'));
    expect(batches()).toEqual([]);
  });
});

describe('SPA and engagement', () => {
  it('one page view per route; none twice for the same URL; engage sent on route change and hide', async () => {
    server.page('/app/', html(`<script async src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}"></script>`));
    const page = await context.newPage();
    await page.goto(server.url + '/app/');
    await waitFor(() => ofType('page').length == 1, 'first page view');
    await page.evaluate(() => {
      history.pushState({}, '', '/app/pricing');
      document.title = 'Pricing page';
    });
    await waitFor(() => ofType('page').length == 2, 'second page view');
    await page.evaluate(() => {
      history.replaceState({ x: 1 }, '', '/app/pricing'); // same URL: no page view
      history.pushState({}, '', '/app/pricing'); // same URL again: no page view
      history.pushState({}, '', '/app/contact');
    });
    await waitFor(() => ofType('page').length == 3, 'third page view');
    await page.goBack();
    await waitFor(() => ofType('page').length == 4, 'popstate page view');
    const pages = ofType('page');
    expect(pages.map((p) => new URL(p.url!).pathname)).toEqual(['/app/', '/app/pricing', '/app/contact', '/app/pricing']);
    expect(pages[1]).toMatchObject({ title: 'Pricing page', ref: server.url + '/app/' });
    expect(new Set(pages.map((p) => p.pv)).size).toBe(4);
    // Engagement of the earlier page views, each tied to its pv.
    await page.evaluate(() => (window as any).leadbeam('flush'));
    await waitFor(() => ofType('engage').length >= 3, 'engage events');
    for (const e of ofType('engage')) {
      expect(pages.slice(0, 3).map((p) => p.pv)).toContain(e.pv);
      // Each span is part of this test's real run time (plausible, not 0 and not hours).
      expect(e.ms).toBeGreaterThan(0);
      expect(e.ms).toBeLessThan(30_000);
    }
    // Navigating away flushes the last page view's engagement.
    await page.goto(server.url + '/dist/schema.json');
    await waitFor(() => ofType('engage').some((e) => e.pv == pages[3].pv), 'engage of the last page view');
  });

  // Headless Chromium keeps every page 'visible' (checked on Chromium 156: minimizing the window,
  // another tab in front, window.open, CDP Page.setWebLifecycleState frozen, focus emulation off;
  // and CDP has no visibility command), so the page's visibilityState is set by script here, as a
  // real hide would set it, and time runs on Playwright's fake clock: exact visible spans, no sleeping.
  it('engage.ms is the visible time of its page view, within a few ms; 20 s hidden are left out', async () => {
    server.page('/eng/', html(`<script async src="/dist/leadbeam.js" data-site="${site}" data-batch-ms="50" data-endpoint="${collector.url}"></script>`));
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(server.url + '/eng/');
    await waitFor(() => ofType('page').length == 1, 'first page view');
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
    const setHidden = (hidden: boolean) =>
      page.evaluate((hidden) => {
        if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
        else delete (document as { visibilityState?: unknown }).visibilityState; // back to the real 'visible'
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    // The page view being measured starts at this route change.
    await page.evaluate(() => history.pushState({}, '', '/eng/measured'));
    await page.clock.runFor(1);
    await waitFor(() => ofType('page').length == 2, 'the measured page view');
    const pv = ofType('page')[1].pv;
    await page.clock.runFor(3000); // visible 3 s
    await setHidden(true);
    await page.clock.runFor(20_000); // hidden 20 s
    await setHidden(false);
    await page.clock.runFor(2000); // visible 2 s
    await page.evaluate(() => history.pushState({}, '', '/eng/next'));
    await page.clock.runFor(100);
    const spans = () => ofType('engage').filter((e) => e.pv == pv).map((e) => e.ms!);
    await waitFor(() => spans().length == 2, 'both engage events of the measured page view');
    const [beforeHide, afterShow] = spans();
    expect(beforeHide).toBeGreaterThanOrEqual(3000);
    expect(beforeHide).toBeLessThanOrEqual(3010);
    expect(afterShow).toBeGreaterThanOrEqual(2000);
    expect(afterShow).toBeLessThanOrEqual(2010);
  });

  it('minimal mode sends only type, id, ts and pv', async () => {
    server.page('/min.html', html(`<script async src="/dist/leadbeam.js" data-site="${site}" data-minimal data-endpoint="${collector.url}"></script>`));
    const page = await context.newPage();
    await page.goto(server.url + '/min.html');
    await page.evaluate(() => (window as any).leadbeam('track', 'x', { a: 1 }));
    await waitFor(() => events().length == 2, 'two events');
    for (const e of events()) expect(Object.keys(e).sort()).toEqual(['id', 'pv', 'ts', 'type']);
  });
});

describe('npm build', () => {
  it('the ESM entry works in a page: createTracker, page view and a custom event arrive schema-valid', async () => {
    server.page(
      '/esm.html',
      html(`<script type="module">
import { createTracker } from '/dist/leadbeam.mjs';
const t = createTracker({ site: '${site}', endpoint: '${collector.url}', batchMs: 50 });
t.track('demo_booked', { plan: 'pro' });
window.__t = t;
</script>`),
    );
    const page = await context.newPage();
    await page.goto(server.url + '/esm.html');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
    expect(ofType('event')[0]).toMatchObject({ name: 'demo_booked', props: { plan: 'pro' } });
    expect(batches().length).toBeGreaterThan(0);
  });
});
