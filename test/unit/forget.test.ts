// forget() (erasure) in happy-dom with fake timers: the request it sends, its retries,
// what it deletes, and the denial it leaves behind (this tab, another tab, after reload)
// until a fresh grant. The same in real Chromium: test/browser/forget.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Ajv from 'ajv';
import schema from '../../src/schema.json';
import { createCookies } from '../../src/cookies';
import type { Options, Tracker } from '../../src/index';

const validate = new Ajv({ strict: false }).compile(schema);
const ENDPOINT = 'https://c.example/e';

type Event = { type: string; name?: string; vid?: string; sid?: string; pv: string };
/** Event batches the transport got, and every fetch (the forget requests). */
let batches: { events: Event[] }[];
let fetches: { url: string; init: RequestInit }[];
/** What the endpoint answers the next forget request: a status, or 'down' (fetch rejects). */
let answers: (number | 'down' | 'throw')[];
let createTracker: (o: Options) => Tracker;

const transport = (_url: string, body: string) => (batches.push(JSON.parse(body)), true);
const start = (o: Partial<Options> = {}) => createTracker({ site: 'S', endpoint: ENDPOINT, transport, batchMs: 5, ...o });
const events = () => batches.flatMap((b) => b.events);
const named = (name: string) => events().find((e) => e.name == name);
/** A cookie's value; a deleted one (happy-dom may keep it empty) reads as undefined. */
const cookie = (name: string) => document.cookie.split('; ').find((c) => c.startsWith(name + '='))?.slice(name.length + 1) || undefined;
/** Every document.cookie write from now on (the setter, wherever happy-dom defines it). */
function spyCookieWrites(): string[] {
  const out: string[] = [];
  let proto: object | null = document;
  while (proto && !Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
  const d = Object.getOwnPropertyDescriptor(proto!, 'cookie')!;
  Object.defineProperty(document, 'cookie', { configurable: true, get: () => d.get!.call(document), set: (v: string) => (out.push(v), d.set!.call(document, v)) });
  return out;
}
/** Tracks an event and lets it be sent. */
async function mark(t: Tracker, name: string) {
  t.track(name);
  t.flush();
  await vi.advanceTimersByTimeAsync(10);
  return named(name);
}

beforeEach(async () => {
  batches = [];
  fetches = [];
  answers = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      fetches.push({ url, init });
      const a = answers.shift() ?? 202;
      if (a == 'down') throw new TypeError('Failed to fetch');
      return new Response(null, { status: a as number, headers: a == 429 ? { 'retry-after': '30' } : {} });
    }),
  );
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.resetModules();
  ({ createTracker } = await import('../../src/index'));
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  delete (document as { cookie?: string }).cookie; // the spy, if a test set one
  document.cookie.split('; ').forEach((c) => (document.cookie = c.split('=')[0] + '=; max-age=0; path=/'));
  localStorage.clear();
});

/** A granted tracker with a visitor id that reached the transport. */
async function granted(o: Partial<Options> = {}) {
  const t = start(o);
  t.consent('granted');
  const vid = (await mark(t, 'before'))!.vid!;
  expect(vid).toMatch(/^[\w-]{22}$/);
  return { t, vid };
}

