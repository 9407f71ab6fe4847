// A strict Content-Security-Policy in real Chromium: the script-tag builds and
// the ESM build work under `default-src 'none'`, with only the collector allowed
// for connect-src / img-src (and with Trusted Types required), without a single
// securitypolicyviolation, and every event arrives.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';
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
  site = `LB-CSP${++n}-` + ctx.task.name.replace(/[^a-z]/gi, '').slice(0, 40);
  context = await browser.newContext();
  // Runs before any page script (injected by the browser, not subject to the page's CSP).
  await context.addInitScript(`window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => __violations.push(e.violatedDirective + ' ' + e.blockedURI));`);
});
afterEach(async () => {
  await context.close();
});

// Each test uses its own site id: a page closed earlier may still deliver a late beacon.
let site = '';
let n = 0;
const events = () => eventsOf(collector, site);
const ofType = (type: string) => events().filter((e) => e.type == type);

/** The strictest useful policy: only our own script, only the collector for requests and pixels. */
const policy = ({ connect = collector.origin, trustedTypes = false } = {}) =>
  `default-src 'none'; script-src 'self'; connect-src ${connect}; img-src ${collector.origin}` +
  (trustedTypes ? `; require-trusted-types-for 'script'; trusted-types 'none'` : '');

const doc = (head: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CSP</title>${head}</head><body><h1>CSP</h1></body></html>`;

async function open(head: string, csp: string): Promise<{ page: Page; errors: string[] }> {
  const path = `/${site}.html`;
  server.page(path, doc(head), { 'content-security-policy': csp });
  const page = await context.newPage();
  const { errors } = watchPage(page);
  await page.goto(server.url + path);
  return { page, errors };
}

/** Page view, custom event, SPA route change, and the unload hand-off (hidden → beacon or pixel). */
async function exercise(page: Page): Promise<void> {
  await waitFor(() => ofType('page').length == 1, 'page view');
  await page.evaluate(() => (window as any).leadbeam('track', 'demo_booked', { plan: 'pro' }));
  await waitFor(() => ofType('event').length == 1, 'custom event');
  await page.evaluate(() => history.pushState({}, '', location.pathname + '?step=2'));
  await waitFor(() => ofType('page').length == 2, 'route change page view');
  await page.evaluate(() => {
    (window as any).leadbeam('track', 'at_hide');
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await waitFor(() => ofType('event').length == 2, 'event flushed on hide');
}

async function expectNoViolation(page: Page, errors: string[]): Promise<void> {
  expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
  expect(errors).toEqual([]);
}

const tag = (attrs = '', src = '/dist/leadbeam.js') =>
  `<script src="${src}" data-site="${site}" data-endpoint="${collector.url}" data-batch-ms="50" ${attrs}></script>`;

describe.each([
  ['CSP', false],
  ['CSP + Trusted Types', true],
])('%s', (_, trustedTypes) => {
  it('script tag with data attributes (auto transport: fetch, beacon on hide): zero violations, every event arrives', async () => {
    const { page, errors } = await open(tag(), policy({ trustedTypes }));
    await exercise(page);
    await expectNoViolation(page, errors);
  });

  it('data-transport="image" with connect-src \'none\': pixels only, zero violations, every event arrives', async () => {
    const { page, errors } = await open(tag('data-transport="image"'), policy({ connect: "'none'", trustedTypes }));
    await exercise(page);
    expect(collector.received.filter((r) => r.body?.includes(`"${site}"`)).every((r) => r.method == 'GET')).toBe(true);
    await expectNoViolation(page, errors);
  });

  it('the CMP build and the ESM build under the same policy', async () => {
    const { page, errors } = await open(tag('', '/dist/leadbeam.cmp.js'), policy({ trustedTypes }));
    await exercise(page);
    await expectNoViolation(page, errors);

    site += '-esm';
    const modulePath = `/${site}.mjs`;
    server.page(
      modulePath,
      `import { createTracker } from '/dist/leadbeam.mjs';
window.leadbeam = (cmd, ...a) => t[cmd](...a);
const t = createTracker({ site: ${JSON.stringify(site)}, endpoint: ${JSON.stringify(collector.url)}, batchMs: 50 });`,
      { 'content-type': 'text/javascript; charset=utf-8' },
    );
    const esm = await open(`<script type="module" src="${modulePath}"></script>`, policy({ trustedTypes }));
    await exercise(esm.page);
    await expectNoViolation(esm.page, esm.errors);
  });
});

it('the policy is really enforced here: an inline script and a foreign connect are reported', async () => {
  // Guards the test itself: a page that breaks the policy must show violations.
  const { page } = await open(`<script>window.inline = 1;</script>`, policy({ trustedTypes: true }));
  await page.evaluate(() => fetch('http://127.0.0.1:1/nowhere').catch(() => {}));
  await waitFor(async () => (await page.evaluate(() => (window as any).__violations.length)) >= 2, 'violations');
  expect(await page.evaluate(() => (window as any).inline)).toBeUndefined();
});
