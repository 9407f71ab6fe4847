// Consent, cookies and privacy signals in real Chromium, on real subdomains
// (www.example.test and shop.example.test map to loopback): the two switches,
// the first-party cookies' attributes and registrable domain, grant / deny /
// withdraw across reloads, strict mode's held events, GPC and DNT, opt-out.
// Every attempted write and send is recorded in the page (storage-spy.ts).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type Page, type StaticServer } from './harness';
import { startCollector, type Collector, type WireBatch, type WireEvent } from '../../collector/src/server.mjs';
import { parseCookieWrite, privacySignals, sentEvents, spyOn, writes, type Spy } from './storage-spy';

let browser: Browser;
let server: StaticServer;
let collector: Collector;
let context: BrowserContext;
let spy: Spy;
let site: string;
let n = 0;

const VISITOR_S = 396 * 86400;
const SESSION_S = 1800;

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});
beforeEach(async () => {
  site = `CONSENT-${++n}`;
  context = await browser.newContext();
  spy = await spyOn(context, collector.url, server);
});
afterEach(async () => {
  await context.close();
});

/** Serves a page with the script tag (data-* options) for this test's site, on a host of example.test. */
async function open(options: Record<string, string | number | boolean> = {}, host = 'www.example.test', page?: Page): Promise<Page> {
  const attrs = Object.entries({ site, endpoint: collector.url, ...options })
    .map(([k, v]) => `data-${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}="${v}"`)
    .join(' ');
  const path = `/c/${site}.html`;
  server.page(path, `<!doctype html><html><head><meta charset="utf-8"><title>Consent</title><script src="/dist/leadbeam.js" ${attrs}></script></head><body></body></html>`);
  page = page || (await context.newPage());
  await page.goto(`${server.hostUrl(host)}${path}`);
  return page;
}

const lb = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as any).leadbeam(...a), args);
/** Tracks a named event and flushes. */
const mark = (page: Page, name: string) =>
  page.evaluate((name) => {
    (window as any).leadbeam('track', name);
    (window as any).leadbeam('flush');
  }, name);

function received(): WireEvent[] {
  const seen = new Map<string, WireEvent>();
  for (const b of collector.batches as WireBatch[]) if (b.site == site) for (const e of b.events) seen.set(e.id, e);
  return [...seen.values()];
}
const named = (name: string) => received().find((e) => e.name == name);
const arrived = (name: string) => waitFor(() => named(name), name) as Promise<WireEvent>;
const pageViews = () => received().filter((e) => e.type == 'page');

async function jar(name?: string) {
  const all = await context.cookies();
  return name ? all.find((c) => c.name == name) : all;
}
async function ours() {
  return (await context.cookies()).filter((c) => c.name.startsWith('_lb')).map((c) => c.name).sort();
}
/** The spy's entries since `from`, after every report of the live page has arrived. */
async function since(page: Page, from: number) {
  await spy.settle(page);
  return spy.log.slice(from);
}
const cookieWrites = (entries: typeof spy.log) => writes(entries, 'cookie').map((e) => parseCookieWrite(e.detail));
const anyWrites = (entries: typeof spy.log) => writes(entries).map((e) => `${e.kind}: ${e.detail}`);

