// The delivery engine in real Chromium against the reference collector:
// every transport, the fault matrix (5xx, 429 + Retry-After, 408, a hung
// request, 400, offline, navigation away, hidden tab, a 200 KiB burst),
// persistence across a reload only where storage is allowed, and the
// endpoint rules. Each fault test asserts BY EVENT ID: every event fired
// reached the collector at least once, always under the same id, and the
// deduplicated count equals the count fired.
//
// Backoff and the 10 s request timeout run on Playwright's fake clock
// (page.clock): time is fast-forwarded, never slept through.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';
import { startCollector, type Collector, type FaultHook, type WireEvent } from '../../collector/src/server.mjs';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;
/** A site id per test: what a closing page of an earlier test still sends cannot mix in. */
let site = '';
let seq = 0;

const STUB = 'window.leadbeam=window.leadbeam||function(){(leadbeam.q=leadbeam.q||[]).push(arguments)};';

// Records what the page hands to fetch and sendBeacon, with the page's clock (fake when installed).
// (What a page sends while it unloads is not observable this way, nor by Playwright or CDP.)
const NET_SPY = `(() => {
  window.__net = [];
  const f = window.fetch;
  window.fetch = function (u, i) { __net.push({ kind: 'fetch', t: Date.now(), keepalive: !!(i && i.keepalive), credentials: i && i.credentials }); return f.apply(this, arguments); };
  const b = navigator.sendBeacon && navigator.sendBeacon.bind(navigator);
  if (b) navigator.sendBeacon = function (u, d) { const ok = b(u, d); __net.push({ kind: 'beacon', t: Date.now(), ok, type: typeof d }); return ok; };
})();`;

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
  server.page('/next.html', html('<title>Next</title>'));
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});
beforeEach(async () => {
  collector.reset();
  site = 'LB-D' + ++seq;
  context = await browser.newContext();
  await context.addInitScript(NET_SPY);
});
afterEach(async () => {
  await context.close();
});

function html(head: string, body = '<h1>Delivery</h1>'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Delivery</title>${head}</head><body>${body}</body></html>`;
}

/** A page with the script tag; `attrs` are extra data-* attributes. */
function tagPage(path: string, attrs = '', endpoint = collector.url): string {
  server.page(path, html(`<script src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${endpoint}" ${attrs}></script>`));
  return server.url + path;
}

/** A page that inits through the stub with options given as JS source (for functions). */
function initPage(path: string, options: string): string {
  server.page(path, html(`<script>${STUB}leadbeam('init',${options});</script><script async src="/dist/leadbeam.js"></script>`));
  return server.url + path;
}

/** Opens a page, optionally on Playwright's fake clock. */
async function open(url: string, { clock = false } = {}): Promise<{ page: Page; errors: string[]; warnings: string[] }> {
  const page = await context.newPage();
  const watch = watchPage(page);
  if (clock) await page.clock.install();
  await page.goto(url);
  return { page, ...watch };
}

/**
 * track(name), then navigate away at once (same task). Waits for the next page to load:
 * closing a context while a navigation commits can hang Chromium's teardown.
 */
async function trackAndLeave(page: Page, name: string) {
  await page.evaluate((n) => {
    (window as any).leadbeam('track', n);
    location.href = '/next.html';
  }, name);
  await page.waitForURL('**/next.html', { waitUntil: 'load' });
}

const lb = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as any).leadbeam(...a), args);
const net = (page: Page): Promise<Array<{ kind: string; t: number; ok?: boolean; keepalive?: boolean; credentials?: string; type?: string }>> =>
  page.evaluate(() => (window as any).__net);

/** What identifies an event a test fired: a page view by its path, a custom event by its name. */
const keyOf = (e: WireEvent) => (e.type == 'page' ? 'page:' + new URL(e.url!).pathname : e.type == 'event' ? e.name! : '');

/** The requests of this test's site, in arrival order. */
const mine = () => collector.received.filter((r) => r.body && r.body.includes(`"site":"${site}"`));
const statuses = () => mine().map((r) => r.status);

/** Every event in every request body of this test (retries and duplicates included). */
function sentEvents(): WireEvent[] {
  return mine().flatMap((r) => {
    try {
      return r.body ? (JSON.parse(r.body).events as WireEvent[]) : [];
    } catch {
      return [];
    }
  });
}

