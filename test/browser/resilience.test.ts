// Hostile environments in real Chromium: network APIs missing, replaced or
// throwing; routers wrapping history; polluted prototypes; cookies and storage
// blocked; no crypto; DOM getters that throw; odd ways of loading the script;
// and the main thread (passive listeners, no sync XHR, no long task).
//
// Each test asserts three things: no uncaught error in any frame, the page's
// own code still works, and events still arrive wherever delivery is possible.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { eventsOf, CHROMIUM, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';
import { startCollector, type Collector } from '../../collector/src/server.mjs';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});
beforeEach(async (ctx) => {
  // The counter keeps a retried test's site apart from its first attempt.
  site = `LB-R${++runs}-` + ctx.task.name.replace(/[^a-z]/gi, '').slice(0, 50);
  context = await browser.newContext();
  await context.addInitScript(CAPTURE);
});
afterEach(async () => {
  await context.close();
});

// Each test uses its own site id: a page closed by an earlier test may still
// deliver a late beacon.
let site = '';
let runs = 0;
const mine = () => collector.batches.filter((b) => b.site == site);
const events = () => eventsOf(collector, site);
const ofType = (type: string) => events().filter((e) => e.type == type);
/** Every request that carried this test's site was accepted (so every batch was schema-valid). */
const allAccepted = () => collector.received.filter((r) => r.body && r.body.includes(`"${site}"`)).every((r) => r.status != null && r.status < 300);

/** Runs in every frame before any page script: records uncaught errors and unhandled rejections. */
const CAPTURE = `window.__errors = [];
addEventListener('error', (e) => __errors.push('error: ' + e.message));
addEventListener('unhandledrejection', (e) => __errors.push('unhandled rejection: ' + String(e.reason)));`;

/** The page's own code, after our tag: it must keep working. */
const OWN = `<script>window.own = () => 42;</script>`;

