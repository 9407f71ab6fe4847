// The Plausible transport against Plausible's own npm tracker in real Chromium.
// Oracle: @plausible-analytics/tracker (plausible.js: fetch POST <endpoint> with
// Content-Type text/plain and JSON {n, v, u, d, r, p}; `engagement` with `e` (ms) and
// `sd` on hide). What the server requires: plausible/analytics
// lib/plausible/ingestion/request.ex (n, u, d; an engagement needs a valid e or sd;
// u ≤ 2000 bytes; ≤ 30 props, keys ≤ 300 and values ≤ 2000 bytes).
// The tracker runs on a page (bundled with esbuild, in memory) against a capturing
// server on another origin; then leadbeam with plausible() does the same.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  json: any;
}

let browser: Browser;
let server: StaticServer;
let srv: Server;
let host = '';
const requests: Captured[] = [];
let context: BrowserContext;
let trackerJs = '';

beforeAll(async () => {
  // Records every request; answers as Plausible does (202 "ok"), with CORS for any origin.
  srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let json;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, json });
      res.writeHead(req.method == 'OPTIONS' ? 204 : 202, { 'access-control-allow-origin': '*' }).end(req.method == 'OPTIONS' ? undefined : 'ok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const out = await build({
    stdin: {
      contents: `import { init, track } from '@plausible-analytics/tracker';
        init({ domain: 'acme.test', endpoint: 'http://' + window.__host + '/api/event', captureOnLocalhost: true });
        track('demo_booked', { props: { plan: 'pro' } });`,
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'iife',
    logLevel: 'error',
  });
  trackerJs = out.outputFiles[0].text;
  [browser, server] = await Promise.all([launchBrowser(), startStaticServer()]);
  server.route((req, res) => req.url == '/__oracle/plausible.js' && !!res.writeHead(200, { 'content-type': 'text/javascript' }).end(trackerJs));
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), new Promise((r) => (srv.closeAllConnections(), srv.close(r)))]);
});
beforeEach(async () => {
  context = await browser.newContext();
});
afterEach(async () => {
  await context.close();
});

let n = 0;
/** Opens a page on the static server's origin (the capture server is cross-origin); `since` marks its first request (tests run one page at a time). */
async function open(head: string) {
  const since = requests.length;
  const path = `/plausible-${++n}.html`;
  server.page(path, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing ${n}</title><script>window.__host = '${host}'</script>${head}</head><body>x</body></html>`);
  const page = await context.newPage();
  const { errors } = watchPage(page);
  const url = `${server.url}${path}?plan=pro`;
  await page.goto(url);
  return { page, url, errors, since };
}

/** Makes the page hidden, as a tab switch does: both trackers send their engagement time then. */
const hide = (page: Page) =>
  page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });

/** The POSTs to /api/event since a page opened, once every event name in `names` is among them. */
const events = (since: number, names: string[]): Promise<Captured[]> =>
  waitFor(() => {
    const found = requests.slice(since).filter((r) => r.method == 'POST' && r.url == '/api/event');
    return names.every((name) => found.some((r) => r.json?.n == name)) ? found : undefined;
  }, names.join(' + ')) as Promise<Captured[]>;
const named = (found: Captured[], name: string) => found.find((r) => r.json.n == name)!;

const leadbeam = (options: string) => `<script type="module">
  import { createTracker } from '/dist/leadbeam.mjs';
  import { plausible } from '/dist/transport/plausible.mjs';
  const t = createTracker({ site: 'LB-PLA${n + 1}', endpoint: 'http://' + window.__host, batchMs: 50, ${options}, transport: plausible({ domain: 'acme.test' }) });
  t.track('demo_booked', { plan: 'pro' });
</script>`;

describe('plausible()', () => {
  it('sends what @plausible-analytics/tracker sends: POST /api/event, text/plain, {n, u, d, r, p} per event, engagement with e; no preflight, no visitor or session id', async () => {
    const sdk = await open(`<script src="/__oracle/plausible.js"></script>`);
    await events(sdk.since, ['pageview', 'demo_booked']);
    await hide(sdk.page);
    const oracle = await events(sdk.since, ['pageview', 'demo_booked', 'engagement']);

    const ours = await open(leadbeam(`cookies: 'always'`));
    await events(ours.since, ['pageview', 'demo_booked']);
    await hide(ours.page);
    const mine = await events(ours.since, ['pageview', 'demo_booked', 'engagement']);

    for (const name of ['pageview', 'demo_booked', 'engagement']) {
      const [o, m] = [named(oracle, name), named(mine, name)];
      // Same path and content type; no Authorization or other custom header.
      expect(m.url).toBe(o.url);
      expect(m.headers['content-type']).toBe(o.headers['content-type']);
      expect(m.headers['content-type']).toBe('text/plain');
      // The fields Plausible requires (n, u, d), r as the tracker sends it (null without a referrer).
      for (const key of ['n', 'u', 'd']) expect(typeof m.json[key], `${name}.${key}`).toBe(typeof o.json[key]);
      if ('r' in o.json) expect(m.json.r).toBe(o.json.r);
      expect(m.json.d).toBe(o.json.d);
      // Correctly mapped values: this page's URL on every event (also the ones after the page view).
      expect(o.json.u).toBe(sdk.url);
      expect(m.json.u).toBe(ours.url);
    }
    expect(named(mine, 'demo_booked').json.p).toEqual(named(oracle, 'demo_booked').json.p);
    expect(named(mine, 'engagement').json.e).toBeGreaterThan(0);
    expect(typeof named(oracle, 'engagement').json.e).toBe('number');
    // No preflight for either; leadbeam sends neither its visitor nor its session id.
    expect(requests.filter((r) => r.method == 'OPTIONS')).toEqual([]);
    const cookies = await context.cookies();
    const ids = ['_lb_id', '_lb_ses'].map((name) => cookies.find((c) => c.name == name)?.value);
    expect(ids.every(Boolean)).toBe(true);
    for (const r of mine) for (const id of ids) expect(JSON.stringify(r.json)).not.toContain(id);
    expect(ours.errors).toEqual([]);
  });

  it('cookieless: the same requests, no cookie or storage written', async () => {
    const ours = await open(leadbeam(`cookies: 'never'`));
    const mine = await events(ours.since, ['pageview', 'demo_booked']);
    expect(named(mine, 'pageview').json).toEqual({ n: 'pageview', u: ours.url, d: 'acme.test', r: null });
    expect(named(mine, 'demo_booked').json).toEqual({ n: 'demo_booked', u: ours.url, d: 'acme.test', r: null, p: { plan: 'pro' } });
    expect(await context.cookies()).toEqual([]);
    expect(await ours.page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  });
});