/** Events of this test that the collector accepted, each id once (its deduplicated list). */
function acceptedEvents(): WireEvent[] {
  const ids = new Set(sentEvents().map((e) => e.id));
  return collector.events.filter((e) => ids.has(e.id));
}
const accepted = (key: string) => acceptedEvents().some((e) => keyOf(e) == key);
const waitAccepted = (keys: string[], label = keys.join(', '), timeoutMs?: number) =>
  waitFor(() => keys.every(accepted), label, timeoutMs);

/**
 * The by-id check: each fired key was sent under exactly one id (retries reuse
 * it), that id reached the collector at least once, and — apart from `refused`
 * ones (4xx) — was accepted exactly once: the deduplicated count equals the count fired.
 */
function verify(fired: string[], refused: string[] = []) {
  const idsByKey = new Map<string, Set<string>>();
  for (const e of sentEvents()) {
    const k = keyOf(e);
    if (k) idsByKey.set(k, (idsByKey.get(k) || new Set()).add(e.id));
  }
  for (const k of fired) expect(idsByKey.get(k)?.size, `${k} sent under one id`).toBe(1);
  const acceptedIds = acceptedEvents().filter((e) => keyOf(e)).map((e) => e.id);
  const expectedIds = fired.filter((k) => !refused.includes(k)).map((k) => [...idsByKey.get(k)!][0]);
  expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
  expect(acceptedIds.sort()).toEqual(expectedIds.sort());
  // every body that arrived was well under the 64 KiB a beacon or keepalive fetch may carry
  for (const r of mine()) expect(Buffer.byteLength(r.body!)).toBeLessThan(65536);
}

/** Fast-forwards the page's fake clock a step at a time until `cond` holds. */
async function advanceUntil(page: Page, cond: () => boolean, label: string, stepMs = 500) {
  await waitFor(
    async () => {
      if (cond()) return true;
      await page.clock.fastForward(stepMs);
      return cond();
    },
    label,
    20_000,
  );
}

/** Answers this test's n-th request with list[n] (undefined: normally). */
function faults(list: Array<ReturnType<FaultHook>>): void {
  let n = 0;
  collector.fault(({ body }) => (body.includes(`"site":"${site}"`) ? list[n++] : undefined));
}
/** Console errors other than Chromium's own "Failed to load resource" lines for refused requests. */
const realErrors = (errors: string[]) => errors.filter((e) => !/Failed to load resource/.test(e));