function html(head: string, body = '<h1>Pricing</h1>'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing</title>${head}</head><body>${body}</body></html>`;
}
const tag = (attrs = '', src = '/dist/leadbeam.js') =>
  `<script src="${src}" data-site="${site}" data-endpoint="${collector.url}" data-batch-ms="50" ${attrs}></script>`;

/** Opens `head` (+ OWN) at a fresh path, after `hostile` ran in every frame. */
async function open(head: string, hostile = '', body?: string): Promise<{ page: Page; errors: string[]; warnings: string[] }> {
  const path = `/${site}.html`;
  server.page(path, html(head + OWN, body));
  const page = await context.newPage();
  if (hostile) await page.addInitScript(hostile);
  const watched = watchPage(page);
  await page.goto(server.url + path);
  return { page, ...watched };
}

/** No uncaught error anywhere (page errors and every frame's own record), and the page's code still answers. */
async function expectHealthy(page: Page, errors: string[]): Promise<void> {
  for (const frame of page.frames()) expect(await frame.evaluate(() => (window as any).__errors)).toEqual([]);
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => (window as any).own())).toBe(42);
}

const lb = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as any).leadbeam(...a), args);

describe('network APIs', () => {
  it('fetch missing: page views and events still arrive (by beacon)', async () => {
    const { page, errors } = await open(tag(), 'delete window.fetch;');
    await lb(page, 'track', 'after_load');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
    expect(await page.evaluate(() => typeof (window as any).fetch)).toBe('undefined');
    await expectHealthy(page, errors);
  });

  it('fetch replaced by a throwing function: events still arrive, the replacement is kept', async () => {
    const { page, errors } = await open(tag(), `window.fetch = function () { throw new TypeError('blocked by policy'); };`);
    await lb(page, 'track', 'after_load');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
    expect(await page.evaluate(() => String(window.fetch).includes('blocked by policy'))).toBe(true);
    await expectHealthy(page, errors);
  });

  it('fetch wrapped by the page (as APM tools do): our requests go through it and arrive', async () => {
    const { page, errors } = await open(
      tag(),
      `const f = window.fetch; window.__fetches = 0; window.fetch = function (...a) { window.__fetches++; return f.apply(this, a); };`,
    );
    await waitFor(() => ofType('page').length == 1, 'page view');
    expect(await page.evaluate(() => (window as any).__fetches)).toBeGreaterThan(0);
    await expectHealthy(page, errors);
  });

  it('fetch rejecting (a broken polyfill): retried, then sent by beacon when the page is hidden', async () => {
    const { page, errors } = await open(tag(), `window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));`);
    await page.waitForFunction(() => typeof (window as any).leadbeam == 'function');
    await lb(page, 'track', 'before_hide');
    // Hidden: everything pending leaves by sendBeacon.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
    await expectHealthy(page, errors);
  });

  it('sendBeacon missing or throwing, transport beacon: falls back to fetch keepalive', async () => {
    const { page, errors } = await open(tag('data-transport="beacon"'), `delete Navigator.prototype.sendBeacon;`);
    await lb(page, 'track', 'x');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event (no sendBeacon)');
    await expectHealthy(page, errors);

    site += '-throws';
    const second = await open(tag('data-transport="beacon"'), `Navigator.prototype.sendBeacon = () => { throw new Error('nope'); };`);
    await lb(second.page, 'track', 'x');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event (throwing sendBeacon)');
    await expectHealthy(second.page, second.errors);
  });

  it('sendBeacon throwing on unload: pagehide hands the events to fetch keepalive', async () => {
    const { page, errors } = await open(tag('data-batch-ms="60000"'), `Navigator.prototype.sendBeacon = () => { throw new Error('nope'); };`);
    await waitFor(() => ofType('page').length == 1, 'page view');
    await lb(page, 'track', 'pending_at_unload');
    await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide')));
    await waitFor(() => ofType('event').length == 1, 'event sent on pagehide');
    await expectHealthy(page, errors);
  });

  it('fetch and sendBeacon both missing: nothing can be sent, nothing breaks; the image transport still works', async () => {
    const hostile = `delete window.fetch; delete Navigator.prototype.sendBeacon;`;
    const { page, errors } = await open(tag(), hostile);
    await lb(page, 'track', 'x');
    await lb(page, 'flush');
    await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide')));
    await expectHealthy(page, errors);
    expect(mine()).toEqual([]);

    site += '-image';
    const second = await open(tag('data-transport="image"'), hostile);
    await lb(second.page, 'track', 'x');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event by image');
    await expectHealthy(second.page, second.errors);
  });
});

describe('history', () => {
  it('a router wrapped pushState before us and another wraps it after us: every wrapper runs, return values pass through', async () => {
    const before = `<script>
      window.calls = [];
      const push = history.pushState;
      history.pushState = function (...a) { calls.push('router-before'); push.apply(this, a); return 'router-result'; };
    </script>`;
    const after = `<script>
      const push2 = history.pushState;
      history.pushState = function (...a) { const r = push2.apply(this, a); calls.push('after-us'); return r; };
    </script>`;
    const { page, errors } = await open(before + tag() + after);
    await waitFor(() => ofType('page').length == 1, 'first page view');
    const result = await page.evaluate(() => history.pushState({}, '', '/routed'));
    expect(result).toBe('router-result');
    await waitFor(() => ofType('page').length == 2, 'route change page view');
    expect(new URL(ofType('page')[1].url!).pathname).toBe('/routed');
    expect(await page.evaluate(() => (window as any).calls)).toEqual(['router-before', 'after-us']);
    // The page's own history state is intact.
    await page.evaluate(() => history.replaceState({ mine: 1 }, '', '/routed-2'));
    expect(await page.evaluate(() => history.state)).toEqual({ mine: 1 });
    await waitFor(() => ofType('page').length == 3, 'replaceState page view');
    await expectHealthy(page, errors);
  });

  it('a router whose pushState throws: its error reaches the router, tracking goes on', async () => {
    const router = `<script>history.pushState = function () { throw new Error('router says no'); };</script>`;
    const { page, errors } = await open(router + tag());
    await waitFor(() => ofType('page').length == 1, 'page view');
    // We wrapped the router's pushState: its own error must still reach its caller, unchanged.
    expect(await page.evaluate(() => { try { history.pushState({}, '', '/x'); } catch (e) { return String(e); } })).toBe('Error: router says no');
    await lb(page, 'track', 'still_tracking');
    await waitFor(() => ofType('event').length == 1, 'event');
    await expectHealthy(page, errors);
  });
});

describe('polluted prototypes', () => {
  it('Array.prototype.toJSON (the Prototype.js problem): batches stay valid JSON of the wire format', async () => {
    // Prototype.js made JSON.stringify([1]) return the string "[1]".
    const hostile = `Object.defineProperty(Array.prototype, 'toJSON', { configurable: true, writable: true,
      value: function () { return '[' + Array.prototype.map.call(this, (x) => JSON.stringify(x)).join(',') + ']'; } });`;
    const { page, errors } = await open(tag(), hostile);
    expect(await page.evaluate(() => JSON.stringify([1]))).toBe('"[1]"');
    await lb(page, 'track', 'x', { plan: 'pro' });
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
    expect(ofType('event')[0].props).toEqual({ plan: 'pro' });
    expect(allAccepted()).toBe(true);
    await expectHealthy(page, errors);
  });

  it('enumerable junk on Object.prototype and Array.prototype: no unknown field leaks into an event', async () => {
    const hostile = `Object.prototype.polluted = 'x'; Array.prototype.unique = function () { return this; };`;
    const { page, errors } = await open(tag('data-cookies="always"'), hostile);
    await lb(page, 'track', 'x', { plan: 'pro' });
    await lb(page, 'form', 'jan@acme.nl');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1 && ofType('form').length == 1, 'page, event and form');
    expect(allAccepted()).toBe(true);
    for (const e of events()) expect(Object.keys(e)).not.toContain('polluted');
    await expectHealthy(page, errors);
  });

  it('JSON.stringify and Array.prototype methods monkey-patched (pass-through wrappers): still delivered', async () => {
    const hostile = `const s = JSON.stringify; window.__stringify = 0; JSON.stringify = function (...a) { __stringify++; return s.apply(this, a); };
      for (const m of ['map', 'forEach', 'slice', 'filter', 'push', 'splice', 'some']) { const f = Array.prototype[m]; Array.prototype[m] = function (...a) { return f.apply(this, a); }; }`;
    const { page, errors } = await open(tag(), hostile);
    await lb(page, 'track', 'x');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
    expect(await page.evaluate(() => (window as any).__stringify)).toBeGreaterThan(0);
    await expectHealthy(page, errors);
  });
});

describe('storage and randomness', () => {
  it('cookies blocked in the browser settings (document.cookie ignored, localStorage throws): tracked cookieless', async () => {
    // A real Chromium content setting, not a stub: it needs its own profile, so its own browser.
    const dir = mkdtempSync(join(tmpdir(), 'leadbeam-nocookies-'));
    mkdirSync(join(dir, 'Default'));
    writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }));
    const blocked = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      await blocked.addInitScript(CAPTURE);
      const path = `/${site}.html`;
      server.page(path, html(tag('data-cookies="always"') + OWN));
      const page = await blocked.newPage();
      const { errors } = watchPage(page);
      await page.goto(server.url + path);
      expect(await page.evaluate(() => { try { return typeof localStorage; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
      await lb(page, 'consent', 'granted');
      await lb(page, 'track', 'x');
      await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide'))); // tries to persist the queue
      await waitFor(() => ofType('page').length == 1 && ofType('event').length == 1, 'page view and event');
      // The cookies never took: no ids on the wire.
      for (const e of events()) expect(e.vid).toBeUndefined();
      expect(await page.evaluate(() => document.cookie)).toBe('');
      await expectHealthy(page, errors);
    } finally {
      await blocked.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('localStorage throwing on write (quota) and on read: events still go, nothing surfaces', async () => {
    const hostile = `Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };
      Storage.prototype.getItem = function () { throw new DOMException('denied', 'SecurityError'); };`;
    const { page, errors } = await open(tag('data-cookies="always" data-batch-ms="60000"'), hostile);
    await waitFor(() => ofType('page').length == 1, 'page view');
    expect(ofType('page')[0].vid).toMatch(/^[\w-]{22}$/);
    await lb(page, 'track', 'pending');
    // Going away: sends by beacon, then tries to persist what is left.
    await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide')));
    await waitFor(() => ofType('event').length == 1, 'event');
    await expectHealthy(page, errors);
  });

  it('crypto.getRandomValues missing: ids fall back (warned once) and stay schema-valid', async () => {
    const { page, errors, warnings } = await open(tag('data-cookies="always"'), `Object.defineProperty(Crypto.prototype, 'getRandomValues', { value: undefined });`);
    await lb(page, 'track', 'x');
    await lb(page, 'track', 'y');
    await waitFor(() => ofType('page').length == 1 && ofType('event').length == 2, 'page view and events');
    expect(allAccepted()).toBe(true);
    const ids = events().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ofType('page')[0].vid).toMatch(/^[\w-]{22}$/);
    expect(warnings.filter((w) => w.includes('[leadbeam] crypto.getRandomValues')).length).toBe(1);
    await expectHealthy(page, errors);
  });
});

describe('DOM getters that throw', () => {
  it('document.title, document.referrer and navigator.language throwing: the page view still arrives', async () => {
    const hostile = `for (const [o, k] of [[Document.prototype, 'title'], [Document.prototype, 'referrer'], [Navigator.prototype, 'language']])
      Object.defineProperty(o, k, { configurable: true, get() { throw new Error('getter ' + k); } });`;
    const { page, errors } = await open(tag(), hostile);
    await waitFor(() => ofType('page').length == 1, 'page view');
    expect(ofType('page')[0].title).toBeUndefined();
    expect(allAccepted()).toBe(true);
    await lb(page, 'track', 'x');
    await waitFor(() => ofType('event').length == 1, 'event');
    await expectHealthy(page, errors);
  });

  it('a stub queue that is not an array, and a global that cannot be replaced: no error escapes', async () => {
    const head = `<script>window.leadbeam = function () {}; window.leadbeam.q = { some: 1, forEach: 2 };</script>` + tag();
    const { page, errors } = await open(head);
    await expectHealthy(page, errors);

    site += '-frozen';
    const frozen = `<script>Object.defineProperty(window, 'leadbeam', { value: function () {}, writable: false });</script>` + tag();
    const second = await open(frozen);
    await expectHealthy(second.page, second.errors);
  });
});

describe('loading', () => {
  it('the script loaded twice (plain and CMP build, sync and async): one page view, one tracker', async () => {
    const { page, errors } = await open(tag() + tag('async') + tag('', '/dist/leadbeam.cmp.js'));
    await waitFor(() => ofType('page').length == 1, 'page view');
    await lb(page, 'track', 'marker');
    await waitFor(() => ofType('event').length == 1, 'marker');
    await page.waitForLoadState('load');
    await lb(page, 'flush');
    expect(ofType('page').length).toBe(1);
    expect(ofType('event').length).toBe(1);
    await expectHealthy(page, errors);
  });

  it('with defer, and injected late after load', async () => {
    const { page, errors } = await open(tag('defer'));
    await waitFor(() => ofType('page').length == 1, 'deferred page view');
    await expectHealthy(page, errors);

    site += '-late';
    const inject = `<script>addEventListener('load', () => setTimeout(() => {
      const s = document.createElement('script');
      s.src = '/dist/leadbeam.js'; s.dataset.site = ${JSON.stringify(site)}; s.dataset.endpoint = ${JSON.stringify(collector.url)};
      document.head.append(s);
    }, 10));</script>`;
    const late = await open(inject);
    await waitFor(() => ofType('page').length == 1, 'late page view');
    expect(await late.page.evaluate(() => document.readyState)).toBe('complete');
    await expectHealthy(late.page, late.errors);
  });

  it('in a same-origin iframe: the frame tracks its own URL', async () => {
    const frame = `/${site}-frame.html`;
    server.page(frame, html(tag()));
    const { page, errors } = await open('', '', `<iframe src="${frame}"></iframe>`);
    await waitFor(() => ofType('page').length == 1, 'page view from the frame');
    expect(new URL(ofType('page')[0].url!).pathname).toBe(frame);
    await expectHealthy(page, errors);
  });

  it('in a sandboxed iframe (opaque origin: document.cookie and localStorage throw): tracked cookieless', async () => {
    const frame = `/${site}-sandboxed.html`;
    server.page(frame, html(tag('data-cookies="always"') + `<script>window.frameOwn = () => 7;</script>`));
    const { page, errors } = await open('', '', `<iframe sandbox="allow-scripts" src="${frame}"></iframe>`);
    await waitFor(() => ofType('page').length == 1, 'page view from the sandboxed frame');
    const f = page.frames().find((x) => x.url().endsWith(frame))!;
    expect(await f.evaluate(() => { try { return document.cookie; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
    expect(await f.evaluate(() => (window as any).frameOwn())).toBe(7);
    await f.evaluate(() => (window as any).leadbeam('consent', 'granted'));
    await f.evaluate(() => (window as any).leadbeam('track', 'in_sandbox'));
    await f.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide')));
    await waitFor(() => ofType('event').length == 1, 'event from the sandboxed frame');
    for (const e of events()) expect(e.vid).toBeUndefined();
    await expectHealthy(page, errors);
  });
});

describe('bad input in the page', () => {
  it('the global fed ~4 000 hostile calls: nothing thrown, every batch accepted, tracking goes on', async () => {
    const { page, errors, warnings } = await open(tag());
    await waitFor(() => ofType('page').length == 1, 'page view');
    const thrown = await page.evaluate(() => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const fail = () => {
        throw new Error('trap');
      };
      const proxy = new Proxy({}, { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail });
      const values: unknown[] = [
        undefined, null, 0, NaN, -Infinity, '', 'x'.repeat(1_000_000), 'jan@' + 'a'.repeat(100_000) + '.nl', Symbol('s'),
        () => 'granted', [], ['granted'], {}, cyclic, proxy, Object.create(null), new Date(), document, window,
        { toString: () => 'granted', valueOf: () => 'granted' }, new String('granted'), { a: { b: 1 } }, BigInt(1),
      ];
      const names: unknown[] = ['init', 'page', 'track', 'consent', 'form', 'optOut', 'flush', 'nope', 'hasOwnProperty', '__proto__', 'constructor', ...values];
      let count = 0;
      for (const name of names)
        for (const a of values)
          for (const b of [undefined, values[7], values[13], values[14], values[20]]) {
            try {
              (window as any).leadbeam(name, a, b);
            } catch {
              count++;
            }
          }
      return count;
    });
    expect(thrown).toBe(0);
    await lb(page, 'optIn');
    await lb(page, 'track', 'after_fuzz', { ok: true });
    await waitFor(() => ofType('event').some((e) => e.name == 'after_fuzz'), 'event after the fuzz');
    expect(allAccepted()).toBe(true);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(20); // rate-limited: the console is not flooded
    await expectHealthy(page, errors);
  });
});

describe('main thread', () => {
  it('every listener leadbeam adds is passive, and it never opens a synchronous XHR', async () => {
    const spy = `window.__listeners = [];
      const add = EventTarget.prototype.addEventListener;
      EventTarget.prototype.addEventListener = function (type, fn, opts) {
        if (/leadbeam\\.js/.test(new Error().stack || '')) __listeners.push({ type, passive: !!(opts && opts.passive) });
        return add.call(this, type, fn, opts);
      };
      window.__syncXhr = 0;
      const open = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (m, u, async) { if (async === false) __syncXhr++; return open.apply(this, arguments); };`;
    const form = `<form id="f"><input type="email" name="email" value="jan@acme.nl"><button>go</button></form>`;
    const { page, errors } = await open(tag('data-hash-routing'), spy, form);
    await waitFor(() => ofType('page').length == 1, 'page view');
    await page.evaluate(() => document.querySelector('form')!.addEventListener('submit', (e) => e.preventDefault()));
    await page.click('button');
    await waitFor(() => ofType('form').length == 1, 'form event');
    await page.evaluate(() => history.pushState({}, '', '/next'));
    await waitFor(() => ofType('page').length == 2, 'route page view');
    const listeners: { type: string; passive: boolean }[] = await page.evaluate(() => (window as any).__listeners);
    expect(listeners.map((l) => l.type)).toEqual(expect.arrayContaining(['pagehide', 'visibilitychange', 'popstate', 'hashchange', 'online', 'submit', 'click']));
    expect(listeners.filter((l) => !l.passive)).toEqual([]);
    expect(await page.evaluate(() => (window as any).__syncXhr)).toBe(0);
    await expectHealthy(page, errors);
  });

  /** Long tasks (> 50 ms) of the page, and the long frames with the scripts that ran in them (for the report). */
  const LONGTASKS = `window.__long = []; window.__frames = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) __long.push([e.startTime, Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((l) => { for (const e of l.getEntries()) __frames.push([e.startTime, Math.round(e.duration),
      e.scripts.map((s) => s.invokerType + ' ' + s.invoker.slice(-60) + ' ' + Math.round(s.duration) + 'ms')]); }).observe({ type: 'long-animation-frame', buffered: true });`;
  /** Durations of the long tasks that started after `since` (page load itself is not ours to judge), with the long frames around them. */
  async function expectNoLongTask(page: Page, since: number): Promise<void> {
    const [long, frames] = await page.evaluate((t) => [(window as any).__long, (window as any).__frames].map((l) => l.filter(([start]: number[]) => start >= t)), since);
    expect(long.map(([, d]: number[]) => d), 'long tasks; long frames: ' + JSON.stringify(frames)).toEqual([]);
  }
  const now = (page: Page): Promise<number> => page.evaluate(() => performance.now());

  // Wall-clock task lengths: on a loaded 2-core machine another process can stretch one of our
  // ~5 ms tasks past 50 ms, so a failure is retried once (a real regression fails both times).
  it('1 000 events held for consent, then granted: no long task', { retry: 1 }, async () => {
    const { page, errors } = await open(tag('data-require-consent data-max-queue="2000" data-max-queue-bytes="2000000"'), LONGTASKS);
    await page.waitForFunction(() => typeof (window as any).leadbeam == 'function');
    const since = await now(page);
    // The page's own burst (100 calls per task, the way real pages produce events): each call is cheap.
    for (let i = 0; i < 10; i++) await page.evaluate((k) => { for (let j = 0; j < 100; j++) (window as any).leadbeam('track', 'e' + (k * 100 + j), { k, j }); }, i);
    // The grant: 1 000 held events are decorated with the new ids and sent, in chunks.
    await lb(page, 'consent', 'granted');
    await waitFor(() => ofType('event').length == 1000, '1000 events', 30_000);
    expect(ofType('page').length).toBe(1);
    expect(ofType('event').every((e) => e.vid)).toBe(true);
    await expectNoLongTask(page, since);
    await expectHealthy(page, errors);
  });

  it('1 000 events while offline, then online: all delivered, no long task', { retry: 1 }, async () => {
    const { page, errors } = await open(tag('data-max-queue="2000" data-max-queue-bytes="2000000"'), LONGTASKS);
    await waitFor(() => ofType('page').length == 1, 'page view');
    const since = await now(page);
    await context.setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    for (let i = 0; i < 10; i++) await page.evaluate((k) => { for (let j = 0; j < 100; j++) (window as any).leadbeam('track', 'e' + (k * 100 + j), { k, j }); }, i);
    await context.setOffline(false);
    await waitFor(() => ofType('event').length == 1000, '1000 events', 30_000);
    await expectNoLongTask(page, since);
    await expectHealthy(page, errors);
  });
});