describe('forget()', () => {
  it('sends {v, site, forget: vid} as a text body by fetch (keepalive, no credentials), not as an event batch; resolves true on 202', async () => {
    const { t, vid } = await granted();
    const before = batches.length;
    await expect(t.forget()).resolves.toBe(true);
    expect(fetches).toHaveLength(1);
    const { url, init } = fetches[0];
    expect(url).toBe(ENDPOINT);
    expect(init).toMatchObject({ method: 'POST', keepalive: true, credentials: 'omit' });
    expect(typeof init.body).toBe('string'); // a string body goes as text/plain;charset=UTF-8: no preflight
    const body = JSON.parse(init.body as string);
    expect(body).toEqual({ v: 1, site: 'S', forget: vid });
    expect(validate(body)).toBe(true);
    expect(batches.length).toBe(before); // not through the event queue
    t.destroy();
  });

  it('deletes both cookies and every saved queue copy of the site (also other tabs’), and leaves only the forgotten mark', async () => {
    localStorage.setItem('_lb_q.othertab', JSON.stringify({ site: 'S', events: [{ type: 'event', id: 'x'.repeat(16), ts: Date.now(), pv: 'p'.repeat(16) }] }));
    localStorage.setItem('_lb_q.othersite', JSON.stringify({ site: 'OTHER', events: [] }));
    const { t } = await granted();
    expect(cookie('_lb_id')).toBeTruthy();
    await t.forget();
    expect(cookie('_lb_id')).toBeUndefined();
    expect(cookie('_lb_ses')).toBeUndefined();
    expect(cookie('_lb_optout')).toBe('d');
    expect(Object.keys(localStorage)).toEqual(['_lb_q.othersite']);
    t.destroy();
  });

  it('afterwards this tab counts as denied: events go without ids (strict mode: not at all) and no cookie comes back', async () => {
    const { t, vid } = await granted();
    await t.forget();
    const from = batches.length;
    const after = (await mark(t, 'after'))!;
    expect(after.vid).toBeUndefined();
    expect(after.sid).toBeUndefined();
    // A new page-view id: nothing later shares one with what was erased.
    expect(after.pv).not.toBe(named('before')!.pv);
    expect(cookie('_lb_id')).toBeUndefined();
    expect(JSON.stringify(batches.slice(from))).not.toContain(vid);
    t.destroy();

    const strict = await granted({ requireConsent: true });
    await strict.t.forget();
    expect(await mark(strict.t, 'strict_after')).toBeUndefined();
    strict.t.destroy();
  });

  it('after a reload: denied until a fresh grant (cookies "always" sets no cookie; strict mode sends nothing); the grant removes the mark and starts a NEW visitor', async () => {
    const { t, vid } = await granted({ cookies: 'always' });
    await t.forget();
    t.destroy();

    // The mark is read at start: 'always' mode does not take over a saved queue (storage is denied).
    const saved = JSON.stringify({ site: 'S', events: [{ type: 'event', id: 'k'.repeat(16), ts: Date.now(), pv: 'p'.repeat(16), name: 'saved' }] });
    localStorage.setItem('_lb_q.x', saved);
    const reloaded = start({ cookies: 'always' });
    expect((await mark(reloaded, 'reloaded'))!.vid).toBeUndefined();
    expect(named('saved')).toBeUndefined();
    expect(localStorage.getItem('_lb_q.x')).toBe(saved);
    localStorage.clear();
    expect(cookie('_lb_id')).toBeUndefined();
    reloaded.destroy();

    const strict = start({ requireConsent: true });
    expect(await mark(strict, 'strict_reloaded')).toBeUndefined();
    strict.consent('granted');
    const fresh = (await mark(strict, 'regranted'))!.vid;
    expect(fresh).toMatch(/^[\w-]{22}$/);
    expect(fresh).not.toBe(vid);
    expect(cookie('_lb_optout')).toBeUndefined();
    strict.destroy();
  });

  it('another tab (same cookie jar) that held the visitor id stops sending it and does not recreate the cookie; one that never held it counts as denied too', async () => {
    const a = start();
    const b = start();
    const c = start({ requireConsent: true }); // no answer yet: holds its events
    c.track('c_held');
    a.consent('granted');
    b.consent('granted');
    await mark(a, 'a_before');
    expect((await mark(b, 'b_before'))!.vid).toMatch(/^[\w-]{22}$/);
    await a.forget();
    const after = (await mark(b, 'b_after'))!;
    expect(after.vid).toBeUndefined();
    expect(cookie('_lb_id')).toBeUndefined();
    expect(cookie('_lb_optout')).toBe('d');
    // Tab C (strict, no answer yet) held its events: the forget in tab A is its denial too, so what
    // it held is dropped, and a grant afterwards sends only what comes next (with a new visitor id).
    c.track('c_after');
    await mark(c, 'c_after_flush');
    c.consent('granted');
    expect((await mark(c, 'c_granted'))!.vid).toMatch(/^[\w-]{22}$/);
    expect([named('c_held'), named('c_after'), named('c_after_flush')]).toEqual([undefined, undefined, undefined]);
    for (const t of [a, b, c]) t.destroy();
  });

  it('endpoint down: retried with backoff (at most 8 attempts, about 2 minutes), then false; the denial holds all the same', async () => {
    answers = Array(8).fill('down');
    const { t } = await granted();
    let result: boolean | undefined;
    t.forget().then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(0);
    expect(fetches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(125_000); // 1+2+4+8+16+32+60 s: the longest the waits can add up to
    expect(fetches).toHaveLength(8);
    expect(result).toBe(false);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fetches).toHaveLength(8);
    expect(cookie('_lb_optout')).toBe('d');
    expect((await mark(t, 'after'))!.vid).toBeUndefined();
    t.destroy();
  });

  it('a 5xx or 429 is retried (Retry-After respected) until the 202; another 4xx resolves false at once, unretried', async () => {
    answers = [503, 429, 202];
    const { t } = await granted();
    let result: boolean | undefined;
    t.forget().then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(1000); // the first wait is at most 1 s
    expect(fetches).toHaveLength(2); // the 429 asked for 30 s
    await vi.advanceTimersByTimeAsync(29_000);
    expect(fetches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetches).toHaveLength(3);
    expect(result).toBe(true);
    t.destroy();

    fetches = [];
    answers = [400];
    const other = await granted();
    await expect(other.t.forget()).resolves.toBe(false);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fetches).toHaveLength(1);
    other.t.destroy();
  });

  it('never rejects or throws: fetch missing (throws synchronously) resolves false after the retries', async () => {
    const { t } = await granted();
    vi.stubGlobal('fetch', () => {
      throw new ReferenceError('fetch is not defined');
    });
    const p = t.forget();
    await vi.advanceTimersByTimeAsync(200_000);
    await expect(p).resolves.toBe(false);
    t.destroy();
  });

  it('no visitor id (never granted, or cookieless mode): resolves false with no request and writes nothing; the denial lasts for the page', async () => {
    for (const cookies of ['consent', 'never'] as const) {
      const t = start({ cookies });
      await mark(t, 'first');
      const cookieWrites = spyCookieWrites();
      // Left by an earlier page: even that is not touched (a cookieless page never uses storage).
      localStorage.setItem('_lb_q.old', JSON.stringify({ site: 'S', events: [] }));
      await expect(t.forget()).resolves.toBe(false);
      expect(fetches).toEqual([]);
      expect(cookieWrites, cookies).toEqual([]);
      expect(Object.keys(localStorage), cookies).toEqual(['_lb_q.old']);
      localStorage.clear();
      // Denied on this page: a grant-less 'always'-like storage never starts; events still go cookieless.
      expect((await mark(t, 'after_' + cookies))!.vid).toBeUndefined();
      t.destroy();
    }
  });

  it('after destroy(), and on the script-tag global path (the inert tracker), forget() resolves false', async () => {
    const { t } = await granted();
    t.destroy();
    await expect(t.forget()).resolves.toBe(false);
    expect(fetches).toEqual([]);
  });
});