describe('transports', () => {
  it('auto: fetch (keepalive, no credentials) while the page lives, then the pagehide hand-off; no preflight', async () => {
    const { page, errors } = await open(tagPage('/auto.html', 'data-batch-ms="50"'));
    await waitAccepted(['page:/auto.html']);
    await lb(page, 'track', 'live');
    await waitAccepted(['live']);
    expect((await net(page)).map((n) => n.kind)).toEqual(['fetch', 'fetch']);
    expect((await net(page)).every((n) => n.keepalive && n.credentials == 'omit')).toBe(true);
    await trackAndLeave(page, 'leaving');
    await waitAccepted(['leaving']);
    verify(['page:/auto.html', 'live', 'leaving']);
    expect(mine().every((r) => r.method == 'POST' && r.headers['content-type'] == 'text/plain;charset=UTF-8')).toBe(true);
    expect(collector.received.filter((r) => r.method == 'OPTIONS')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('beacon (data-transport): page view and events by sendBeacon, text/plain, no preflight', async () => {
    const { page } = await open(tagPage('/beacon.html', 'data-transport="beacon" data-batch-ms="50"'));
    await waitAccepted(['page:/beacon.html']);
    await lb(page, 'track', 'b1');
    await lb(page, 'track', 'b2');
    await waitAccepted(['b1', 'b2']);
    const kinds = await net(page);
    expect(kinds.every((n) => n.kind == 'beacon' && n.ok && n.type == 'string')).toBe(true);
    expect(collector.received.filter((r) => r.method == 'OPTIONS')).toEqual([]);
    expect(mine().every((r) => r.headers['content-type'] == 'text/plain;charset=UTF-8')).toBe(true);
    verify(['page:/beacon.html', 'b1', 'b2']);
  });

  it('fetch (data-transport): 500 is seen and retried; the unload hand-off uses fetch keepalive', async () => {
    faults([{ status: 500 }]);
    const { page } = await open(tagPage('/fetch.html', 'data-transport="fetch" data-batch-ms="50"'), { clock: true });
    await advanceUntil(page, () => accepted('page:/fetch.html'), 'page view after a 500');
    await trackAndLeave(page, 'leaving');
    await waitAccepted(['leaving']);
    // Chromium may fire visibilitychange→hidden as well as pagehide while leaving: with fetch (whose answer the
    // dying page never sees) both hand-offs send the same events; the endpoint drops the duplicate by id.
    expect(statuses().slice(0, 3)).toEqual([500, 200, 200]);
    expect(statuses().slice(3)).toEqual(statuses().slice(3).map(() => 200));
    verify(['page:/fetch.html', 'leaving']);
  });

  it('image (data-transport): GET pixel with the payload in d, split under URL limits, errors retried', async () => {
    faults([undefined, { status: 503 }]);
    const { page } = await open(tagPage('/image.html', 'data-transport="image" data-batch-ms="50"'), { clock: true });
    await advanceUntil(page, () => accepted('page:/image.html'), 'page view');
    const names = Array.from({ length: 12 }, (_, i) => 'img_' + i);
    await page.evaluate((list) => list.forEach((n) => (window as any).leadbeam('track', n, { note: 'ü'.repeat(200) })), names);
    await advanceUntil(page, () => names.every(accepted), 'every image event');
    const gets = mine().filter((r) => r.method == 'GET');
    expect(gets.length).toBe(mine().length);
    expect(gets.length).toBeGreaterThan(3); // split
    for (const r of gets) expect(Buffer.byteLength(r.body!)).toBeLessThanOrEqual(2400);
    expect(gets[1].status).toBe(503); // the failed pixel was retried
    expect(await net(page)).toEqual([]); // neither fetch nor sendBeacon: only the pixel
    verify(['page:/image.html', ...names]);
  });

  it('beacon refused by the browser (quota): the same batch goes by fetch keepalive', async () => {
    await context.addInitScript('navigator.sendBeacon = function () { (window.__refused = (window.__refused || 0) + 1); return false; };');
    const { page } = await open(tagPage('/refused.html', 'data-transport="beacon" data-batch-ms="50"'));
    await waitAccepted(['page:/refused.html']);
    await lb(page, 'track', 'after_refusal');
    await waitAccepted(['after_refusal']);
    expect(await page.evaluate(() => (window as any).__refused)).toBe(2);
    expect((await net(page)).map((n) => n.kind + (n.keepalive ? '+keepalive' : ''))).toEqual(['fetch+keepalive', 'fetch+keepalive']);
    verify(['page:/refused.html', 'after_refusal']);
  });

  it('custom function: called with (url, body); false is retried, true delivered', async () => {
    const url = initPage(
      '/custom.html',
      `{site:'${site}',endpoint:'${collector.url}',batchMs:50,transport:function(u,b){window.__calls=(window.__calls||0)+1;if(window.__calls==1)return false;return fetch(u,{method:'POST',body:b}).then(function(r){return r.ok})}}`,
    );
    const { page } = await open(url, { clock: true });
    await advanceUntil(page, () => accepted('page:/custom.html'), 'page view after a refusal');
    await lb(page, 'track', 'custom_event');
    await advanceUntil(page, () => accepted('custom_event'), 'custom event');
    expect(await page.evaluate(() => (window as any).__calls)).toBe(3);
    verify(['page:/custom.html', 'custom_event']);
  });
});

describe('batching', () => {
  it('one request per page load in the ordinary case: the page view and what was tracked with it', async () => {
    server.page(
      '/one.html',
      html(`<script>${STUB}leadbeam('init',{site:'${site}',endpoint:'${collector.url}'});leadbeam('track','early');</script><script async src="/dist/leadbeam.js"></script>`),
    );
    const { page } = await open(server.url + '/one.html');
    await waitAccepted(['page:/one.html', 'early']);
    expect(mine().length).toBe(1);
    // later events wait for the batch: three events, one request
    await page.evaluate(() => ['x1', 'x2', 'x3'].forEach((n) => (window as any).leadbeam('track', n)));
    await waitAccepted(['x1', 'x2', 'x3']);
    expect(mine().length).toBe(2);
    verify(['page:/one.html', 'early', 'x1', 'x2', 'x3']);
  });

  it('a 200 KiB burst is split: no request body reaches 64 KiB, every event arrives once', async () => {
    const { page } = await open(tagPage('/burst.html'));
    await waitAccepted(['page:/burst.html']);
    const names = Array.from({ length: 17 }, (_, i) => 'burst_' + i);
    const bytes = await page.evaluate((list) => {
      let total = 0;
      for (const n of list) {
        const props: Record<string, string> = {};
        for (let k = 0; k < 25; k++) props['k' + k] = (n + ':' + k + ' ').repeat(60).slice(0, 500);
        total += JSON.stringify(props).length;
        (window as any).leadbeam('track', n, props);
      }
      return total;
    }, names);
    expect(bytes).toBeGreaterThan(200 * 1024);
    await waitAccepted(names);
    const posts = mine();
    expect(posts.length).toBeGreaterThanOrEqual(5);
    verify(['page:/burst.html', ...names]);
  });
});

describe('queue bound', () => {
  it('over maxQueue the oldest events go first; the dropped count travels with the next batch', async () => {
    const { page } = await open(tagPage('/bound.html', 'data-max-queue="3" data-batch-ms="50"'));
    await waitAccepted(['page:/bound.html']);
    await context.setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    await page.evaluate(() => ['q1', 'q2', 'q3', 'q4', 'q5'].forEach((n) => (window as any).leadbeam('track', n)));
    await context.setOffline(false);
    await waitAccepted(['q3', 'q4', 'q5']);
    const batch = JSON.parse(mine()[1].body!);
    expect(batch.dropped).toBe(2);
    expect(batch.events.map((e: WireEvent) => e.name)).toEqual(['q3', 'q4', 'q5']);
    verify(['page:/bound.html', 'q3', 'q4', 'q5']);
    expect(sentEvents().some((e) => e.name == 'q1' || e.name == 'q2')).toBe(false);
  });
});

describe('fault injection (auto transport)', () => {
  it('500 ×3 then 200: retried with growing full-jitter backoff, same ids', async () => {
    faults([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const { page } = await open(tagPage('/500.html', 'data-batch-ms="50"'), { clock: true });
    await lb(page, 'track', 'during_500s');
    await advanceUntil(page, () => accepted('page:/500.html') && accepted('during_500s'), 'delivery after three 500s', 250);
    expect(statuses().slice(0, 4)).toEqual([500, 500, 500, 200]);
    const t = (await net(page)).map((n) => n.t);
    // full jitter: the n-th wait is at most 1 s × 2^n (plus the time the 500 took to arrive)
    for (let i = 1; i < 4; i++) expect(t[i] - t[i - 1]).toBeLessThanOrEqual(1000 * 2 ** (i - 1) + 1000);
    verify(['page:/500.html', 'during_500s']);
  });

  it('429 with Retry-After: 2 waits at least 2 s', async () => {
    faults([{ status: 429, headers: { 'Retry-After': '2' } }]);
    const { page } = await open(tagPage('/429.html'), { clock: true });
    await advanceUntil(page, () => accepted('page:/429.html'), 'delivery after 429', 250);
    const [first, retry] = (await net(page)).map((n) => n.t);
    expect(retry - first).toBeGreaterThanOrEqual(2000);
    expect(retry - first).toBeLessThan(4000); // Retry-After, not a long backoff
    expect(statuses()).toEqual([429, 200]);
    verify(['page:/429.html']);
  });

  it('408 is retried', async () => {
    faults([{ status: 408 }]);
    const { page } = await open(tagPage('/408.html'), { clock: true });
    await advanceUntil(page, () => accepted('page:/408.html'), 'delivery after 408');
    expect(statuses()).toEqual([408, 200]);
    verify(['page:/408.html']);
  });

  it('a hung request times out after 10 s and is retried', async () => {
    faults([{ hang: true }]);
    const { page } = await open(tagPage('/hang.html'), { clock: true });
    await waitFor(() => mine().length == 1, 'the hung request');
    await advanceUntil(page, () => accepted('page:/hang.html'), 'delivery after the timeout', 2000);
    const [first, retry] = (await net(page)).map((n) => n.t);
    expect(retry - first).toBeGreaterThanOrEqual(10_000);
    expect(statuses()).toEqual([null, 200]);
    verify(['page:/hang.html']);
  });

  it('400: that batch is dropped with one warning, nothing else is affected', async () => {
    faults([{ status: 400 }]);
    const { page, warnings, errors } = await open(tagPage('/400.html', 'data-batch-ms="50"'));
    await waitFor(() => mine()[0]?.status == 400, '400');
    await lb(page, 'track', 'after_400');
    await waitAccepted(['after_400']);
    await lb(page, 'track', 'after_400_2');
    await waitAccepted(['after_400_2']);
    // the refused page view was sent once and never again
    expect(sentEvents().filter((e) => keyOf(e) == 'page:/400.html').length).toBe(1);
    expect(warnings.filter((w) => w.includes('[leadbeam]') && w.includes('4xx')).length).toBe(1);
    expect(realErrors(errors)).toEqual([]);
    verify(['page:/400.html', 'after_400', 'after_400_2'], ['page:/400.html']);
  });

  it('offline: events (and an SPA page view) wait without a request, and leave on `online`', async () => {
    const { page } = await open(tagPage('/offline.html', 'data-batch-ms="50"'));
    await waitAccepted(['page:/offline.html']);
    await context.setOffline(true);
    await page.evaluate(() => {
      const lb = (window as any).leadbeam;
      lb('track', 'off_1');
      lb('track', 'off_2');
      history.pushState({}, '', '/offline-spa');
    });
    await page.waitForFunction(() => location.pathname == '/offline-spa');
    await page.evaluate(() => (window as any).leadbeam('flush'));
    const before = (await net(page)).length;
    expect(before).toBe(1); // nothing attempted while offline
    await context.setOffline(false);
    await waitAccepted(['off_1', 'off_2', 'page:/offline-spa']);
    verify(['page:/offline.html', 'off_1', 'off_2', 'page:/offline-spa']);
  });

  it('navigation away right after track() delivers it (beacon on pagehide)', async () => {
    const { page } = await open(tagPage('/nav.html'));
    await waitAccepted(['page:/nav.html']);
    await trackAndLeave(page, 'just_before_leaving');
    await waitAccepted(['just_before_leaving']);
    verify(['page:/nav.html', 'just_before_leaving']);
  });

  it('navigation away while a retry is pending hands it to the beacon', async () => {
    faults([{ status: 503, headers: { 'Retry-After': '60' } }]);
    const { page } = await open(tagPage('/retry-nav.html'));
    await waitFor(() => mine()[0]?.status == 503, 'the 503');
    await trackAndLeave(page, 'while_retry_pending');
    await waitAccepted(['page:/retry-nav.html', 'while_retry_pending']);
    expect(statuses()).toEqual([503, 200]);
    verify(['page:/retry-nav.html', 'while_retry_pending']);
  });

  it('navigation away with a request hung for 3 s: its events go again by beacon', async () => {
    faults([{ hang: true }]);
    const { page } = await open(tagPage('/inflight-nav.html'), { clock: true });
    await waitFor(() => mine().length == 1, 'the hung request');
    // the page cannot wait for the 10 s timeout while it unloads: open for 3 s counts as hung
    await page.clock.fastForward(3500);
    await trackAndLeave(page, 'while_in_flight');
    await waitAccepted(['page:/inflight-nav.html', 'while_in_flight']);
    verify(['page:/inflight-nav.html', 'while_in_flight']);
  });

  it('navigation away with a slow request in flight: its events are not sent again (one copy on the wire)', async () => {
    faults([{ delayMs: 1500 }]);
    const { page } = await open(tagPage('/slow-nav.html'));
    await waitFor(() => mine().length == 1, 'the slow request');
    await trackAndLeave(page, 'while_slow');
    await waitAccepted(['page:/slow-nav.html', 'while_slow']);
    await waitFor(() => mine().every((r) => r.status != null), 'every request answered');
    const pageViews = sentEvents().filter((e) => keyOf(e) == 'page:/slow-nav.html');
    expect(pageViews.length).toBe(1);
    verify(['page:/slow-nav.html', 'while_slow']);
  });

  it('fetch transport, hidden then pagehide: each event is in exactly one request', async () => {
    faults([{ delayMs: 1500 }, { delayMs: 1500 }]);
    const { page } = await open(tagPage('/fetch-hide.html', 'data-transport="fetch"'));
    await waitAccepted(['page:/fetch-hide.html']);
    await page.evaluate(() => {
      (window as any).leadbeam('track', 'hidden_then_gone');
      Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
      location.href = '/next.html';
    });
    await page.waitForURL('**/next.html', { waitUntil: 'load' });
    await waitAccepted(['hidden_then_gone']);
    await waitFor(() => mine().every((r) => r.status != null), 'every request answered');
    expect(sentEvents().filter((e) => e.name == 'hidden_then_gone').length).toBe(1);
    verify(['page:/fetch-hide.html', 'hidden_then_gone']);
  });

  it('tab hidden, then closed: the hidden flush goes by beacon, what comes after by the close', async () => {
    const { page } = await open(tagPage('/hidden.html'));
    await waitAccepted(['page:/hidden.html']);
    await page.evaluate(() => {
      (window as any).leadbeam('track', 'before_hidden');
      Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitAccepted(['before_hidden']);
    expect((await net(page)).map((n) => n.kind)).toEqual(['fetch', 'beacon']);
    expect(acceptedEvents().some((e) => e.type == 'engage')).toBe(true);
    await lb(page, 'track', 'while_hidden');
    await page.close();
    await waitAccepted(['while_hidden']);
    verify(['page:/hidden.html', 'before_hidden', 'while_hidden']);
  });

  it('tab closed (page.close) right after track()', async () => {
    const { page } = await open(tagPage('/close.html'));
    await waitAccepted(['page:/close.html']);
    await lb(page, 'track', 'at_close');
    await page.close({ runBeforeUnload: true });
    await waitAccepted(['at_close']);
    verify(['page:/close.html', 'at_close']);
  });
});

describe('persistence across a reload', () => {
  /** Tracks an event while offline, then leaves the page for about:blank (pagehide while offline: nothing can leave). */
  async function leaveOffline(path: string, attrs: string) {
    const { page } = await open(tagPage(path, attrs));
    await waitAccepted(['page:' + path]);
    await context.setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    await lb(page, 'track', 'left_behind');
    // about:blank needs no network; once it is shown the old document is gone, so going online cannot reach it.
    await page.goto('about:blank');
    await context.setOffline(false);
    return page;
  }
  const stored = async () => (await context.storageState()).origins.flatMap((o) => o.localStorage);

  it('cookies always: the pending queue is stored and resent by the next page of the site', async () => {
    const back = await leaveOffline('/persist.html', 'data-cookies="always"');
    const saved = await stored();
    expect(saved.map((s) => s.name)).toEqual([expect.stringMatching(/^_lb_q\.[\w-]{8}$/)]);
    expect(saved[0].value).toContain('left_behind');
    const page = await back.goto(tagPage('/persist-next.html', 'data-cookies="always"')).then(() => back);
    await waitAccepted(['page:/persist-next.html', 'left_behind']);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    verify(['page:/persist.html', 'left_behind', 'page:/persist-next.html']);
  });

  it('cookieless (cookies never): memory only, localStorage stays empty', async () => {
    const back = await leaveOffline('/cookieless.html', 'data-cookies="never"');
    expect(await stored()).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    const page = await back.goto(tagPage('/cookieless-next.html', 'data-cookies="never"')).then(() => back);
    await waitAccepted(['page:/cookieless-next.html']);
    // a restored queue would have left before (or with) this page view
    expect(accepted('left_behind')).toBe(false);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it('consent mode before consent: nothing stored either', async () => {
    await leaveOffline('/noconsent.html', '');
    expect(await stored()).toEqual([]);
  });
});

describe('one copy on the wire, per transport', () => {
  it('image: a slow endpoint, a flush while a pixel is open, then hidden: every event id is in exactly one request', async () => {
    collector.fault(({ body }) => (body.includes(`"site":"${site}"`) ? { delayMs: 800 } : undefined));
    const { page } = await open(tagPage('/once-image.html', 'data-transport="image" data-cookies="never"'));
    await waitFor(() => mine().length == 1, 'the page view request');
    await page.evaluate(() => {
      (window as any).leadbeam('track', 'pending_at_hide');
      (window as any).leadbeam('flush');
      Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitAccepted(['page:/once-image.html', 'pending_at_hide']);
    await waitFor(() => mine().every((r) => r.status != null), 'every request answered');
    const copies = new Map<string, number>();
    for (const e of sentEvents()) copies.set(e.id, (copies.get(e.id) || 0) + 1);
    expect([...copies.values()].every((n) => n == 1), JSON.stringify([...copies])).toBe(true);
  });

  // The pixel is left out of the unload case: an image cannot outlive its page (README, "image at unload").
  for (const transport of ['auto', 'fetch', 'beacon'])
    it(`${transport}: a slow endpoint, then hidden, then pagehide: every event id is in exactly one request`, async () => {
      collector.fault(({ body }) => (body.includes(`"site":"${site}"`) ? { delayMs: 800 } : undefined));
      const { page } = await open(tagPage('/once-' + transport + '.html', `data-transport="${transport}" data-cookies="never"`));
      await waitFor(() => mine().length == 1, 'the page view request');
      await page.evaluate(() => {
        (window as any).leadbeam('track', 'pending_at_hide');
        Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
        (window as any).leadbeam('track', 'after_hide');
        location.href = '/next.html';
      });
      await page.waitForURL('**/next.html', { waitUntil: 'load' });
      await waitAccepted(['page:/once-' + transport + '.html', 'pending_at_hide', 'after_hide']);
      await waitFor(() => mine().every((r) => r.status != null), 'every request answered');
      const copies = new Map<string, number>();
      for (const e of sentEvents()) copies.set(e.id, (copies.get(e.id) || 0) + 1);
      expect([...copies.values()].every((n) => n == 1), JSON.stringify([...copies])).toBe(true);
    });
});

describe('persistence: several tabs, the image pixel', () => {
  // Playwright's setOffline can read as online again while a page unloads: the
  // page's own view of the network is set here instead, per page.
  const stored = async () => (await context.storageState()).origins.flatMap((o) => o.localStorage);
  const OFFLINE = `Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => !window.__offline });`;

  it('two tabs offline each track an event and close: the next page delivers both', async () => {
    await context.addInitScript(OFFLINE);
    const url = tagPage('/tabs.html', 'data-cookies="always"');
    const tabs = [await open(url), await open(url)];
    await waitFor(() => acceptedEvents().filter((e) => e.type == 'page').length == 2, 'both page views');
    for (const [i, { page }] of tabs.entries())
      await page.evaluate((name) => {
        (window as any).__offline = true;
        (window as any).leadbeam('track', name);
      }, 'tab_' + i);
    for (const { page } of tabs) await page.close();
    expect(accepted('tab_0') || accepted('tab_1')).toBe(false);
    const saved = await stored();
    expect(saved.length).toBe(2);
    await open(tagPage('/tabs-next.html', 'data-cookies="always"'));
    await waitAccepted(['page:/tabs-next.html', 'tab_0', 'tab_1']);
    expect(await stored()).toEqual([]);
  });

  it('image transport at unload, storage allowed: what the pixel may not deliver is kept and resent by the next page', async () => {
    await context.addInitScript(OFFLINE);
    const { page } = await open(tagPage('/img-unload.html', 'data-cookies="always" data-transport="image"'));
    await waitAccepted(['page:/img-unload.html']);
    await page.evaluate(() => {
      (window as any).__offline = true;
      (window as any).leadbeam('track', 'img_left');
    });
    await page.close();
    expect((await stored()).some((s) => s.value.includes('img_left'))).toBe(true);
    await open(tagPage('/img-next.html', 'data-cookies="always" data-transport="image"'));
    await waitAccepted(['page:/img-next.html', 'img_left']);
  });

  it('image transport, endpoint answering 400: a batch is tried at most 8 times, then the next one goes', async () => {
    collector.fault(({ body }) => (body.includes(`"site":"${site}"`) && body.includes('refused_pixel') ? { status: 400 } : undefined));
    const { page, warnings } = await open(tagPage('/img-400.html', 'data-transport="image" data-batch-ms="10"'), { clock: true });
    await waitAccepted(['page:/img-400.html']);
    await lb(page, 'track', 'refused_pixel');
    const tries = () => mine().filter((r) => r.body!.includes('refused_pixel')).length;
    await advanceUntil(page, () => tries() >= 8, '8 tries', 5000);
    await waitFor(() => warnings.some((w) => w.includes('dropped after 8 failed attempts')), 'the warning');
    await page.clock.fastForward(600_000);
    expect(tries()).toBe(8);
    await lb(page, 'track', 'after_refused');
    await advanceUntil(page, () => accepted('after_refused'), 'the next batch');
  });
});

describe('an endpoint without CORS headers', () => {
  it('stores the batch, fetch cannot read the answer: after two failures it goes once by sendBeacon, then no more retries, with one warning', async () => {
    const { createServer } = await import('node:http');
    const bodies: string[] = [];
    const bare = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method == 'POST') bodies.push(body);
        res.writeHead(204).end(); // stored, but no Access-Control-Allow-Origin
      });
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(bare.address() as { port: number }).port}/e`;
      const { page, warnings } = await open(tagPage('/nocors.html', '', endpoint), { clock: true });
      const pageViews = () => bodies.filter((b) => b.includes('"type":"page"')).length;
      await advanceUntil(page, () => pageViews() >= 3, 'fetch, fetch, beacon', 1000);
      await waitFor(() => warnings.some((w) => w.includes('Access-Control-Allow-Origin')), 'the warning');
      expect((await net(page)).map((n) => n.kind)).toEqual(['fetch', 'fetch', 'beacon']);
      await page.clock.fastForward(300_000);
      expect(pageViews()).toBe(3);
      expect(new Set(bodies.map((b) => JSON.parse(b).events[0].id)).size).toBe(1);
      // the next batch: one failed fetch, then the beacon
      await lb(page, 'track', 'second');
      await advanceUntil(page, () => bodies.filter((b) => b.includes('"second"')).length >= 2, 'fetch, beacon', 1000);
      await page.clock.fastForward(300_000);
      expect(bodies.filter((b) => b.includes('"second"')).length).toBe(2);
    } finally {
      bare.closeAllConnections();
      await new Promise((r) => bare.close(r));
    }
  });
});

describe('endpoint rules', () => {
  /** Inits with a capturing custom transport: which URL would it send to? */
  async function tryEndpoint(endpoint: string) {
    const path = '/ep-' + Math.random().toString(36).slice(2) + '.html';
    const url = initPage(path, `{site:'${site}',endpoint:${JSON.stringify(endpoint)},transport:function(u){(window.__to=window.__to||[]).push(u);return true}}`);
    const { page, warnings, errors } = await open(url);
    await page.waitForFunction(() => (window as any).leadbeam && (window as any).leadbeam.v);
    await page.evaluate(() => {
      (window as any).leadbeam('track', 'probe');
      (window as any).leadbeam('flush');
    });
    const to: string[] = await page.evaluate(() => (window as any).__to || []);
    expect(errors).toEqual([]);
    await page.close();
    return { to, refused: warnings.some((w) => w.includes('endpoint must be https')) };
  }

  it('https:, and http: on localhost/loopback, are accepted', async () => {
    const cases = [
      ['https://collect.example.com/e', 'https://collect.example.com/e'],
      ['http://localhost:8787/e', 'http://localhost:8787/e'],
      ['http://127.0.0.1:8787/e', 'http://127.0.0.1:8787/e'],
      ['http://127.12.0.3/e', 'http://127.12.0.3/e'],
      ['http://[::1]:8787/e', 'http://[::1]:8787/e'],
      ['/e', server.url + '/e'],
    ];
    const results = await Promise.all(cases.map(([endpoint]) => tryEndpoint(endpoint)));
    for (const [i, [endpoint, expected]] of cases.entries()) {
      const { to, refused } = results[i];
      expect(refused, endpoint).toBe(false);
      expect(to.length, endpoint).toBeGreaterThan(0);
      expect(to.every((u) => u == expected), endpoint).toBe(true);
    }
  });

  it('any other endpoint is refused with a clear warning, and nothing is sent', async () => {
    const cases = ['http://collect.example.com/e', 'http://www.example.test/e', 'http://127.0.0.1.nip.io/e', 'ftp://127.0.0.1/e', 'javascript:alert(1)'];
    const results = await Promise.all(cases.map(tryEndpoint));
    for (const [i, endpoint] of cases.entries()) {
      const { to, refused } = results[i];
      expect(refused, endpoint).toBe(true);
      expect(to, endpoint).toEqual([]);
    }
  });

  it('http://localhost and http://127.0.0.1 really deliver', async () => {
    const local = collector.url.replace('127.0.0.1', 'localhost');
    const { page } = await open(tagPage('/ep-local.html', '', local));
    await waitAccepted(['page:/ep-local.html']);
    await page.close();
    const { page: p2 } = await open(tagPage('/ep-loop.html', '', collector.url));
    await waitAccepted(['page:/ep-loop.html']);
    await p2.close();
  });
});
