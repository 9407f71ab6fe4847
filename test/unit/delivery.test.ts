// The delivery engine without a browser: the bounded queue (bounds, dropped
// counter, persistence), the send loop (batching, splitting, retries with
// full-jitter backoff and Retry-After, timeouts, offline, unload hand-off)
// with an injected transport and fake timers, and the built-in transports
// with stubbed fetch/sendBeacon.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { makeEvent, type EventType, type WireEvent } from '../../src/event';
import { byteLength, createQueue } from '../../src/delivery/queue';
import { createDelivery, type DeliveryOptions } from '../../src/delivery/send';
import { IMAGE_ATTEMPTS, maxBody, pickSender, retryAfter, viaFetch, type SendResult } from '../../src/delivery/transports';

const KEY = '_lb_q';
let n = 0;
const ev = (type: EventType = 'event', extra: Partial<WireEvent> = {}): WireEvent =>
  makeEvent(type, 'pv-' + n, { name: type == 'event' ? 'e' + n++ : undefined, ...extra }, false);
const page = () => ev('page', { url: 'https://a.example/' + n++ });
const ids = (events: WireEvent[]) => events.map((e) => e.id);
const size = (e: WireEvent) => byteLength(JSON.stringify(e));
/** What storage holds under the queue's prefix: each page saves under its own `<prefix>.<random>` key. */
const storedKeys = (store: Storage = localStorage) => {
  const keys: string[] = [];
  for (let i = 0; i < store.length; i++) if (store.key(i)!.startsWith(KEY)) keys.push(store.key(i)!);
  return keys;
};
const stored = (store: Storage = localStorage) => storedKeys(store).map((k) => JSON.parse(store.getItem(k)!));

let warn: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  localStorage.clear();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('byteLength', () => {
  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(byteLength('abc')).toBe(3);
    expect(byteLength('é')).toBe(2);
    expect(byteLength('€')).toBe(3);
    expect(byteLength('😀')).toBe(4);
  });
});