describe('the _optout flag: "1" (or any value but "d") = opted out, "d" = forgotten', () => {
  it('reads old flags as before, and never lets forgetting and opting out undo each other', () => {
    const c = createCookies('_lb', '');
    document.cookie = '_lb_optout=1;path=/';
    expect([c.optedOut(), c.forgotten()]).toEqual([true, false]);
    c.setForgotten(true); // never over an opt-out
    expect(cookie('_lb_optout')).toBe('1');
    document.cookie = '_lb_optout=x;path=/'; // a foreign value errs on the side of privacy
    expect([c.optedOut(), c.forgotten()]).toEqual([true, false]);
    document.cookie = '_lb_optout=d;path=/';
    expect([c.optedOut(), c.forgotten()]).toEqual([false, true]);
    c.setOptOut(false); // opting in never removes the forgotten mark
    expect(cookie('_lb_optout')).toBe('d');
    c.setOptOut(true); // an opt-out replaces it
    expect([c.optedOut(), c.forgotten(), cookie('_lb_optout')]).toEqual([true, false, '1']);
    c.setForgotten(false); // a grant removes only the forgotten mark
    expect(cookie('_lb_optout')).toBe('1');
    c.setOptOut(false);
    expect(cookie('_lb_optout')).toBeUndefined();
  });
});
