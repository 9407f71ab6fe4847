import { describe, expect, it, vi } from 'vitest';
import { tracker, useAdapter } from './cmp-harness';
import { cookieconsent } from '../../src/cmp/cookieconsent';
import { installCookieConsent, uninstallAll } from '../fixtures/cmp/fakes';

const start = useAdapter(cookieconsent);

describe('cookieconsent adapter', () => {
  it('reads a valid stored consent and follows changes', () => {
    const cc = installCookieConsent({ accepted: ['necessary', 'analytics'] });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    cc.change(['necessary']);
    expect(t.calls).toEqual(['granted', 'denied']);
    cc.change(['necessary', 'analytics']);
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('is silent until there is a valid consent', () => {
    const cc = installCookieConsent();
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    cc.consent(['necessary']);
    expect(t.calls).toEqual(['denied']);
  });

  it('uses the configured category and dedupes', () => {
    const cc = installCookieConsent();
    const t = tracker();
    start(t, { category: 'marketing' });
    cc.consent(['necessary', 'marketing']);
    cc.change(['necessary', 'marketing', 'analytics']);
    window.dispatchEvent(new CustomEvent('cc:onConsent'));
    expect(t.calls).toEqual(['granted']);
  });

  it('picks up the CMP loading later through its events, without polling', () => {
    vi.useFakeTimers();
    const t = tracker();
    start(t);
    expect(vi.getTimerCount()).toBe(0);
    const cc = installCookieConsent();
    cc.consent(['analytics']);
    expect(t.calls).toEqual(['granted']);
  });

  it('stop() removes its listeners', () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const cc = installCookieConsent();
    const t = tracker();
    start(t)();
    const mine = add.mock.calls.filter(([type]) => String(type).startsWith('cc:')).map(([a, b]) => [a, b]);
    expect(mine).toHaveLength(2);
    expect(remove.mock.calls.map(([a, b]) => [a, b])).toEqual(mine);
    cc.consent(['analytics']);
    expect(t.calls).toEqual([]);
  });

  it('never throws into the page', () => {
    (window as any).CookieConsent = {
      validConsent() {
        throw new Error('broken');
      },
    };
    const t = tracker();
    expect(() => start(t)).not.toThrow();
    expect(() => window.dispatchEvent(new CustomEvent('cc:onChange'))).not.toThrow();
    uninstallAll();
    const cc = installCookieConsent();
    start({ consent: () => { throw new Error('tracker'); } });
    expect(() => cc.consent(['analytics'])).not.toThrow();
  });
});
