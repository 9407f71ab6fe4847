// Erasure in real Chromium: forget() / leadbeam('forget') against the reference collector, on
// www.example.test with a second tab open: what the collector got and still holds, the cookie
// jar, the other tab, a reload, a fresh grant; and an endpoint that stays down.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';
import { startCollector, type Collector, type WireEvent } from '../../collector/src/server.mjs';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;
let site: string;
let n = 0;
/** Bodies of the erasure requests the collector got (its request log drops them with the id). */
let forgets: string[];

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});
beforeEach(async () => {
  site = `FORGET-${++n}`;
  forgets = [];
  collector.fault(({ body }) => void (body.includes('"forget"') && forgets.push(body)));
  context = await browser.newContext();
});
afterEach(async () => {
  collector.fault(null);
  await context.close();
});

/**
 * A page of this test's site on www.example.test: the npm build as a module (window.t, so the
 * test sees forget()'s promise) or the script tag (window.leadbeam).
 */
async function open(options: Record<string, unknown> = {}, how: 'npm' | 'tag' = 'npm'): Promise<Page> {
  const o = { site, endpoint: collector.url, batchMs: 50, ...options };
  const path = `/f/${site}-${how}.html`;
  const attrs = Object.entries(o)
    .map(([k, v]) => `data-${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}="${v}"`)
    .join(' ');
  server.page(
    path,
    how == 'npm'
      ? `<!doctype html><title>Forget</title><script type="module">import { createTracker } from '/dist/leadbeam.mjs'; window.t = createTracker(${JSON.stringify(o)});</script>`
      : `<!doctype html><title>Forget</title><script src="/dist/leadbeam.js" ${attrs}></script>`,
  );
  const page = await context.newPage();
  await page.goto(server.hostUrl() + path);
  await page.waitForFunction(() => (window as any).t || (window as any).leadbeam?.v);
  return page;
}

const call = (page: Page, method: string, ...args: unknown[]) =>
  page.evaluate(([m, a]) => {
    const w = window as any;
    return w.t ? w.t[m](...a) : w.leadbeam(m, ...a);
  }, [method, args] as const);
/** Tracks a named event, flushes, and waits until the collector has it. */
async function mark(page: Page, name: string): Promise<WireEvent> {
  await call(page, 'track', name);
  await call(page, 'flush');
  return waitFor(() => stored().find((e) => e.name == name), name) as Promise<WireEvent>;
}
/** What the collector holds for this site. */
const stored = () => collector.batches.filter((b) => b.site == site).flatMap((b) => b.events);
const ours = async () => (await context.cookies()).filter((c) => c.name.startsWith('_lb')).map((c) => `${c.name}=${c.value}`).sort();

describe('forget()', () => {
  it('the collector got {v, site, forget: vid} and erased that visitor’s events and page views; both cookies and the saved queue are gone; resolves true', async () => {
    const page = await open({ cookies: 'always' });
    const { errors } = watchPage(page);
    const before = await mark(page, 'before_forget');
    const vid = before.vid!;
    expect(vid).toMatch(/^[\w-]{22}$/);
    await waitFor(() => stored().some((e) => e.type == 'page'), 'page view');
    // Another tab of the site left a saved queue behind (it closed offline).
    await page.evaluate((s) => localStorage.setItem('_lb_q.closedtab', JSON.stringify({ site: s, events: [] })), site);

    expect(await call(page, 'forget')).toBe(true);
    expect(forgets.map((b) => JSON.parse(b))).toEqual([{ v: 1, site, forget: vid }]);
    expect(collector.received.some((r) => r.status == 202)).toBe(true);
    // Nothing of that visitor is left at the collector: not the event, not the page view it shared a pv with.
    expect(stored().filter((e) => e.vid == vid || e.pv == before.pv)).toEqual([]);
    expect(JSON.stringify(collector.events)).not.toContain(vid);
    expect(await ours()).toEqual(['_lb_optout=d']);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("leadbeam('forget'): another open tab sends no ids afterwards and recreates no cookie; a reload sends no vid; a fresh grant gives a NEW vid", async () => {
    const a = await open({ cookies: 'always' }, 'tag');
    const b = await open({ cookies: 'always' }, 'tag');
    const vid = (await mark(a, 'a_before')).vid!;
    expect((await mark(b, 'b_before')).vid).toBe(vid);

    expect(await call(a, 'forget')).toBeUndefined(); // the global returns nothing
    await waitFor(() => forgets.length == 1 && stored().every((e) => e.vid != vid), 'the erasure');
    expect(await ours()).toEqual(['_lb_optout=d']);

    const inB = await mark(b, 'b_after');
    expect([inB.vid, inB.sid]).toEqual([undefined, undefined]);
    await b.evaluate(() => history.pushState({}, '', '?route=2'));
    await waitFor(() => stored().some((e) => e.type == 'page' && e.url!.includes('route=2')), 'the route change');
    expect(stored().filter((e) => e.vid)).toEqual([]);
    expect(await ours()).toEqual(['_lb_optout=d']);

    // cookies 'always' would set the cookies again on a new page: forgotten, it does not.
    const views = stored().filter((e) => e.type == 'page').length;
    await a.reload();
    await waitFor(() => stored().filter((e) => e.type == 'page').length == views + 1, 'the reloaded page view');
    expect((await mark(a, 'reloaded')).vid).toBeUndefined();
    expect(stored().filter((e) => e.vid)).toEqual([]);
    expect(await ours()).toEqual(['_lb_optout=d']);

    await call(a, 'consent', 'granted');
    const fresh = (await mark(a, 'regranted')).vid;
    expect(fresh).toMatch(/^[\w-]{22}$/);
    expect(fresh).not.toBe(vid);
    expect((await ours()).filter((c) => c.startsWith('_lb_optout'))).toEqual([]);
  });

  it('endpoint down: retried for about 2 minutes (8 attempts), then resolves false; the denial holds in this tab, the other tab and after reload all the same', async () => {
    await context.clock.install();
    const a = await open({ cookies: 'always' });
    const b = await open({ cookies: 'always' });
    const vid = (await mark(a, 'a_before')).vid!;
    await mark(b, 'b_before');
    collector.fault(({ body }) => (body.includes('"forget"') ? (forgets.push(body), { status: 503 }) : undefined));

    const result = a.evaluate(() => (window as any).t.forget());
    await waitFor(() => forgets.length == 1, 'the first attempt');
    expect(await ours()).toEqual(['_lb_optout=d']); // deleted at once, not once confirmed
    // Each wait is at most a minute (full jitter: often much less, so two can fall in one step): forward the
    // page's clock 5 s at a time until all 8 attempts arrived.
    await waitFor(async () => (await a.clock.fastForward(5_000), forgets.length >= 8), '8 attempts', 30_000);
    expect(await result).toBe(false);
    expect(forgets).toHaveLength(8);
    expect(new Set(forgets).size).toBe(1); // the same request each time
    await a.clock.fastForward(600_000);
    expect(forgets).toHaveLength(8);

    expect((await mark(a, 'a_after')).vid).toBeUndefined();
    expect((await mark(b, 'b_after')).vid).toBeUndefined();
    await b.reload();
    expect((await mark(b, 'b_reloaded')).vid).toBeUndefined();
    expect(await ours()).toEqual(['_lb_optout=d']);
    // Not erased (the endpoint never answered), but nothing new carries the id.
    expect(stored().filter((e) => e.vid).map((e) => e.name || e.type).sort()).toEqual(['a_before', 'b_before', 'page', 'page'].sort());
    expect(stored().every((e) => !e.vid || e.vid == vid)).toBe(true);
  });
});
