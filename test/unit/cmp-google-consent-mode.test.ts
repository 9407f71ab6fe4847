import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { googleConsentMode } from '../../src/cmp/google-consent-mode';
import { installGtag, installGtmLikePush, uninstallAll } from '../fixtures/cmp/fakes';

const tracker = () => {
  const calls: string[] = [];
  return { calls, consent: (s: string) => void calls.push(s) };
};
let stops: (() => void)[] = [];
const start = (...a: Parameters<typeof googleConsentMode>) => {
  const s = googleConsentMode(...a);
  stops.push(s);
  return s;
};
const dl = () => (window as any).dataLayer as unknown[] & { push: (...a: unknown[]) => number };

beforeEach(() => uninstallAll());
afterEach(() => {
  stops.forEach((s) => s());
  stops = [];
  uninstallAll();
  vi.useRealTimers();
});

describe('google-consent-mode adapter', () => {
  it('replays queued gtag consent commands in order, then follows updates', () => {
    const gtag = installGtag();
    gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied' });
    gtag('js', new Date());
    gtag('consent', 'update', { analytics_storage: 'granted' });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(t.calls).toEqual(['granted', 'denied']);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('ignores defaults unless told, and region-scoped defaults always', () => {
    const gtag = installGtag();
    gtag('consent', 'default', { analytics_storage: 'denied', region: ['DE', 'NL'] });
    gtag('consent', 'default', { analytics_storage: 'granted' });
    const a = tracker();
    start(a);
    expect(a.calls).toEqual([]);

    uninstallAll();
    const g2 = installGtag();
    g2('consent', 'default', { analytics_storage: 'denied', region: ['DE'] });
    const b = tracker();
    start(b, { defaults: true });
    expect(b.calls).toEqual([]);
    g2('consent', 'default', { analytics_storage: 'denied' });
    expect(b.calls).toEqual(['denied']);
    g2('consent', 'update', { analytics_storage: 'granted' });
    // a default after an update does not override it (as in gtag itself)
    g2('consent', 'default', { analytics_storage: 'denied' });
    expect(b.calls).toEqual(['denied', 'granted']);
  });

  it('reads the configured type, and updates that omit it change nothing', () => {
    const gtag = installGtag();
    const t = tracker();
    start(t, { type: 'ad_storage' });
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(t.calls).toEqual([]);
    gtag('consent', 'update', { ad_storage: 'granted' });
    gtag('consent', 'update', { ad_user_data: 'denied' });
    expect(t.calls).toEqual(['granted']);
  });

  it('dedupes repeated identical updates', () => {
    const gtag = installGtag();
    const t = tracker();
    start(t);
    for (let i = 0; i < 4; i++) gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(t.calls).toEqual(['granted']);
  });

  it('chains to an existing push (GTM) and survives GTM wrapping it later', () => {
    const gtag = installGtag();
    const before = installGtmLikePush();
    const t = tracker();
    start(t);
    const after = installGtmLikePush();
    const n = dl().push({ event: 'gtm.js' });
    expect(n).toBe(dl().length);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(t.calls).toEqual(['granted']);
    expect(before).toHaveLength(2);
    expect(after).toHaveLength(2);
    expect(dl()).toHaveLength(2);
  });

  it('finds a dataLayer created late, then stops polling', () => {
    vi.useFakeTimers();
    const t = tracker();
    start(t);
    vi.advanceTimersByTime(1000);
    const gtag = installGtag();
    gtag('consent', 'update', { analytics_storage: 'granted' });
    vi.advanceTimersByTime(250);
    expect(t.calls).toEqual(['granted']);
    expect(vi.getTimerCount()).toBe(0);
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(t.calls).toEqual(['granted', 'denied']);
  });

  it('gives up quietly when there is never a dataLayer', () => {
    vi.useFakeTimers();
    const t = tracker();
    expect(() => start(t)).not.toThrow();
    vi.advanceTimersByTime(10_000);
    expect(vi.getTimerCount()).toBe(0);
    installGtag()('consent', 'update', { analytics_storage: 'granted' });
    vi.advanceTimersByTime(10_000);
    expect(t.calls).toEqual([]);
  });

  it('stop() restores push, or leaves an inert wrapper under a later one', () => {
    const gtag = installGtag();
    const original = dl().push;
    const t = tracker();
    const stop = start(t);
    expect(dl().push).not.toBe(original);
    stop();
    expect(dl().push).toBe(original);
    gtag('consent', 'update', { analytics_storage: 'granted' });
    expect(t.calls).toEqual([]);

    const u = tracker();
    const stop2 = start(u);
    installGtmLikePush();
    stop2();
    gtag('consent', 'update', { analytics_storage: 'denied' });
    expect(u.calls).toEqual(['granted']);
    expect((dl().at(-1) as ArrayLike<unknown>)[2]).toEqual({ analytics_storage: 'denied' });
  });

  it('never throws into the page: odd entries and a throwing tracker', () => {
    const gtag = installGtag();
    dl().push(null as any, 5 as any, ['consent'] as any, { get 0() { throw new Error('getter'); } } as any);
    const bad = { consent: vi.fn(() => { throw new Error('tracker'); }) };
    expect(() => start(bad)).not.toThrow();
    expect(() => gtag('consent', 'update', 'granted')).not.toThrow();
    expect(() => gtag('consent', 'update', { analytics_storage: 'granted' })).not.toThrow();
    expect(bad.consent).toHaveBeenCalledWith('granted');
  });
});