describe('queue', () => {
  it('keeps events in order and removes acknowledged ones', () => {
    const q = createQueue(10, 1e6, KEY, 'S');
    const [a, b, c] = [ev(), ev(), ev()];
    [a, b, c].forEach(q.push);
    q.remove([a, c]);
    expect(q.items).toEqual([b]);
    q.remove([a]); // already gone: nothing happens
    expect(q.items).toEqual([b]);
  });

  it('event bound: the oldest non-page-view goes first and is counted', () => {
    const q = createQueue(3, 1e6, KEY, 'S');
    const p1 = page();
    const [e1, e2, e3] = [ev(), ev(), ev()];
    [p1, e1, e2, e3].forEach(q.push);
    expect(q.items).toEqual([p1, e2, e3]);
    expect(q.dropped).toBe(1);
    const p2 = page();
    q.push(p2);
    expect(q.items).toEqual([p1, e3, p2]);
    expect(q.dropped).toBe(2);
  });

  it('only page views left: the oldest page view goes', () => {
    const q = createQueue(2, 1e6, KEY, 'S');
    const [p1, p2, p3] = [page(), page(), page()];
    [p1, p2, p3].forEach(q.push);
    expect(q.items).toEqual([p2, p3]);
    expect(q.dropped).toBe(1);
  });

  it('byte bound: drops until the queue fits, and frees the bytes of removed events', () => {
    const big = () => ev('event', { props: { x: 'y'.repeat(400) } });
    const one = size(big());
    const q = createQueue(100, one * 3 + 10, KEY, 'S');
    const p = page();
    q.push(p);
    const events = [big(), big(), big()];
    events.forEach(q.push);
    // page view + 3 big ones do not fit: the oldest big one went
    expect(q.items).toEqual([p, events[1], events[2]]);
    expect(q.dropped).toBe(1);
    // acknowledging frees their bytes: two more fit without a drop
    q.remove([events[1], events[2]]);
    q.push(big());
    q.push(big());
    expect(q.items.length).toBe(3);
    expect(q.dropped).toBe(1);
  });

  it('clear() empties it and resets the dropped counter', () => {
    const q = createQueue(1, 1e6, KEY, 'S');
    q.push(ev());
    q.push(ev());
    expect(q.dropped).toBe(1);
    q.clear();
    expect(q.items).toEqual([]);
    expect(q.dropped).toBe(0);
  });

  it('save(true) + restore(true): a new page of the same site takes the events over, once', () => {
    const q = createQueue(10, 1e6, KEY, 'S');
    const events = [page(), ev()];
    events.forEach(q.push);
    q.save(true);
    expect(stored()).toEqual([{ site: 'S', events }]);
    expect(storedKeys()[0]).toMatch(/^_lb_q\.[\w-]{8}$/);
    const next = createQueue(10, 1e6, KEY, 'S');
    next.restore(true);
    expect(next.items).toEqual(events);
    expect(storedKeys()).toEqual([]);
    const third = createQueue(10, 1e6, KEY, 'S');
    third.restore(true);
    expect(third.items).toEqual([]);
  });

  it('restored events still obey the bounds', () => {
    const q = createQueue(10, 1e6, KEY, 'S');
    for (let i = 0; i < 5; i++) q.push(ev());
    q.save(true);
    const next = createQueue(3, 1e6, KEY, 'S');
    next.restore(true);
    expect(next.items).toEqual(q.items.slice(2));
    expect(next.dropped).toBe(2);
  });

  it('nothing is written when storage is not allowed; a stored copy is erased', () => {
    const writes: string[] = [];
    const real = localStorage;
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => real.getItem(k),
      setItem: (k: string, v: string) => (writes.push('set ' + k), real.setItem(k, v)),
      removeItem: (k: string) => (writes.push('remove ' + k), real.removeItem(k)),
    });
    try {
      const q = createQueue(10, 1e6, KEY, 'S');
      q.push(ev());
      q.save(false);
      q.restore(false);
      expect(writes.filter((w) => w.startsWith('set'))).toEqual([]);
      expect(real.length).toBe(0);
      q.save(true);
      expect(stored(real).length).toBe(1);
      q.save(false);
      expect(stored(real)).toEqual([]);
      // an empty queue leaves nothing behind either
      q.save(true);
      q.clear();
      q.save(true);
      expect(stored(real)).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('restore(false) neither takes nor touches what storage holds; a page that stored erases it when storage ends', () => {
    const q = createQueue(10, 1e6, KEY, 'S');
    q.push(ev());
    q.save(true);
    const getItem = vi.spyOn(Storage.prototype, 'getItem');
    const next = createQueue(10, 1e6, KEY, 'S');
    next.restore(false);
    next.save(false);
    expect(next.items).toEqual([]);
    // A cookieless page never accesses localStorage.
    expect(getItem).not.toHaveBeenCalled();
    getItem.mockRestore();
    expect(stored().length).toBe(1);
    // The page that stored it erases it once storage is no longer allowed (consent withdrawn).
    q.save(false);
    expect(stored()).toEqual([]);
  });

  it('two tabs that close offline keep both their queues; the next page takes both, de-duplicated by id', () => {
    const [a, b, shared] = [ev(), ev(), ev()];
    const tab1 = createQueue(10, 1e6, KEY, 'S');
    const tab2 = createQueue(10, 1e6, KEY, 'S');
    [a, shared].forEach(tab1.push);
    [b, shared].forEach(tab2.push);
    tab1.save(true);
    tab2.save(true);
    // an empty save of one tab erases only its own copy
    const tab3 = createQueue(10, 1e6, KEY, 'S');
    tab3.save(true);
    expect(stored().length).toBe(2);
    const next = createQueue(10, 1e6, KEY, 'S');
    next.restore(true);
    expect(ids(next.items).sort()).toEqual(ids([a, shared, b]).sort());
    expect(storedKeys()).toEqual([]);
  });

  it('a copy saved by an older version (the bare prefix key) is taken over too', () => {
    const a = ev();
    localStorage.setItem(KEY, JSON.stringify({ site: 'S', events: [a] }));
    const q = createQueue(10, 1e6, KEY, 'S');
    q.restore(true);
    expect(q.items).toEqual([a]);
    expect(localStorage.getItem(KEY)).toBeNull();
  });

  it('after a save, what is delivered is removed from the stored copy too (a hidden tab that lives on resends nothing)', () => {
    const q = createQueue(10, 1e6, KEY, 'S');
    const [a, b] = [ev(), ev()];
    [a, b].forEach(q.push);
    q.save(true);
    q.remove([a]);
    expect(stored()).toEqual([{ site: 'S', events: [b] }]);
    q.remove([b]);
    expect(stored()).toEqual([]);
  });

  it('a withdrawal erases every saved copy of the site, also those of tabs closed earlier', () => {
    const closed = createQueue(10, 1e6, KEY, 'S');
    closed.push(ev());
    closed.save(true);
    const other = createQueue(10, 1e6, KEY, 'OTHER');
    other.push(ev());
    other.save(true);
    const q = createQueue(10, 1e6, KEY, 'S');
    q.save(true); // storage allowed on this page
    q.push(ev());
    expect(stored().length).toBe(2);
    q.save(false); // consent withdrawn
    expect(stored()).toEqual([{ site: 'OTHER', events: other.items }]);
  });

  it("another site's saved events on the same origin are left for it", () => {
    const other = createQueue(10, 1e6, KEY, 'OTHER');
    other.push(ev());
    other.save(true);
    const q = createQueue(10, 1e6, KEY, 'S');
    q.restore(true);
    expect(q.items).toEqual([]);
    expect(stored().length).toBe(1);
  });

  it('another site, junk or a broken storage is ignored without throwing', () => {
    localStorage.setItem(KEY, JSON.stringify({ site: 'OTHER', events: [ev()] }));
    const q = createQueue(10, 1e6, KEY, 'S');
    q.restore(true);
    expect(q.items).toEqual([]);
    localStorage.setItem(KEY, '{not json');
    q.restore(true);
    expect(q.items).toEqual([]);
    const good = ev();
    localStorage.setItem(KEY, JSON.stringify({ site: 'S', events: [{ type: 'event', id: 'x' }, good] }));
    q.restore(true);
    expect(q.items).toEqual([good]); // the one without pv is skipped
    const broken = () => {
      throw new Error('QuotaExceededError');
    };
    vi.stubGlobal('localStorage', { getItem: broken, setItem: broken, removeItem: broken });
    expect(() => q.save(true)).not.toThrow();
    expect(() => q.restore(true)).not.toThrow();
    // blocked storage: reading window.localStorage itself throws
    Object.defineProperty(window, 'localStorage', { configurable: true, get: broken });
    expect(() => q.save(true)).not.toThrow();
    expect(() => q.save(false)).not.toThrow();
    expect(() => q.restore(true)).not.toThrow();
    vi.unstubAllGlobals();
    expect(q.items).toEqual([good]);
  });
});

describe('retryAfter', () => {
  it('reads seconds and HTTP dates, caps at an hour, ignores junk', () => {
    vi.useFakeTimers({ now: Date.parse('2025-01-01T00:00:00Z') });
    expect(retryAfter('2')).toBe(2000);
    expect(retryAfter('Wed, 01 Jan 2025 00:00:30 GMT')).toBe(30_000);
    expect(retryAfter('Tue, 31 Dec 2024 23:00:00 GMT')).toBe(0);
    expect(retryAfter('86400')).toBe(3600_000);
    expect(retryAfter('soon')).toBe(0);
    expect(retryAfter('0')).toBe(0);
    expect(retryAfter(null)).toBe(0);
  });
});

// ---------------------------------------------------------------- the send loop

type Call = { body: ReturnType<typeof JSON.parse>; raw: string; unloading?: boolean };

/** A delivery over an injected transport whose answers the test scripts. */
function setup(over: Partial<DeliveryOptions> = {}, maxEvents = 500) {
  const queue = createQueue(maxEvents, 1e6, KEY, 'S');
  const calls: Call[] = [];
  const answers: Array<SendResult | Promise<SendResult> | (() => SendResult | Promise<SendResult>)> = [];
  let consent = true;
  const send = vi.fn((url: string, raw: string, unloading?: boolean) => {
    expect(url).toBe('https://c.example/e');
    calls.push({ body: JSON.parse(raw), raw, unloading });
    const a = answers.length ? answers.shift()! : true;
    return typeof a == 'function' ? a() : a;
  });
  const d = createDelivery(queue, {
    url: 'https://c.example/e',
    site: 'S',
    send,
    maxBody: 60000,
    maxAttempts: Infinity,
    batchMs: 1000,
    batchSize: 10,
    canSend: () => consent,
    decorate: (e) => e,
    ...over,
  });
  return {
    queue,
    d,
    calls,
    send,
    answers,
    sent: () => calls.flatMap((c) => ids(c.body.events)),
    setConsent: (v: boolean) => (consent = v),
  };
}

const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

describe('send loop: batching', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('a page view leaves at once, the events tracked after it together after batchMs', async () => {
    const t = setup();
    const p = page();
    t.d.push(p, true);
    await tick();
    expect(t.calls.length).toBe(1);
    expect(t.calls[0].body).toEqual({ v: 1, site: 'S', sent: Date.now(), events: [p] });
    const [a, b] = [ev(), ev()];
    t.d.push(a);
    await tick(500);
    t.d.push(b);
    await tick(499);
    expect(t.calls.length).toBe(1);
    await tick(1);
    expect(t.calls.length).toBe(2);
    expect(ids(t.calls[1].body.events)).toEqual(ids([a, b]));
    expect(t.queue.items).toEqual([]);
  });

  it('events tracked before the page view leave with it in one request', async () => {
    const t = setup();
    const [a, p] = [ev(), page()];
    t.d.push(a);
    t.d.push(p, true);
    await tick(2000);
    expect(t.calls.length).toBe(1);
    expect(ids(t.calls[0].body.events)).toEqual(ids([a, p]));
  });

  it('a full batch (batchSize) leaves without waiting', async () => {
    const t = setup({ batchSize: 3 });
    const events = [ev(), ev(), ev()];
    events.forEach((e) => t.d.push(e));
    await tick();
    expect(t.calls.length).toBe(1);
    expect(ids(t.calls[0].body.events)).toEqual(ids(events));
  });

  it('one request at a time: what arrives meanwhile follows when it settles', async () => {
    const t = setup();
    let release!: (v: boolean) => void;
    t.answers.push(new Promise<boolean>((r) => (release = r)));
    t.d.push(page(), true);
    await tick();
    const p2 = page();
    t.d.push(p2, true);
    await tick(5000);
    expect(t.calls.length).toBe(1);
    release(true);
    await tick();
    expect(t.calls.length).toBe(2);
    expect(ids(t.calls[1].body.events)).toEqual([p2.id]);
  });

  it('splits under maxBody: every body fits, every event goes once, in order', async () => {
    const t = setup({ maxBody: 2000, batchSize: 1000 });
    const events = Array.from({ length: 40 }, () => ev('event', { props: { x: 'é'.repeat(100) } }));
    events.forEach((e) => t.d.push(e));
    t.d.flush();
    await tick();
    expect(t.calls.length).toBeGreaterThan(4);
    for (const c of t.calls) expect(byteLength(c.raw)).toBeLessThanOrEqual(2000);
    expect(t.sent()).toEqual(ids(events));
  });

  it('a long backlog leaves in requests of at most 49 events', async () => {
    const t = setup({ batchSize: 1000 });
    const events = Array.from({ length: 250 }, () => ev());
    events.forEach((e) => t.queue.push(e));
    t.d.flush();
    await tick();
    expect(Math.max(...t.calls.map((c) => c.body.events.length))).toBeLessThanOrEqual(49);
    expect(t.sent()).toEqual(ids(events));
  });

  it('the cap is 49, not less: a backlog of 98 leaves as two requests of 49', async () => {
    const t = setup({ batchSize: 1000 });
    const events = Array.from({ length: 98 }, () => ev());
    events.forEach((e) => t.queue.push(e));
    t.d.flush();
    await tick();
    expect(t.calls.map((c) => c.body.events.length)).toEqual([49, 49]);
    expect(t.sent()).toEqual(ids(events));
  });

  it('an event bigger than maxBody on its own still goes, alone', async () => {
    const t = setup({ maxBody: 500 });
    const [small, huge] = [ev(), ev('event', { props: { x: 'y'.repeat(800) } })];
    t.d.push(small);
    t.d.push(huge);
    t.d.flush();
    await tick();
    expect(t.calls.map((c) => ids(c.body.events))).toEqual([[small.id], [huge.id]]);
  });

  it('the dropped counter travels with the next batch and is reset once delivered', async () => {
    const t = setup({}, 2);
    t.answers.push(false);
    const events = [ev(), ev(), ev()];
    events.forEach((e) => t.d.push(e));
    expect(t.queue.dropped).toBe(1);
    t.d.flush();
    await tick();
    expect(t.calls[0].body.dropped).toBe(1);
    // failed: the count is kept for the retry
    expect(t.queue.dropped).toBe(1);
    await tick(1000);
    expect(t.calls[1].body.dropped).toBe(1);
    expect(t.queue.dropped).toBe(0);
    t.d.push(ev(), true);
    await tick();
    expect(t.calls[2].body.dropped).toBeUndefined();
  });

  it('nothing leaves without consent; a flush after the grant sends it all', async () => {
    const t = setup();
    t.setConsent(false);
    const [p, a] = [page(), ev()];
    t.d.push(p, true);
    t.d.push(a);
    await tick(5000);
    t.d.flush(true);
    expect(t.calls).toEqual([]);
    t.setConsent(true);
    t.d.flush();
    await tick();
    expect(t.sent()).toEqual(ids([p, a]));
  });

  it('destroy() stops the timers, and a request still in flight arms no retry', async () => {
    const t = setup();
    t.d.push(ev());
    t.d.destroy();
    await tick(5000);
    expect(t.calls).toEqual([]);
    const u = setup();
    let fail!: (v: boolean) => void;
    u.answers.push(new Promise<boolean>((r) => (fail = r)));
    u.d.push(page(), true);
    await tick();
    u.d.destroy();
    fail(false);
    await tick(120_000);
    expect(u.calls.length).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('send loop: retries', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('failures are retried with exponential backoff and full jitter (random × 1 s × 2^n)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = setup();
    t.answers.push(false, false, false);
    const p = page();
    t.d.push(p, true);
    await tick();
    // waits: 0.5 × 1000, 0.5 × 2000, 0.5 × 4000
    for (const wait of [500, 1000, 2000]) {
      const before = t.calls.length;
      await tick(wait - 1);
      expect(t.calls.length).toBe(before);
      await tick(1);
      expect(t.calls.length).toBe(before + 1);
    }
    expect(t.sent()).toEqual([p.id, p.id, p.id, p.id]);
    expect(t.queue.items).toEqual([]);
  });

  it('full jitter spreads the wait anywhere between 0 and the cap', async () => {
    vi.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValue(0.999);
    const t = setup();
    t.answers.push(false, false);
    t.d.push(page(), true);
    await tick();
    await tick(0);
    expect(t.calls.length).toBe(2); // random 0: retried at once
    await tick(1990);
    expect(t.calls.length).toBe(2);
    await tick(10);
    expect(t.calls.length).toBe(3); // just under 2 s for the second retry
  });

  it('the backoff is capped at 60 s and reset after a success', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    const t = setup();
    for (let i = 0; i < 10; i++) t.answers.push(false);
    t.d.push(page(), true);
    await tick();
    // 1+2+4+8+16+32 s, then 60 s per attempt
    await tick(63_000 + 60_000 * 3);
    expect(t.calls.length).toBe(10);
    await tick(59_000);
    expect(t.calls.length).toBe(10);
    await tick(1000);
    expect(t.calls.length).toBe(11); // delivered: attempt counter back to 0
    t.answers.push(false);
    t.d.push(page(), true);
    await tick();
    await tick(1000);
    expect(t.calls.length).toBe(13);
  });

  it('Retry-After (a number of ms from the transport) is honoured over a shorter jitter', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.1);
    const t = setup();
    t.answers.push(5000);
    t.d.push(page(), true);
    await tick();
    await tick(4999);
    expect(t.calls.length).toBe(1);
    await tick(1);
    expect(t.calls.length).toBe(2);
  });

  it('a throw, a rejection or a junk answer counts as a failure, never a tight loop', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = setup();
    t.answers.push(
      () => {
        throw new Error('boom');
      },
      () => Promise.reject(new Error('offline')),
      (() => undefined) as never,
      (() => 'yes') as never,
    );
    const p = page();
    t.d.push(p, true);
    await tick();
    await tick(500 + 1000 + 2000 + 4000);
    expect(t.sent()).toEqual([p.id, p.id, p.id, p.id, p.id]);
    expect(t.queue.items).toEqual([]);
  });

  it('a request that hangs counts as failed after 10 s and is retried', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = setup();
    t.answers.push(new Promise<boolean>(() => {}));
    const p = page();
    t.d.push(p, true);
    await tick(9999);
    expect(t.calls.length).toBe(1);
    await tick(1); // timed out: retried after the backoff (random 0: at once)
    await tick(1);
    expect(t.calls.length).toBe(2);
    expect(t.queue.items).toEqual([]);
  });

  it("'drop' (4xx) removes the batch with one warning; the next ones are unaffected", async () => {
    const t = setup();
    t.answers.push('drop', 'drop');
    const [p1, p2, p3] = [page(), page(), page()];
    t.d.push(p1, true);
    await tick();
    t.d.push(p2, true);
    await tick();
    t.d.push(p3, true);
    await tick();
    expect(t.calls.length).toBe(3);
    expect(t.queue.items).toEqual([]);
    // one warning for both refusals
    expect(warn.mock.calls.filter((c) => String(c[0]).includes('refused a batch (4xx)')).length).toBe(1);
  });

  it('offline: nothing leaves until the online event', async () => {
    let online = false;
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
    try {
      const t = setup();
      const [p, a] = [page(), ev()];
      t.d.push(p, true);
      t.d.push(a);
      await tick(10_000);
      t.d.flush();
      t.d.flush(true); // an unload while offline keeps everything queued
      expect(t.calls).toEqual([]);
      expect(t.queue.items.length).toBe(2);
      online = true;
      window.dispatchEvent(new Event('online'));
      await tick();
      expect(t.sent()).toEqual(ids([p, a]));
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
    }
  });

  it('a retry that comes due while offline waits for the online event', async () => {
    let online = true;
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
    try {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const t = setup();
      t.answers.push(false);
      t.d.push(page(), true);
      await tick();
      online = false;
      await tick(60_000);
      expect(t.calls.length).toBe(1);
      online = true;
      window.dispatchEvent(new Event('online'));
      await tick();
      expect(t.calls.length).toBe(2);
      expect(t.queue.items).toEqual([]);
    } finally {
      delete (navigator as { onLine?: boolean }).onLine;
    }
  });
});