describe('the first-party cookies', () => {
  it('land on the registrable domain (example.test) with Path=/, SameSite=Lax, 13 months / 30 minutes; shop.example.test sees the same ids', async () => {
    const www = await open({ cookies: 'always' });
    const { errors } = watchPage(www);
    await waitFor(() => pageViews().length == 1, 'page view');
    const [view] = pageViews();
    const now = Date.now() / 1000;
    const id = (await jar('_lb_id')) as any;
    const ses = (await jar('_lb_ses')) as any;
    expect(id).toMatchObject({ domain: '.example.test', path: '/', sameSite: 'Lax', httpOnly: false, secure: false });
    expect(ses).toMatchObject({ domain: '.example.test', path: '/', sameSite: 'Lax', httpOnly: false, secure: false });
    expect(Math.abs(id.expires - now - VISITOR_S)).toBeLessThan(120);
    expect(Math.abs(ses.expires - now - SESSION_S)).toBeLessThan(120);
    expect(id.value).toMatch(/^[\w-]{22}$/); // 132 random bits, base64url
    expect(ses.value).toMatch(/^[\w-]{16}$/);
    expect(view).toMatchObject({ vid: id.value, sid: ses.value });
    expect(await ours()).toEqual(['_lb_id', '_lb_ses']); // the probe removed itself
    // The probe found example.test at once (the TLD alone is never tried); the cookies were written there.
    const w = cookieWrites(spy.log);
    expect(w.map((c) => `${c.name}=${c.attrs['max-age']}@${c.attrs.domain}`)).toEqual(['_lb_probe=10@example.test', '_lb_probe=0@example.test', `_lb_id=${VISITOR_S}@example.test`, `_lb_ses=${SESSION_S}@example.test`]);
    expect(w.every((c) => c.attrs.path == '/' && c.attrs.samesite == 'lax' && !('secure' in c.attrs))).toBe(true);

    // Another subdomain of the same site: the same visitor and session.
    const shop = await open({ cookies: 'always' }, 'shop.example.test');
    await waitFor(() => pageViews().length == 2, 'shop page view');
    const shopView = pageViews().find((e) => e.url!.includes('shop.example.test'))!;
    expect(shopView).toMatchObject({ vid: id.value, sid: ses.value });
    expect(await shop.evaluate(() => document.cookie)).toContain(`_lb_id=${id.value}`);
    // Renewed on visit: the shop page rewrote both cookies with the same ids.
    const renewed = (await jar('_lb_id')) as any;
    expect(renewed.value).toBe(id.value);
    expect(renewed.expires).toBeGreaterThanOrEqual(id.expires);
    expect(errors).toEqual([]);
  });

  it('renewVisitorId: false keeps the first expiry of _lb_id on later visits (the default renews 13 months)', async () => {
    // First visit: the value carries the expiry it was set with; the wire gets the plain id.
    const first = await open({ cookies: 'always', renewVisitorId: false });
    await waitFor(() => pageViews().length == 1, 'page view');
    const set = (await jar('_lb_id')) as any;
    const [vid, exp] = set.value.split('.');
    expect(pageViews()[0].vid).toBe(vid);
    expect(Math.abs(set.expires - Date.now() / 1000 - VISITOR_S)).toBeLessThan(120);
    expect(Math.abs(parseInt(exp, 36) - set.expires)).toBeLessThan(2);
    await first.close();

    // A visit 296 days later: 100 days are left, and the visit does not extend them.
    const end = Math.round(Date.now() / 1000) + 100 * 86400;
    await context.addCookies([{ name: '_lb_id', value: vid + '.' + end.toString(36), domain: '.example.test', path: '/', expires: end, sameSite: 'Lax' }]);
    const later = await open({ cookies: 'always', renewVisitorId: false });
    await waitFor(() => pageViews().length == 2, 'second page view');
    expect(pageViews()[1].vid).toBe(vid);
    // The cookie was rewritten (the session cookie with it), yet with the same expiry.
    expect(cookieWrites(spy.log).filter((c) => c.name == '_lb_id').length).toBe(2);
    const kept = (await jar('_lb_id')) as any;
    expect(kept.value).toBe(vid + '.' + end.toString(36));
    expect(Math.abs(kept.expires - end)).toBeLessThan(2);
    await later.close();

    // The default renews: the same visitor, 13 months from now again.
    await open({ cookies: 'always' });
    await waitFor(() => pageViews().length == 3, 'third page view');
    const renewed = (await jar('_lb_id')) as any;
    expect(renewed.value).toBe(vid);
    expect(Math.abs(renewed.expires - Date.now() / 1000 - VISITOR_S)).toBeLessThan(120);
  });

  it('cookiePrefix and cookieDomain: the names and the Domain follow the options, with no probe', async () => {
    const page = await open({ cookies: 'always', cookiePrefix: 'acme', cookieDomain: 'www.example.test' });
    await waitFor(() => pageViews().length == 1, 'page view');
    const all = (await jar()) as any[];
    expect(all.map((c) => [c.name, c.domain]).sort()).toEqual([
      ['acme_id', '.www.example.test'],
      ['acme_ses', '.www.example.test'],
    ]);
    expect(pageViews()[0].vid).toBe(all.find((c) => c.name == 'acme_id').value);
    expect(cookieWrites(spy.log).map((c) => c.name)).toEqual(['acme_id', 'acme_ses']);
    // shop.example.test is outside that Domain: a different visitor.
    await open({ cookies: 'always', cookiePrefix: 'acme', cookieDomain: 'www.example.test' }, 'shop.example.test');
    await waitFor(() => pageViews().length == 2, 'shop page view');
    expect(pageViews()[1].vid).not.toBe(pageViews()[0].vid);
    // Withdrawal deletes them on the Domain they were set with.
    await lb(page, 'consent', 'denied');
    expect(((await jar()) as any[]).filter((c) => c.domain == '.www.example.test')).toEqual([]);
  });

  it('malformed or foreign values are never trusted: no remembered grant, replaced on grant, stable afterwards', async () => {
    const host = server.hostUrl('www.example.test');
    await context.addCookies([
      { name: '_lb_id', value: 'not-a-valid-id', domain: '.example.test', path: '/' },
      { name: '_lb_ses', value: 'x'.repeat(40), url: host },
    ]);
    const page = await open();
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(pageViews()[0].vid).toBeUndefined(); // a malformed visitor cookie is no remembered grant
    expect(cookieWrites(spy.log)).toEqual([]);
    await lb(page, 'consent', 'granted');
    await mark(page, 'one');
    await mark(page, 'two');
    await arrived('two');
    const id = (await jar('_lb_id')) as any;
    expect(id.value).toMatch(/^[\w-]{22}$/);
    expect(named('one')!.vid).toBe(id.value);
    expect(named('two')!).toMatchObject({ vid: id.value, sid: named('one')!.sid });
    expect(named('one')!.sid).toMatch(/^[\w-]{16}$/);
    // The foreign value on example.test was overwritten by ours.
    expect(((await jar()) as any[]).filter((c) => c.name == '_lb_id').map((c) => c.value)).toEqual([id.value]);
  });
});

