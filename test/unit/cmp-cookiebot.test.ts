import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cookiebot } from '../../src/cmp/cookiebot';
import { installCookiebot, uninstallAll } from '../fixtures/cmp/fakes';

const tracker = () => {
  const calls: string[] = [];
  return { calls, consent: (s: string) => void calls.push(s) };
};
let stops: (() => void)[] = [];
const start = (...a: Parameters<typeof cookiebot>) => {
  const s = cookiebot(...a);
  stops.push(s);
  return s;
};
const listeners = () => {
  const spy = { add: vi.spyOn(window, 'addEventListener'), remove: vi.spyOn(window, 'removeEventListener') };
  return spy;
};

beforeEach(() => uninstallAll());
afterEach(() => {
  stops.forEach((s) => s());
  stops = [];
  uninstallAll();
  vi.restoreAllMocks();
});

describe('cookiebot adapter', () => {
  it('reads a stored response and follows decline / accept', () => {
    const cb = installCookiebot({ categories: ['statistics'] });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    cb.decline();
    expect(t.calls).toEqual(['granted', 'denied']);
    cb.accept(['preferences', 'statistics']);
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('stays silent until the visitor responds (strict mode keeps its queue)', () => {
    const cb = installCookiebot(null);
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    cb.accept(['marketing']);
    expect(t.calls).toEqual(['denied']);
  });

  it('uses the configured category', () => {
    const cb = installCookiebot(null);
    const t = tracker();
    start(t, { category: 'marketing' });
    cb.accept(['marketing']);
    expect(t.calls).toEqual(['granted']);
  });

  it('dedupes: CookiebotOnAccept and CookiebotOnConsentReady report once', () => {
    const cb = installCookiebot(null);
    const t = tracker();
    start(t);
    cb.accept();
    cb.accept();
    window.dispatchEvent(new Event('CookiebotOnLoad'));
    expect(t.calls).toEqual(['granted']);
  });

  it('renew() (consent deleted) after a grant counts as withdrawal', () => {
    const cb = installCookiebot({ categories: ['statistics'] });
    const t = tracker();
    start(t);
    cb.renew();
    window.dispatchEvent(new Event('CookiebotOnLoad'));
    expect(t.calls).toEqual(['granted', 'denied']);
  });

  it('picks up Cookiebot loading after the adapter', () => {
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    installCookiebot({ categories: ['statistics'] });
    expect(t.calls).toEqual(['granted']);
  });

  it('does nothing, and polls nothing, without Cookiebot', () => {
    vi.useFakeTimers();
    const t = tracker();
    expect(() => start(t)()).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
  });

  it('stop() removes every listener it added', () => {
    const spy = listeners();
    const cb = installCookiebot(null);
    const t = tracker();
    start(t)();
    const added = spy.add.mock.calls.filter(([type]) => String(type).startsWith('Cookiebot')).map(([a, b]) => [a, b]);
    const removed = spy.remove.mock.calls.map(([a, b]) => [a, b]);
    expect(added).toHaveLength(4);
    expect(removed).toEqual(added);
    cb.accept();
    expect(t.calls).toEqual([]);
  });

  it('never throws into the page', () => {
    (window as any).Cookiebot = {
      get consent() {
        throw new Error('broken');
      },
    };
    const t = tracker();
    expect(() => start(t)).not.toThrow();
    expect(() => window.dispatchEvent(new Event('CookiebotOnAccept'))).not.toThrow();
    uninstallAll();
    const cb = installCookiebot(null);
    start({ consent: () => { throw new Error('tracker'); } });
    expect(() => cb.accept()).not.toThrow();
  });
});