describe('send loop: unload', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('flush(true) sends everything at once with unloading = true; a synchronous true forgets it at once', async () => {
    const t = setup();
    const events = [ev(), ev()];
    events.forEach((e) => t.d.push(e));
    t.d.flush(true);
    expect(t.calls.length).toBe(1);
    expect(t.calls[0].unloading).toBe(true);
    expect(t.sent()).toEqual(ids(events));
    expect(t.queue.items).toEqual([]); // before any await: the queue is saved right after
  });

  it('a retry waiting for its backoff is handed to the unload transport', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const t = setup();
    t.answers.push(false);
    const p = page();
    t.d.push(p, true);
    await tick();
    const a = ev();
    t.d.push(a);
    t.d.flush(true);
    expect(t.calls[1]).toMatchObject({ unloading: true });
    expect(ids(t.calls[1].body.events)).toEqual(ids([p, a]));
    expect(t.queue.items).toEqual([]);
  });

  it('a request still in flight is not sent again at unload (one copy on the wire); if it fails, it is retried', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = setup();
    let fail!: (v: boolean) => void;
    t.answers.push(new Promise<boolean>((r) => (fail = r)));
    const p = page();
    t.d.push(p, true);
    await tick();
    const a = ev();
    t.d.push(a);
    t.d.flush(true);
    expect(t.calls.map((c) => ids(c.body.events))).toEqual([[p.id], [a.id]]);
    expect(t.queue.items).toEqual([p]);
    fail(false);
    await tick(10);
    expect(t.sent()).toEqual([p.id, a.id, p.id]);
    expect(t.queue.items).toEqual([]);
  });

  it('leave(): a request that fails while the page unloads (Chromium rejects keepalive fetches then) is not resent; resume() sends it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = setup();
    let fail!: (v: boolean) => void;
    t.answers.push(new Promise<boolean>((r) => (fail = r)));
    const p = page();
    t.d.push(p, true);
    await tick();
    t.d.leave();
    t.d.flush(true); // pagehide
    fail(false);
    await tick(5000);
    t.d.flush(true); // the visibilitychange that follows
    expect(t.sent()).toEqual([p.id]);
    expect(t.queue.items).toEqual([p]); // still there for the stored copy
    t.d.resume(); // back from the bfcache
    await tick();
    expect(t.sent()).toEqual([p.id, p.id]);
    expect(t.queue.items).toEqual([]);
  });

  it('a request open for 3 s or more at unload counts as hung: its events go again by the unload transport', async () => {
    const t = setup();
    t.answers.push(new Promise<boolean>(() => {}));
    const p = page();
    t.d.push(p, true);
    await tick(2999);
    t.d.flush(true);
    expect(t.sent()).toEqual([p.id]);
    await tick(1);
    t.d.flush(true);
    expect(t.sent()).toEqual([p.id, p.id]);
    expect(t.calls[1].unloading).toBe(true);
    expect(t.queue.items).toEqual([]);
  });

  it('hidden, then pagehide: a batch whose unload request is still open leaves once, not twice', async () => {
    const t = setup();
    let release!: (v: boolean) => void;
    // a keepalive fetch at unload answers later, or never
    t.answers.push(new Promise<boolean>((r) => (release = r)));
    const [p, a] = [page(), ev()];
    t.queue.push(p);
    t.queue.push(a);
    t.d.flush(true); // visibilitychange → hidden
    t.d.flush(true); // pagehide
    t.d.flush(); // and any flush meanwhile
    await tick(5000);
    expect(t.sent()).toEqual(ids([p, a]));
    release(true);
    await tick();
    expect(t.queue.items).toEqual([]);
  });

  it('a flush during a retry wait sends the waiting batch once, by the unload transport, and the retry timer sends nothing again', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = setup();
    t.answers.push(false);
    const p = page();
    t.d.push(p, true);
    await tick();
    t.d.flush();
    t.d.flush(true);
    await tick(60_000);
    expect(t.sent()).toEqual([p.id, p.id]);
    expect(t.calls[1].unloading).toBe(true);
  });

  it('the dropped count rides on one request at a time: never reported twice, never lost when that request fails', async () => {
    const t = setup({}, 2);
    let fail!: (v: boolean) => void;
    t.answers.push(new Promise<boolean>((r) => (fail = r)));
    [ev(), ev(), ev()].forEach((e) => t.queue.push(e)); // one dropped
    t.d.flush();
    await tick();
    expect(t.calls[0].body.dropped).toBe(1);
    t.queue.push(ev());
    t.queue.push(ev()); // the bound drops more while the first request is open
    const more = t.queue.dropped;
    expect(more).toBeGreaterThan(0);
    t.d.flush(true);
    // the unload request reports only the drops since, not the 1 already on the wire
    expect(t.calls[1].body.dropped).toBe(more);
    fail(false);
    await tick();
    // the failed request gives its count back for the retry
    expect(t.queue.dropped).toBe(1);
  });

  it('every attempt carries `sent`, the client time of that attempt', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = setup();
    t.answers.push(false);
    t.d.push(page(), true);
    await tick();
    const first = t.calls[0].body.sent;
    expect(first).toBe(Date.now());
    await tick(500);
    expect(t.calls[1].body.sent).toBe(first + 500);
  });

  it('noCors: after two rejections in a row while online the batch is handed once to noCors and counts as delivered, with one warning naming the fix', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const noCors = vi.fn(() => true);
    const reject = () => Promise.reject(new TypeError('Failed to fetch'));
    const t = setup({ noCors });
    t.answers.push(reject, reject, reject);
    const p = page();
    t.d.push(p, true);
    await tick(10);
    expect(t.sent()).toEqual([p.id, p.id]);
    expect(noCors).toHaveBeenCalledTimes(1);
    expect(JSON.parse((noCors.mock.calls[0] as unknown as [string, string])[1]).events[0].id).toBe(p.id);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('Access-Control-Allow-Origin');
    expect(t.queue.items).toEqual([]);
    await tick(120_000);
    expect(t.sent()).toEqual([p.id, p.id]);
    // once seen on this page, the next batch needs one rejection, not two
    const q = page();
    t.d.push(q, true);
    await tick(10);
    expect(t.sent()).toEqual([p.id, p.id, q.id]);
    expect(noCors).toHaveBeenCalledTimes(2);
  });

  it('noCors: a status answer in between resets the count; offline, unloading or a refused hand-off never count as delivered', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const noCors = vi.fn(() => false);
    const reject = () => Promise.reject(new TypeError('Failed to fetch'));
    const t = setup({ noCors });
    t.answers.push(reject, false, reject, reject);
    const p = page();
    t.d.push(p, true);
    await tick(10);
    // reject, 500, reject: the 500 resets the count; the fourth, second in a row, is handed over,
    // refused (quota): kept and retried, and the fifth (true) delivers it
    expect(noCors).toHaveBeenCalledTimes(1);
    expect(t.sent()).toEqual(Array(5).fill(p.id));
    expect(t.queue.items).toEqual([]);
    const u = setup({ noCors });
    u.answers.push(reject, reject, reject);
    u.d.leave();
    u.d.push(page(), true);
    await tick(10);
    expect(noCors).toHaveBeenCalledTimes(1);
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const w = setup({ noCors });
    w.answers.push(reject, reject);
    w.d.push(page(), true);
    await tick();
    w.d.push(page(), true);
    await tick(10);
    onLine.mockRestore();
    expect(noCors).toHaveBeenCalledTimes(1);
  });

  it('maxAttempts (the image pixel): a batch that fails that often in a row is dropped with one warning; the next one goes', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = setup({ maxAttempts: IMAGE_ATTEMPTS });
    for (let i = 0; i < 30; i++) t.answers.push(false);
    const p = page();
    t.d.push(p, true);
    await tick(1000);
    expect(t.sent()).toEqual(Array(IMAGE_ATTEMPTS).fill(p.id));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('dropped after 8 failed attempts');
    t.answers.length = 0;
    const next = page();
    t.d.push(next, true);
    await tick();
    expect(t.sent().slice(-1)).toEqual([next.id]);
    expect(t.queue.items).toEqual([]);
  });

  it('refused by the unload transport (sendBeacon quota): kept for the next try; a later promise true forgets it', async () => {
    const t = setup();
    let release!: (v: boolean) => void;
    t.answers.push(false, new Promise<boolean>((r) => (release = r)));
    const a = ev();
    t.d.push(a);
    t.d.flush(true);
    expect(t.queue.items).toEqual([a]);
    t.d.flush(true);
    expect(t.queue.items).toEqual([a]);
    release(true);
    await tick();
    expect(t.queue.items).toEqual([]);
  });

  it('splits at unload too, every body under maxBody; the dropped count rides on the first only', async () => {
    const t = setup({ maxBody: 1500 }, 30);
    const events = Array.from({ length: 31 }, () => ev('event', { props: { x: 'y'.repeat(100) } }));
    events.forEach((e) => t.queue.push(e));
    expect(t.queue.dropped).toBe(1);
    t.d.flush(true);
    expect(t.calls.length).toBeGreaterThan(2);
    for (const c of t.calls) expect(byteLength(c.raw)).toBeLessThanOrEqual(1500);
    expect(t.calls.map((c) => c.body.dropped)).toEqual([1, ...t.calls.slice(1).map(() => undefined)]);
    expect(t.sent()).toEqual(ids(events.slice(1)));
    expect(t.queue.items).toEqual([]);
    expect(t.queue.dropped).toBe(0);
  });

  it('a throwing unload transport loses nothing', async () => {
    const t = setup();
    t.answers.push(() => {
      throw new Error('boom');
    });
    const a = ev();
    t.d.push(a);
    expect(() => t.d.flush(true)).not.toThrow();
    expect(t.queue.items).toEqual([a]);
  });
});

