// Real routers from npm in real Chromium: each history pattern gives exactly
// the page views a person would count (README › Page views).
// - vue-router 4 on Vue 3 and React Router 7 on React 19: small apps in
//   test/fixtures/routers/, bundled here with esbuild, using leadbeam's npm build.
// - Next.js 15 (App Router): examples/next-ssr itself, built once with
//   `next build` (into its git-ignored .next/) and served with `next start`.
// Each "no page view" step is proven by a later event: delivery keeps queue
// order, so a page view emitted by the step would have arrived before it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector, type WireEvent } from '../../collector/src/server.mjs';
import { eventsOf, launchBrowser, ROOT, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;
let page: Page;
let watched: ReturnType<typeof watchPage>;
let site = '';
/** requireConsent for the app shells of the current test. */
let strict = false;
const bundles: Record<string, string> = {};

const events = (): WireEvent[] => eventsOf(collector, site);
const pageUrls = () => events().filter((e) => e.type == 'page').map((e) => new URL(e.url!).pathname + new URL(e.url!).search);
const named = (name: string) => events().filter((e) => e.type == 'event' && e.name == name);

const NEXT_SITE = 'LB-next';
let next: ChildProcess | undefined;
let nextUrl = '';
let nextBuilt: Promise<void>;
let nextLog = '';

/** Runs `next <args>` in examples/next-ssr; resolves when `ready` says so (or, without it, on exit 0). */
function runNext(args: string[], env: Record<string, string>, ready?: (log: string) => boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/next/dist/bin/next'), ...args, join(ROOT, 'examples/next-ssr')], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      nextLog += d;
      if (ready && ready(nextLog)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => (code === 0 && !ready ? resolve(child) : reject(new Error(`next ${args[0]} exited ${code}:\n${nextLog.slice(-3000)}`))));
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function bundle(name: string, entry: string): Promise<void> {
  const out = await build({
    entryPoints: [join(ROOT, 'test/fixtures/routers', entry)],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    jsx: 'automatic',
    write: false,
    logLevel: 'silent',
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    // leadbeam as an app gets it from npm: the package's ESM build.
    alias: { leadbeam: join(ROOT, 'dist/leadbeam.mjs') },
  });
  bundles[name] = out.outputFiles[0].text;
}

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
  // The Next.js build runs while the vue-router and React Router tests do; its describe awaits it.
  nextBuilt = runNext(['build'], { NEXT_PUBLIC_LEADBEAM_ENDPOINT: collector.url, NEXT_PUBLIC_LEADBEAM_SITE: NEXT_SITE }).then(() => undefined);
  nextBuilt.catch(() => undefined);
  await Promise.all([bundle('vue', 'vue-app.ts'), bundle('rr', 'react-router-app.tsx')]);
  // /vue/… and /rr/…: the app's HTML shell for every route (as a history-API app is served), with this test's options.
  server.route((req, res) => {
    const path = (req.url || '/').split('?')[0];
    const app = /^\/(vue|rr)(\/|$)/.exec(path)?.[1];
    if (!app) return false;
    if (path == `/${app}/app.js`) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(bundles[app]);
      return true;
    }
    const options = JSON.stringify({ site, endpoint: collector.url, requireConsent: strict });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><title>${app}</title><div id="app"></div><script>LB=${options}</script><script src="/${app}/app.js"></script>`);
    return true;
  });
}, 120_000);

afterAll(async () => {
  next?.kill();
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});

beforeEach(async (ctx) => {
  site = 'LB-' + ctx.task.name.replace(/[^a-z]/gi, '').slice(0, 40);
  strict = false;
  context = await browser.newContext();
  page = await context.newPage();
  watched = watchPage(page);
});

afterEach(async () => {
  expect(watched.errors).toEqual([]);
  await context.close();
});

/**
 * After what the page did so far (the route timer leadbeam set runs before this
 * later one), sends a custom event and waits for it: every page view the steps
 * before it produced has arrived by then.
 */
async function checkpoint(n: number): Promise<void> {
  await page.evaluate(async (n) => {
    await new Promise((r) => setTimeout(r));
    window.app.tracker.track('checkpoint', { n });
    window.app.tracker.flush();
  }, n);
  await waitFor(() => named('checkpoint').some((e) => e.props!.n == n), `checkpoint ${n}`);
}

describe('plain history API, hashRouting', () => {
  it('with hashRouting the route path lives in the hash: replaceState to #/search?q=… is none, to #/pricing one', async () => {
    server.page(
      '/hash.html',
      `<!doctype html><title>hash</title><script type="module">
        import { createTracker } from '/dist/leadbeam.mjs';
        window.app = { tracker: createTracker({ site: '${site}', endpoint: '${collector.url}', hashRouting: true }) };
      </script>`,
    );
    await page.goto(server.url + '/hash.html#/search');
    await waitFor(() => pageUrls().length == 1, 'landing page view');
    for (const q of ['a', 'ac']) await page.evaluate((q) => history.replaceState(null, '', '#/search?q=' + q), q);
    await checkpoint(1);
    expect(events().filter((e) => e.type == 'page').map((e) => new URL(e.url!).hash)).toEqual(['#/search']);
    await page.evaluate(() => history.replaceState(null, '', '#/pricing'));
    await waitFor(() => pageUrls().length == 2, 'redirect page view');
    expect(events().filter((e) => e.type == 'page').map((e) => new URL(e.url!).hash)).toEqual(['#/search', '#/pricing']);
  });
});

describe('vue-router 4 (Vue 3)', () => {
  const open = async (path: string) => {
    await page.goto(server.url + '/vue' + path);
    await waitFor(() => page.evaluate(() => !!window.app && window.app.router.isReady().then(() => true)), 'router ready');
  };

  it('router.push (replaceState of the current URL, then pushState) is one page view; a <RouterLink> click is one', async () => {
    await open('/');
    await waitFor(() => pageUrls().length == 1, 'landing page view');
    // vue-router's push: history.replaceState(current URL + scroll position), then history.pushState(new URL).
    const calls = await page.evaluate(async () => {
      const seen: string[] = [];
      for (const m of ['pushState', 'replaceState'] as const) {
        const f = history[m];
        history[m] = function (this: History, ...a: any[]) {
          seen.push(m + ' ' + new URL(a[2], location.href).pathname);
          return f.apply(this, a as any);
        };
      }
      await window.app.router.push('/search');
      return seen;
    });
    expect(calls).toEqual(['replaceState /vue/', 'pushState /vue/search']);
    await checkpoint(1);
    expect(pageUrls()).toEqual(['/vue/', '/vue/search']);
    await page.click('#pricing-link');
    await waitFor(() => pageUrls().length == 3, 'link page view');
    await checkpoint(2);
    expect(pageUrls()).toEqual(['/vue/', '/vue/search', '/vue/pricing']);
  });

  it('router.replace with a new query only (search as you type) is no page view, and sends no engage event', async () => {
    await open('/search');
    await waitFor(() => pageUrls().length == 1, 'landing page view');
    for (const q of ['a', 'ac', 'acm', 'acme']) await page.evaluate((q) => window.app.router.replace({ query: { q } }), q);
    expect(await page.evaluate(() => location.search)).toBe('?q=acme');
    await checkpoint(1);
    expect(pageUrls()).toEqual(['/vue/search']);
    expect(events().filter((e) => e.type == 'engage')).toEqual([]);
    // A new path by replace is a redirect: it counts.
    await page.evaluate(() => window.app.router.replace('/pricing'));
    await waitFor(() => pageUrls().length == 2, 'redirect page view');
    expect(pageUrls()).toEqual(['/vue/search', '/vue/pricing']);
  });

  it('back (popstate) to a different URL is one page view; to the same URL (a #fragment entry) none', async () => {
    await open('/');
    await waitFor(() => pageUrls().length == 1, 'landing page view');
    await page.evaluate(() => window.app.router.push('/pricing'));
    await waitFor(() => pageUrls().length == 2, 'push page view');
    await page.evaluate(() => window.app.router.back());
    await waitFor(() => pageUrls().length == 3, 'popstate page view');
    expect(await page.evaluate(() => location.pathname)).toBe('/vue/');
    // A #fragment entry: pushing it and going back both leave the scrubbed URL (no hash) as it was.
    await page.evaluate(() => window.app.router.push({ hash: '#details' }));
    await page.evaluate(() => new Promise((r) => (addEventListener('popstate', r, { once: true }), window.app.router.back())));
    expect(await page.evaluate(() => location.hash)).toBe('');
    await checkpoint(1);
    expect(pageUrls()).toEqual(['/vue/', '/vue/pricing', '/vue/']);
  });

  it('strict consent: the initial redirect (/old-pricing → /pricing, replaceState) rewrites the held landing page view; one page view, /pricing, on grant', async () => {
    strict = true;
    await open('/old-pricing');
    expect(await page.evaluate(() => location.pathname)).toBe('/vue/pricing');
    await page.evaluate(() => new Promise((r) => setTimeout(r)));
    await page.evaluate(() => window.app.tracker.consent('granted'));
    await waitFor(() => pageUrls().length >= 1, 'page view after grant');
    await checkpoint(1);
    expect(pageUrls()).toEqual(['/vue/pricing']);
    // After it has left, a redirect is a page view of its own.
    await page.evaluate(() => window.app.router.replace('/search'));
    await waitFor(() => pageUrls().length == 2, 'later redirect page view');
    expect(pageUrls()).toEqual(['/vue/pricing', '/vue/search']);
  });
});

describe('React Router 7 (React 19)', () => {
  const open = async (path: string) => {
    await page.goto(server.url + '/rr' + path);
    await waitFor(() => page.evaluate(() => !!window.app?.navigate), 'router rendered');
  };

  it('<Link> and navigate() are one page view each; navigate(-1) (popstate) one', async () => {
    await open('/');
    await waitFor(() => pageUrls().length == 1, 'landing page view');
    await page.click('#pricing-link');
    await waitFor(() => pageUrls().length == 2, 'link page view');
    await page.evaluate(() => window.app.navigate('/search'));
    await waitFor(() => pageUrls().length == 3, 'navigate page view');
    await page.evaluate(() => window.app.navigate(-1));
    await waitFor(() => pageUrls().length == 4, 'popstate page view');
    await checkpoint(1);
    expect(pageUrls()).toEqual(['/rr/', '/rr/pricing', '/rr/search', '/rr/pricing']);
  });

  it('setSearchParams({ q }, { replace: true }) on every keystroke is no page view', async () => {
    await open('/search');
    await waitFor(() => pageUrls().length == 1, 'landing page view');
    await page.getByLabel('Search').pressSequentially('acme');
    await waitFor(() => page.evaluate(() => location.search == '?q=acme'), 'query in the URL');
    await checkpoint(1);
    expect(pageUrls()).toEqual(['/rr/search']);
    expect(events().filter((e) => e.type == 'engage')).toEqual([]);
  });
});

describe('Next.js 15 App Router (examples/next-ssr, next build + next start)', () => {
  const nextPages = () =>
    eventsOf(collector, NEXT_SITE)
      .filter((e) => e.type == 'page')
      .map((e) => new URL(e.url!).pathname + new URL(e.url!).search);
  const nextEvents = (name: string) => eventsOf(collector, NEXT_SITE).filter((e) => e.name == name);
  let historyCalls: () => Promise<{ push: number; replace: number }>;

  beforeAll(async () => {
    await nextBuilt;
    const port = await freePort();
    next = await runNext(['start', '-p', String(port), '-H', '127.0.0.1'], {}, (log) => /Ready in|started server/i.test(log));
    nextUrl = `http://127.0.0.1:${port}`;
    await waitFor(() => fetch(nextUrl + '/').then((r) => r.ok), 'next start answering');
  }, 300_000);

  beforeEach(async () => {
    // One site id for the build: each test starts with a clean collector and a fresh browser context.
    collector.reset();
    // How often Next itself calls the history API (its router state lives in history.state).
    await context.addInitScript(() => {
      const w = window as any;
      w.__history = { push: 0, replace: 0 };
      const p = history.pushState, r = history.replaceState;
      history.pushState = function (this: History, ...a: any[]) { w.__history.push++; return p.apply(this, a as any); };
      history.replaceState = function (this: History, ...a: any[]) { w.__history.replace++; return r.apply(this, a as any); };
    });
    historyCalls = () => page.evaluate(() => ({ ...window.__history }));
  });

  it('the pricing page is server-rendered HTML (async server component); the tracker module is inert on the server', async () => {
    const html = await (await fetch(nextUrl + '/pricing')).text();
    expect(html).toContain('<h1>Pricing</h1>');
    expect(html.replace(/<!-- -->/g, '')).toContain('<h2>Pro</h2><p>€199/month</p><button type="button">Book a Pro demo</button>');
    // Rendering it sent nothing from the server (the server-side tracker does nothing).
    expect(eventsOf(collector, NEXT_SITE)).toEqual([]);
  });

  it('<Link> navigation and the back button: one page view each; the button event is tied to its page view', async () => {
    await page.goto(nextUrl + '/');
    await waitFor(() => nextPages().length == 1, 'landing page view');
    await page.click('nav >> text=Pricing');
    await waitFor(() => nextPages().length == 2, 'link page view');
    await page.click('text=Book a Pro demo');
    await waitFor(() => nextEvents('demo_booked').length == 1, 'button event');
    expect(nextEvents('demo_booked')[0]).toMatchObject({ props: { plan: 'pro' }, pv: eventsOf(collector, NEXT_SITE).filter((e) => e.type == 'page')[1].pv });
    await page.goBack();
    await waitFor(() => nextPages().length == 3, 'back button page view');
    await page.goForward();
    await waitFor(() => nextPages().length == 4, 'forward button page view');
    await page.click('nav >> text=Search');
    await waitFor(() => nextPages().length == 5, 'second link page view');
    expect(nextPages()).toEqual(['/', '/pricing', '/', '/pricing', '/search']);
    const calls = await historyCalls();
    // Next keeps its router state with replaceState of the same URL: none of them counted.
    expect(calls.replace).toBeGreaterThan(0);
    expect(calls.push).toBe(2);
  });

  it('router.push is one page view; router.replace with a new query per keystroke is none', async () => {
    await page.goto(nextUrl + '/');
    await waitFor(() => nextPages().length == 1, 'landing page view');
    await page.click('#to-search'); // router.push('/search')
    await waitFor(() => nextPages().length == 2, 'router.push page view');
    await page.getByLabel('Search').pressSequentially('acme'); // router.replace('/search?q=a'), …
    await waitFor(() => page.evaluate(() => location.search == '?q=acme'), 'query in the URL');
    // Proof that the keystrokes sent nothing: the next page view arrives right after the push one.
    await page.click('nav >> text=Pricing');
    await waitFor(() => nextPages().length >= 3, 'link page view');
    expect(nextPages()).toEqual(['/', '/search', '/pricing']);
  });

  it('scroll-restoration noise (state-only replaceState on every scroll event) is no page view', async () => {
    await page.goto(nextUrl + '/pricing');
    await waitFor(() => nextPages().length == 1, 'landing page view');
    // What scroll-restoration code does: the scroll position into history.state (Next's own state kept), many times a second.
    const noise = await page.evaluate(async () => {
      document.body.style.height = '5000px';
      let n = 0;
      addEventListener('scroll', () => (n++, history.replaceState({ ...history.state, scrollY: scrollY }, '')), { passive: true });
      for (let y = 100; y <= 3000; y += 100) {
        scrollTo(0, y);
        await new Promise((r) => requestAnimationFrame(r));
      }
      return n;
    });
    expect(noise).toBeGreaterThan(10);
    await page.click('text=Book a Team demo');
    await waitFor(() => nextEvents('demo_booked').length == 1, 'button event after the noise');
    expect(nextPages()).toEqual(['/pricing']);
  });
});
