import { describe, expect, it, vi } from 'vitest';
import { tracker, useAdapter } from './cmp-harness';
import { klaro } from '../../src/cmp/klaro';
import { installKlaro, uninstallAll } from '../fixtures/cmp/fakes';

const start = useAdapter(klaro);

describe('klaro adapter', () => {
  it('reads a confirmed choice and follows decline / accept', () => {
    const k = installKlaro({ consents: { leadbeam: true }, confirmed: true });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    k.manager.updateConsent('leadbeam', false);
    expect(t.calls).toEqual(['granted']); // a toggle in the open dialog is not an answer yet
    k.manager.saveAndApplyConsents();
    expect(t.calls).toEqual(['granted', 'denied']);
    k.manager.updateConsent('leadbeam', true);
    k.manager.saveAndApplyConsents();
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('is silent until the visitor confirms; a reset after a grant is a withdrawal', () => {
    const k = installKlaro({ consents: { leadbeam: true } }); // default: true, not confirmed
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    k.manager.saveAndApplyConsents();
    expect(t.calls).toEqual(['granted']);
    k.manager.resetConsents();
    expect(t.calls).toEqual(['granted', 'denied']);
  });

  it('uses the configured service and dedupes', () => {
    const k = installKlaro({ consents: { leadbeam: true, matomo: false }, confirmed: true });
    const t = tracker();
    start(t, { service: 'matomo' });
    k.manager.saveAndApplyConsents();
    k.manager.saveAndApplyConsents();
    expect(t.calls).toEqual(['denied']);
  });

  it('polls until Klaro is set up (getManager throws before)', () => {
    vi.useFakeTimers();
    const k = installKlaro({ setup: false, consents: { leadbeam: true }, confirmed: true });
    const t = tracker();
    start(t);
    vi.advanceTimersByTime(1000);
    expect(t.calls).toEqual([]);
    k.setup();
    vi.advanceTimersByTime(250);
    expect(t.calls).toEqual(['granted']);
    expect(vi.getTimerCount()).toBe(0);
    expect(k.watchers.size).toBe(1);
  });

  it('gives up quietly when Klaro never appears', () => {
    vi.useFakeTimers();
    const t = tracker();
    expect(() => start(t, { timeout: 2000 })).not.toThrow();
    vi.advanceTimersByTime(2000);
    expect(vi.getTimerCount()).toBe(0);
    installKlaro({ consents: { leadbeam: true }, confirmed: true });
    vi.advanceTimersByTime(5000);
    expect(t.calls).toEqual([]);
  });

  it('stop() unwatches and ends polling', () => {
    vi.useFakeTimers();
    const k = installKlaro({ consents: { leadbeam: true }, confirmed: true });
    const t = tracker();
    start(t)();
    expect(k.watchers.size).toBe(0);
    k.manager.updateConsent('leadbeam', false);
    k.manager.saveAndApplyConsents();
    expect(t.calls).toEqual(['granted']);
    uninstallAll();
    const stop = start(tracker());
    expect(vi.getTimerCount()).toBe(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never throws into Klaro or the page', () => {
    const k = installKlaro({ consents: { leadbeam: true }, confirmed: true });
    start({ consent: () => { throw new Error('tracker'); } });
    (k.manager as any).getConsent = () => {
      throw new Error('broken');
    };
    expect(() => k.manager.saveAndApplyConsents()).not.toThrow();
  });
});