// ---------------------------------------------------------------- built-in transports

describe('transports', () => {
  const response = (status: number, headers: Record<string, string> = {}) => new Response(status == 204 ? null : '', { status, headers });

  it('fetch: POST, keepalive, no credentials, text/plain body; status decides', async () => {
    const fetch = vi.fn(async (_u: string, _i: RequestInit) => response(204));
    vi.stubGlobal('fetch', fetch);
    expect(await viaFetch('https://c.example/e', '{"v":1}')).toBe(true);
    expect(fetch).toHaveBeenCalledWith('https://c.example/e', { method: 'POST', body: '{"v":1}', keepalive: true, credentials: 'omit' });
    const answer = async (status: number, headers?: Record<string, string>) => {
      fetch.mockResolvedValueOnce(response(status, headers));
      return viaFetch('https://c.example/e', '{}');
    };
    expect(await answer(200)).toBe(true);
    expect(await answer(500)).toBe(false);
    expect(await answer(503, { 'retry-after': '3' })).toBe(3000);
    expect(await answer(429, { 'retry-after': '7' })).toBe(7000);
    expect(await answer(429)).toBe(false);
    expect(await answer(408)).toBe(false);
    expect(await answer(400)).toBe('drop');
    expect(await answer(404)).toBe('drop');
    expect(await answer(413)).toBe('drop');
    // a network failure or a hidden (CORS-less) answer: the sender decides (noCors)
    fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(viaFetch('https://c.example/e', '{}')).rejects.toThrow();
    vi.unstubAllGlobals();
  });

  it('beacon: sendBeacon with a string body; refused → fetch keepalive', async () => {
    const beacon = vi.fn(() => true);
    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: beacon });
    const fetch = vi.fn(async () => response(204));
    vi.stubGlobal('fetch', fetch);
    try {
      const send = pickSender('beacon');
      expect(send('https://c.example/e', 'x')).toBe(true);
      expect(beacon).toHaveBeenCalledWith('https://c.example/e', 'x');
      expect(fetch).not.toHaveBeenCalled();
      beacon.mockReturnValueOnce(false);
      expect(await send('https://c.example/e', 'y')).toBe(true);
      expect(fetch).toHaveBeenCalledTimes(1);
      beacon.mockImplementationOnce(() => {
        throw new TypeError('Illegal invocation');
      });
      expect(await send('https://c.example/e', 'z')).toBe(true);
      expect(fetch).toHaveBeenCalledTimes(2);
    } finally {
      delete (navigator as { sendBeacon?: unknown }).sendBeacon;
      vi.unstubAllGlobals();
    }
  });

  it('auto: fetch while the page lives, beacon when unloading', async () => {
    const beacon = vi.fn(() => true);
    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: beacon });
    const fetch = vi.fn(async () => response(500));
    vi.stubGlobal('fetch', fetch);
    try {
      const send = pickSender('auto');
      expect(await send('https://c.example/e', 'x')).toBe(false);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(beacon).not.toHaveBeenCalled();
      expect(send('https://c.example/e', 'x', true)).toBe(true);
      expect(beacon).toHaveBeenCalledTimes(1);
      expect(pickSender('fetch')).toBe(viaFetch);
      // a page that broke fetch: the live page falls back to the beacon
      fetch.mockImplementation(() => {
        throw new TypeError('fetch replaced');
      });
      expect(send('https://c.example/e', 'x')).toBe(true);
      expect(beacon).toHaveBeenCalledTimes(2);
    } finally {
      delete (navigator as { sendBeacon?: unknown }).sendBeacon;
      vi.unstubAllGlobals();
    }
  });

  it('a custom function is called with (url, body); only true counts as delivered', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const fn = vi.fn().mockReturnValueOnce(false).mockResolvedValueOnce('ok').mockResolvedValueOnce(true);
    const queue = createQueue(10, 1e6, KEY, 'S');
    const d = createDelivery(queue, {
      url: 'https://c.example/e',
      site: 'S',
      send: pickSender(fn),
      maxBody: 60000,
      maxAttempts: Infinity,
      batchMs: 10,
      batchSize: 10,
      canSend: () => true,
      decorate: (e) => e,
    });
    d.push(page(), true);
    await tick(10);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(fn.mock.calls[0][0]).toBe('https://c.example/e');
    expect(JSON.parse(fn.mock.calls[0][1]).events.length).toBe(1);
    expect(queue.items).toEqual([]);
  });

  it('request size limits: 60000 bytes for beacon/fetch (under 64 KiB), far less for the image pixel', () => {
    expect(maxBody('auto')).toBeLessThan(65536);
    expect(maxBody('beacon')).toBeLessThan(65536);
    expect(maxBody(() => true)).toBeLessThan(65536);
    expect(maxBody('image') * 3).toBeLessThan(8000);
  });
});