describe("cookies: 'consent' (default)", () => {
  it('cookieless until grant; the grant ties the page view to the new ids; remembered on reload; withdrawal deletes both at once', async () => {
    const page = await open();
    const { errors } = watchPage(page);
    await waitFor(() => pageViews().length == 1, 'cookieless page view');
    const first = pageViews()[0];
    expect(first.vid).toBeUndefined();
    expect(first.sid).toBeUndefined();
    expect(anyWrites(await since(page, 0))).toEqual([]);
    expect(await jar()).toEqual([]);

    await lb(page, 'consent', 'granted');
    await waitFor(() => received().some((e) => e.type == 'consent'), 'consent event');
    const id = ((await jar('_lb_id')) as any).value;
    const sid = ((await jar('_lb_ses')) as any).value;
    expect(received().find((e) => e.type == 'consent')).toMatchObject({ state: 'granted', pv: first.pv, vid: id, sid });
    await mark(page, 'after_grant');
    expect(await arrived('after_grant')).toMatchObject({ pv: first.pv, vid: id, sid });

    // A later page: the visitor cookie stands for the grant; same visitor, same session.
    await page.reload();
    await waitFor(() => pageViews().length == 2, 'second page view');
    expect(pageViews()[1]).toMatchObject({ vid: id, sid });
    expect(received().filter((e) => e.type == 'consent').length).toBe(1);

    // Withdrawal: both cookies deleted at once, on the domain and path they were set with.
    const from = spy.log.length;
    await lb(page, 'consent', 'denied');
    expect(await jar()).toEqual([]);
    const deletions = cookieWrites(await since(page, from));
    expect(deletions.every((c) => c.attrs['max-age'] == '0' && c.attrs.path == '/')).toBe(true);
    expect(deletions.filter((c) => c.attrs.domain == 'example.test').map((c) => c.name).sort()).toEqual(['_lb_id', '_lb_ses']);
    // Back to cookieless: still sent (requireConsent is false), without ids.
    await mark(page, 'after_withdraw');
    const after = await arrived('after_withdraw');
    expect(after.vid).toBeUndefined();
    expect(after.sid).toBeUndefined();

    // The next page is cookieless and writes nothing.
    const beforeReload = spy.log.length;
    await page.reload();
    await waitFor(() => pageViews().length == 3, 'third page view');
    expect(pageViews()[2].vid).toBeUndefined();
    expect(anyWrites(await since(page, beforeReload))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('consent changed across reloads: grant, deny on the next page, no answer on the third, grant again → a new visitor', async () => {
    const page = await open();
    await lb(page, 'consent', 'granted');
    await mark(page, 'p1');
    const v1 = (await arrived('p1')).vid!;
    expect(v1).toMatch(/^[\w-]{22}$/);
    await page.reload();
    await waitFor(() => pageViews().length == 2, 'page 2');
    expect(pageViews()[1].vid).toBe(v1);
    await lb(page, 'consent', 'denied');
    await mark(page, 'p2');
    expect((await arrived('p2')).vid).toBeUndefined();
    await page.reload();
    await waitFor(() => pageViews().length == 3, 'page 3');
    expect(pageViews()[2].vid).toBeUndefined(); // the denial deleted the cookie: no remembered grant
    expect(await jar()).toEqual([]);
    await lb(page, 'consent', 'granted');
    await mark(page, 'p3');
    const v3 = (await arrived('p3')).vid!;
    expect(v3).toMatch(/^[\w-]{22}$/);
    expect(v3).not.toBe(v1);
    // The third page view went out cookieless: the grant tied it to the new ids.
    expect(received().filter((e) => e.type == 'consent').map((e) => [e.pv, e.vid])).toEqual([
      [pageViews()[0].pv, v1],
      [pageViews()[2].pv, v3],
    ]);
  });
});

describe("cookies: 'always' and 'never'", () => {
  it("'always': cookies from the first page view; deleted at once on denial, then cookieless", async () => {
    const page = await open({ cookies: 'always' });
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(pageViews()[0].vid).toMatch(/^[\w-]{22}$/);
    await lb(page, 'consent', 'denied');
    expect(await jar()).toEqual([]);
    await mark(page, 'denied');
    expect((await arrived('denied')).vid).toBeUndefined();
    expect(received().filter((e) => e.type == 'consent')).toEqual([]);
  });

  it("'never': a grant changes nothing: no cookie, no storage, no ids, no consent event, over reloads", async () => {
    const page = await open({ cookies: 'never' });
    await lb(page, 'consent', 'granted');
    await mark(page, 'granted');
    await arrived('granted');
    await page.reload();
    await waitFor(() => pageViews().length == 2, 'second page view');
    await mark(page, 'reloaded');
    await arrived('reloaded');
    await spy.settle(page);
    expect(anyWrites(spy.log)).toEqual([]);
    expect(await jar()).toEqual([]);
    expect(await page.evaluate(async () => [localStorage.length, sessionStorage.length, (await indexedDB.databases()).length])).toEqual([0, 0, 0]);
    expect(received().filter((e) => e.vid || e.sid)).toEqual([]);
    expect(received().filter((e) => e.type == 'consent')).toEqual([]);
    expect(sentEvents(spy.log).filter((e) => e.vid || e.sid)).toEqual([]);
  });
});

describe('strict consent mode (requireConsent)', () => {
  it('nothing sent or stored before the grant; the held events are sent on grant with their original ts and pv, and ids', async () => {
    const page = await open({ requireConsent: true });
    await mark(page, 'before_grant');
    const entries = await since(page, 0);
    expect(sentEvents(entries)).toEqual([]);
    expect(anyWrites(entries)).toEqual([]);
    expect(await jar()).toEqual([]);
    const tGrant = Date.now();
    await lb(page, 'consent', 'granted');
    await arrived('before_grant');
    await waitFor(() => pageViews().length == 1, 'held page view');
    const [view] = pageViews();
    const held = named('before_grant')!;
    expect(view.ts).toBeLessThan(tGrant);
    expect(held.ts).toBeLessThan(tGrant);
    expect(held.pv).toBe(view.pv);
    const id = ((await jar('_lb_id')) as any).value;
    expect(view.vid).toBe(id);
    expect(held.vid).toBe(id);
    // The page view itself carries the ids: no consent event is needed.
    expect(received().filter((e) => e.type == 'consent')).toEqual([]);
    await page.reload();
    await waitFor(() => pageViews().length == 2, 'remembered grant');
    expect(pageViews()[1].vid).toBe(id);
  });

  it('what is held is bounded (maxQueue): page views are kept, the oldest other events dropped and counted', async () => {
    const page = await open({ requireConsent: true, maxQueue: 5 });
    await page.evaluate(() => {
      for (let i = 0; i < 20; i++) (window as any).leadbeam('track', 'held_' + i);
    });
    await lb(page, 'consent', 'granted');
    await arrived('held_19');
    const events = received();
    expect(events.length).toBe(5);
    expect(events.filter((e) => e.type == 'page').length).toBe(1);
    expect(events.filter((e) => e.type == 'event').map((e) => e.name)).toEqual(['held_16', 'held_17', 'held_18', 'held_19']);
    expect(collector.batches.filter((b) => b.site == site).reduce((s, b) => s + (b.dropped || 0), 0)).toBe(16);
  });

  it('denial drops what was held; nothing at all is sent afterwards (events, route changes, flush, unload)', async () => {
    const page = await open({ requireConsent: true });
    await mark(page, 'held');
    await lb(page, 'consent', 'denied');
    await page.evaluate(() => {
      history.pushState({}, '', '?route=2');
      (window as any).leadbeam('track', 'after_denial');
      (window as any).leadbeam('form', 'jan@acme.nl');
      (window as any).leadbeam('flush');
    });
    await waitFor(() => page.evaluate(() => location.search == '?route=2'), 'route change');
    const doc = spy.currentDoc();
    await page.goto(server.hostUrl('www.example.test') + '/dist/schema.json');
    await spy.unloaded(doc);
    expect(sentEvents(spy.log)).toEqual([]);
    expect(anyWrites(spy.log)).toEqual([]);
    expect(await jar()).toEqual([]);
    expect(collector.batches.filter((b) => b.site == site)).toEqual([]);
  });

  it('a grant after a denial sends only what comes next, never what was dropped', async () => {
    const page = await open({ requireConsent: true });
    await mark(page, 'dropped');
    await lb(page, 'consent', 'denied');
    await lb(page, 'consent', 'granted');
    await mark(page, 'after_regrant');
    await arrived('after_regrant');
    expect(received().map((e) => e.name || e.type)).toEqual(['after_regrant']);
  });

  it("with cookies 'never': sent on grant without ids, nothing stored", async () => {
    const page = await open({ requireConsent: true, cookies: 'never' });
    await mark(page, 'held');
    await lb(page, 'consent', 'granted');
    await arrived('held');
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(received().filter((e) => e.vid || e.sid)).toEqual([]);
    expect(anyWrites(await since(page, 0))).toEqual([]);
  });
});

describe('privacy signals', () => {
  it('GPC counts as denied: a grant sets no cookie and adds no ids (the signal wins); page views still go out cookieless', async () => {
    await privacySignals(context, { gpc: true });
    const page = await open();
    await lb(page, 'consent', 'granted');
    await mark(page, 'gpc');
    expect((await arrived('gpc')).vid).toBeUndefined();
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(received().filter((e) => e.vid || e.sid || e.type == 'consent')).toEqual([]);
    expect(anyWrites(await since(page, 0))).toEqual([]);
    expect(await jar()).toEqual([]);
  });

  it("GPC with cookies 'always': no cookie from the first page view", async () => {
    await privacySignals(context, { gpc: true });
    await open({ cookies: 'always' });
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(pageViews()[0].vid).toBeUndefined();
    expect(await jar()).toEqual([]);
  });

  it('GPC in strict mode: nothing is ever sent, even after a grant', async () => {
    await privacySignals(context, { gpc: true });
    const page = await open({ requireConsent: true });
    await lb(page, 'consent', 'granted');
    await mark(page, 'never');
    const entries = await since(page, 0);
    expect(sentEvents(entries)).toEqual([]);
    expect(anyWrites(entries)).toEqual([]);
  });

  it('respectGpc: false lets the site ignore the signal; GPC false is no signal', async () => {
    await privacySignals(context, { gpc: true });
    const page = await open({ respectGpc: false });
    await lb(page, 'consent', 'granted');
    await mark(page, 'ignored');
    expect((await arrived('ignored')).vid).toMatch(/^[\w-]{22}$/);

    const other = await browser.newContext();
    try {
      await privacySignals(other, { gpc: false });
      const p = await other.newPage();
      site = site + '-b';
      server.page(`/c/${site}.html`, `<!doctype html><script src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}" data-cookies="always"></script>`);
      await p.goto(`${server.hostUrl('www.example.test')}/c/${site}.html`);
      await waitFor(() => pageViews().length == 1, 'page view');
      expect(pageViews()[0].vid).toMatch(/^[\w-]{22}$/);
    } finally {
      await other.close();
    }
  });

  it('Do Not Track is ignored by default and counts as denied with respectDnt', async () => {
    await privacySignals(context, { dnt: true });
    await open({ cookies: 'always' });
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(pageViews()[0].vid).toMatch(/^[\w-]{22}$/);

    await context.clearCookies();
    const page = await open({ cookies: 'always', respectDnt: true });
    await waitFor(() => pageViews().length == 2, 'second page view');
    expect(pageViews()[1].vid).toBeUndefined();
    expect(await jar()).toEqual([]);
    const strict = await open({ requireConsent: true, respectDnt: true }, 'www.example.test', page);
    const from = spy.log.length;
    await lb(strict, 'consent', 'granted');
    await mark(strict, 'dnt');
    expect(sentEvents(await since(strict, from))).toEqual([]);
  });
});

describe('optOut / optIn', () => {
  it('optOut stops everything and stores only its flag (shared by subdomains); optIn reverses it', async () => {
    const page = await open({ cookies: 'always' });
    await waitFor(() => pageViews().length == 1, 'page view');
    const from = spy.log.length;
    await lb(page, 'optOut');
    expect(await ours()).toEqual(['_lb_optout']);
    const flag = (await jar('_lb_optout')) as any;
    expect(flag).toMatchObject({ domain: '.example.test', path: '/', sameSite: 'Lax' });
    expect(Math.abs(flag.expires - Date.now() / 1000 - VISITOR_S)).toBeLessThan(120);
    await page.evaluate(() => history.pushState({}, '', '?after=optout'));
    await mark(page, 'opted_out');
    const w = await since(page, from);
    expect(sentEvents(w)).toEqual([]);
    // Writes: the deletions of the two cookies and the flag, nothing else.
    expect(cookieWrites(w).filter((c) => c.attrs['max-age'] != '0').map((c) => c.name)).toEqual(['_lb_optout']);
    expect(writes(w).filter((e) => e.kind != 'cookie')).toEqual([]);

    // Remembered on the next page and on another subdomain: nothing sent, nothing written.
    const before = spy.log.length;
    await page.reload();
    await mark(page, 'reloaded');
    await open({ cookies: 'always' }, 'shop.example.test', page);
    await mark(page, 'shop');
    const later = await since(page, before);
    expect(sentEvents(later)).toEqual([]);
    expect(anyWrites(later)).toEqual([]);
    expect(received().map((e) => e.name || e.type)).toEqual(['page']);

    // optIn: the flag is removed and tracking resumes (here with the cookies again).
    await lb(page, 'optIn');
    expect(await ours()).toEqual([]);
    await mark(page, 'opted_in');
    expect((await arrived('opted_in')).vid).toMatch(/^[\w-]{22}$/);
    expect(await ours()).toEqual(['_lb_id', '_lb_ses']);
  });

  it('optOut and optIn in cookieless mode write only the flag (no probe cookie: the flag finds the registrable domain itself)', async () => {
    const page = await open({ cookies: 'never' });
    await waitFor(() => pageViews().length == 1, 'page view');
    await lb(page, 'optOut');
    expect(cookieWrites(await since(page, 0)).map((c) => `${c.name}@${c.attrs.domain}`)).toEqual(['_lb_optout@example.test']);
    expect(await ours()).toEqual(['_lb_optout']);
    expect(((await jar('_lb_optout')) as any).domain).toBe('.example.test');
    const from = spy.log.length;
    await lb(page, 'optIn');
    expect(cookieWrites(await since(page, from)).every((c) => c.name == '_lb_optout' && c.attrs['max-age'] == '0')).toBe(true);
    expect(await ours()).toEqual([]);
  });
});

describe('across tabs: a withdrawal in one tab holds in every tab', () => {
  /** Two tabs of the site, both granted, sharing one visitor id. */
  async function twoGrantedTabs(options: Record<string, string | boolean> = {}) {
    const a = await open(options);
    const b = await open(options);
    await lb(a, 'consent', 'granted');
    await lb(b, 'consent', 'granted');
    await mark(a, 'a_granted');
    await mark(b, 'b_granted');
    const vid = (await arrived('b_granted')).vid!;
    expect(vid).toMatch(/^[\w-]{22}$/);
    expect((await arrived('a_granted')).vid).toBe(vid);
    return { a, b, vid };
  }

  it('tab A denies: tab B recreates no cookie and writes nothing, its events carry no ids, and the next page load has no visitor id', async () => {
    const { a, b } = await twoGrantedTabs();
    await lb(a, 'consent', 'denied');
    expect(await jar()).toEqual([]);
    const from = spy.log.length;
    await mark(b, 'b_after_withdrawal');
    const after = await arrived('b_after_withdrawal');
    expect(after.vid).toBeUndefined();
    expect(after.sid).toBeUndefined();
    expect(await ours()).toEqual([]);
    expect(await b.evaluate(() => document.cookie)).not.toContain('_lb_');
    // Tab B hidden and then closed: still nothing written (no cookie, no saved queue).
    await b.evaluate(() => (window as any).leadbeam('track', 'b_unsent'));
    await b.close({ runBeforeUnload: true });
    await waitFor(() => named('b_unsent'), 'the last event of tab B');
    expect(named('b_unsent')!.vid).toBeUndefined();
    expect(anyWrites(spy.log.slice(from))).toEqual([]);
    // A new page load: no remembered grant, no visitor id.
    const before = pageViews().length;
    const c = await open();
    await waitFor(() => pageViews().length == before + 1, 'the new page view');
    expect(pageViews().at(-1)!.vid).toBeUndefined();
    await mark(c, 'new_page');
    expect((await arrived('new_page')).vid).toBeUndefined();
    expect(await ours()).toEqual([]);
  });

  it('a fresh grant in tab B afterwards starts a new visitor there', async () => {
    const { a, b, vid } = await twoGrantedTabs();
    await lb(a, 'consent', 'denied');
    await mark(b, 'b_withdrawn');
    expect((await arrived('b_withdrawn')).vid).toBeUndefined();
    await lb(b, 'consent', 'granted');
    await mark(b, 'b_regranted');
    const again = (await arrived('b_regranted')).vid;
    expect(again).toMatch(/^[\w-]{22}$/);
    expect(again).not.toBe(vid);
    expect(((await jar('_lb_id')) as any).value).toBe(again);
  });

  it('strict mode (requireConsent): after tab A denies, tab B sends and stores nothing more', async () => {
    const { a, b } = await twoGrantedTabs({ requireConsent: true });
    await lb(a, 'consent', 'denied');
    const from = spy.log.length;
    await mark(b, 'b_after_withdrawal');
    await b.evaluate(() => history.pushState({}, '', '?route=2'));
    await mark(b, 'b_route');
    const entries = await since(b, from);
    expect(sentEvents(entries)).toEqual([]);
    expect(anyWrites(entries)).toEqual([]);
    expect(await ours()).toEqual([]);
  });

  it("cookies 'always': a denial in tab A holds in tab B for that tab's lifetime", async () => {
    const a = await open({ cookies: 'always' });
    const b = await open({ cookies: 'always' });
    await mark(b, 'b_always');
    expect((await arrived('b_always')).vid).toMatch(/^[\w-]{22}$/);
    await lb(a, 'consent', 'denied');
    const from = spy.log.length;
    await mark(b, 'b_after_denial');
    expect((await arrived('b_after_denial')).vid).toBeUndefined();
    expect(anyWrites(await since(b, from))).toEqual([]);
    expect(await ours()).toEqual([]);
  });

  it('an opt-out in tab A stops tab B too, also in cookieless mode', async () => {
    for (const cookies of ['consent', 'never']) {
      site = `${site}-${cookies}`;
      const a = await open({ cookies });
      const b = await open({ cookies });
      if (cookies == 'consent') await lb(b, 'consent', 'granted');
      await mark(b, 'b_before');
      await arrived('b_before');
      await lb(a, 'optOut');
      const from = spy.log.length;
      await mark(b, 'b_after_optout');
      await b.evaluate(() => history.pushState({}, '', '?route=2'));
      const entries = await since(b, from);
      expect(sentEvents(entries), cookies).toEqual([]);
      expect(anyWrites(entries), cookies).toEqual([]);
      expect(await ours(), cookies).toEqual(['_lb_optout']);
      await a.close();
      await b.close();
      await context.clearCookies();
    }
  });

  it('an expired session cookie is no withdrawal: tab B starts a new session for the same visitor', async () => {
    const { b, vid } = await twoGrantedTabs();
    const sid = named('b_granted')!.sid;
    await context.clearCookies({ name: '_lb_ses' }); // 30 minutes without activity
    await mark(b, 'b_new_session');
    const next = await arrived('b_new_session');
    expect(next.vid).toBe(vid);
    expect(next.sid).toMatch(/^[\w-]{16}$/);
    expect(next.sid).not.toBe(sid);
    expect(await ours()).toEqual(['_lb_id', '_lb_ses']);
  });
});

describe('misconfiguration', () => {
  it('data-consent-source on the plain build (no adapters inside) warns once, naming dist/leadbeam.cmp.js', async () => {
    const page = await context.newPage();
    const { warnings } = watchPage(page);
    await open({ requireConsent: true, consentSource: 'tcf' }, 'www.example.test', page);
    await mark(page, 'held');
    await page.evaluate(() => (window as any).leadbeam('init', { consentSource: 'tcf' })); // a second init: no second warning
    await waitFor(() => warnings.some((w) => w.includes('init called twice')), 'second init warning');
    expect(warnings.filter((w) => w.includes('data-consent-source'))).toEqual([
      '[leadbeam] data-consent-source needs dist/leadbeam.cmp.js ',
    ]);
    // Without a source, no such warning.
    const plain = await context.newPage();
    const quiet = watchPage(plain);
    await open({}, 'www.example.test', plain);
    await waitFor(() => pageViews().length == 1, 'page view');
    expect(quiet.warnings).toEqual([]);
  });
});
