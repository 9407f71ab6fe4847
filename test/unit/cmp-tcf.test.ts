import { describe, expect, it, vi } from 'vitest';
import { tracker, useAdapter } from './cmp-harness';
import { tcf } from '../../src/cmp/tcf';
import { installTcf, tcData, uninstallAll } from '../fixtures/cmp/fakes';

const start = useAdapter(tcf);

describe('tcf adapter', () => {
  it('reads a stored TC string (tcloaded) and follows a withdrawal', () => {
    const cmp = installTcf();
    cmp.set(tcData({ purposes: [1, 8] }));
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    cmp.set(tcData({ purposes: [8], eventStatus: 'useractioncomplete' }));
    expect(t.calls).toEqual(['granted', 'denied']);
    cmp.set(tcData({ purposes: [1], eventStatus: 'useractioncomplete' }));
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('ignores cmpuishown: the banner is not an answer', () => {
    const cmp = installTcf();
    const t = tracker();
    start(t);
    cmp.set(tcData({ eventStatus: 'cmpuishown' }));
    expect(t.calls).toEqual([]);
    cmp.set(tcData({ purposes: [1], eventStatus: 'useractioncomplete' }));
    expect(t.calls).toEqual(['granted']);
  });

  it('calls consent only when the state changes', () => {
    const cmp = installTcf();
    const t = tracker();
    start(t);
    for (let i = 0; i < 3; i++) cmp.set(tcData({ purposes: [], eventStatus: 'useractioncomplete' }));
    cmp.set(tcData({ purposes: [1, 2], eventStatus: 'useractioncomplete' }));
    cmp.set(tcData({ purposes: [1, 3], eventStatus: 'useractioncomplete' }));
    expect(t.calls).toEqual(['denied', 'granted']);
  });

  it('gdprApplies false is granted', () => {
    const cmp = installTcf();
    cmp.set({ gdprApplies: false, eventStatus: 'tcloaded', cmpStatus: 'loaded' });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
  });

  it('requires every configured purpose and the vendor when vendorId is set', () => {
    const cmp = installTcf();
    const a = tracker();
    const b = tracker();
    start(a, { purposes: [1, 9] });
    start(b, { purposes: [1], vendorId: 755 });
    cmp.set(tcData({ purposes: [1], vendors: [] }));
    expect(a.calls).toEqual(['denied']);
    expect(b.calls).toEqual(['denied']);
    cmp.set(tcData({ purposes: [1, 9], vendors: [755], eventStatus: 'useractioncomplete' }));
    expect(a.calls).toEqual(['denied', 'granted']);
    expect(b.calls).toEqual(['denied', 'granted']);
  });

  it('registers through the stub queue before the CMP has loaded', () => {
    const cmp = installTcf({ stub: true });
    const t = tracker();
    start(t);
    cmp.load();
    cmp.set(tcData({ purposes: [1] }));
    expect(t.calls).toEqual(['granted']);
  });

  it('finds a __tcfapi that appears late, then stops polling', () => {
    vi.useFakeTimers();
    const t = tracker();
    start(t);
    vi.advanceTimersByTime(2000);
    const cmp = installTcf();
    cmp.set(tcData({ purposes: [1] }));
    expect(t.calls).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(t.calls).toEqual(['granted']);
    expect(cmp.listeners.size).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up quietly when no CMP ever appears', () => {
    vi.useFakeTimers();
    const t = tracker();
    expect(() => start(t, { timeout: 3000 })).not.toThrow();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(3000);
    expect(vi.getTimerCount()).toBe(0);
    installTcf().set(tcData({ purposes: [1] }));
    vi.advanceTimersByTime(10_000);
    expect(t.calls).toEqual([]);
  });

  it('stop() removes its listener with the listenerId and ends polling', () => {
    vi.useFakeTimers();
    const cmp = installTcf();
    cmp.set(tcData({ purposes: [1] }));
    const other = tracker();
    start(other); // listener 0, keeps running
    const t = tracker();
    const stop = start(t); // listener 1
    stop();
    expect(cmp.removed).toEqual([1]);
    cmp.set(tcData({ purposes: [], eventStatus: 'useractioncomplete' }));
    expect(t.calls).toEqual(['granted']);
    expect(other.calls).toEqual(['granted', 'denied']);
    expect(() => stop()).not.toThrow();

    const late = tracker();
    uninstallAll();
    const stop2 = start(late);
    expect(vi.getTimerCount()).toBe(1);
    stop2();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() before the queued listener got its id removes it once the id arrives', () => {
    const cmp = installTcf({ stub: true });
    const t = tracker();
    const stop = start(t);
    stop();
    cmp.load();
    cmp.set(tcData({ purposes: [1] }));
    expect(cmp.removed).toEqual([0]);
    expect(t.calls).toEqual([]);
  });

  it('never throws into the CMP or the page', () => {
    (window as any).__tcfapi = () => {
      throw new Error('broken CMP');
    };
    const t = tracker();
    expect(() => start(t)()).not.toThrow();

    // malformed TC data and a throwing tracker
    uninstallAll();
    const cmp = installTcf();
    const bad = { consent: vi.fn(() => { throw new Error('tracker'); }) };
    start(bad);
    expect(() => cmp.set({ eventStatus: 'tcloaded', gdprApplies: true })).not.toThrow();
    expect(() => cmp.set(tcData({ purposes: [1], eventStatus: 'useractioncomplete' }))).not.toThrow();
    expect(bad.consent).toHaveBeenCalledTimes(1);
  });
});
