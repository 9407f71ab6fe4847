import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { usercentrics } from '../../src/cmp/usercentrics';
import { installUsercentricsV2, installUsercentricsV3, uninstallAll } from '../fixtures/cmp/fakes';

const tracker = () => {
  const calls: string[] = [];
  return { calls, consent: (s: string) => void calls.push(s) };
};
let stops: (() => void)[] = [];
const start = (...a: Parameters<typeof usercentrics>) => {
  const s = usercentrics(...a);
  stops.push(s);
  return s;
};
const fire = (type: string, detail?: unknown) => window.dispatchEvent(new CustomEvent(type, { detail }));
const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => uninstallAll());
afterEach(() => {
  stops.forEach((s) => s());
  stops = [];
  uninstallAll();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('usercentrics adapter, v2 Browser UI (UC_UI)', () => {
  it('reads stored consent from getServicesBaseInfo and follows deny / accept', () => {
    const uc = installUsercentricsV2({ leadbeam: true, Other: false }, { explicit: true });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    uc.set({ leadbeam: false, Other: false }, true);
    expect(t.calls).toEqual(['granted', 'denied']);
    uc.set({ leadbeam: true }, true);
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('an implicit "false" before the visitor answered is no answer yet', () => {
    const uc = installUsercentricsV2({ leadbeam: false });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    uc.set({ leadbeam: false }, true);
    expect(t.calls).toEqual(['denied']);
  });

  it('matches the service by name or id', () => {
    installUsercentricsV2({ Foo: false, 'Leadbeam Analytics': true }, { explicit: true });
    const a = tracker();
    const b = tracker();
    start(a, { service: 'Leadbeam Analytics' });
    start(b, { service: 'id0' });
    expect(a.calls).toEqual(['granted']);
    expect(b.calls).toEqual(['denied']);
  });

  it('initialises late through UC_UI_INITIALIZED', () => {
    const uc = installUsercentricsV2({ leadbeam: true }, { explicit: true, init: false });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    uc.init();
    expect(t.calls).toEqual(['granted']);
  });

  it('re-reads after a UC_UI_CMP_EVENT whose choice is stored just after it', async () => {
    const uc = installUsercentricsV2({ leadbeam: false }, { storeLate: true });
    const t = tracker();
    start(t, { event: 'noSuchEvent' });
    uc.set({ leadbeam: true }, true);
    expect(t.calls).toEqual([]);
    await tick();
    await tick();
    expect(t.calls).toEqual(['granted']);
  });

  it('reads the configured window event (consent_status shape) alone', () => {
    const t = tracker();
    start(t, { event: 'myUcEvent' });
    fire('myUcEvent', { event: 'consent_status', type: 'implicit', action: 'onInitialPageLoad', leadbeam: false });
    expect(t.calls).toEqual([]);
    fire('myUcEvent', { event: 'consent_status', type: 'EXPLICIT', action: 'onAcceptAllServices', leadbeam: true });
    fire('myUcEvent', { event: 'consent_status', type: 'explicit', action: 'onUpdateServices', leadbeam: true });
    fire('myUcEvent', { event: 'consent_status', type: 'explicit', action: 'onDenyAllServices', leadbeam: false });
    fire('myUcEvent', { event: 'consent_status', type: 'explicit', action: 'onDenyAllServices', other: true });
    expect(t.calls).toEqual(['granted', 'denied']);
  });

  it('dedupes the several events one choice produces', () => {
    const uc = installUsercentricsV2({ leadbeam: false });
    const t = tracker();
    start(t);
    uc.set({ leadbeam: true }, true);
    uc.set({ leadbeam: true }, true);
    expect(t.calls).toEqual(['granted']);
  });
});

describe('usercentrics adapter, v3 (__ucCmp, UC_CONSENT)', () => {
  it('reads getConsentDetails() when started after init, then follows UC_CONSENT', async () => {
    const uc = installUsercentricsV3({ leadbeam: true }, { required: false });
    const t = tracker();
    start(t);
    await tick();
    expect(t.calls).toEqual(['granted']);
    uc.set({ leadbeam: false }, true);
    expect(t.calls).toEqual(['granted', 'denied']);
  });

  it('follows UC_CONSENT when the CMP initialises after the adapter', () => {
    const t = tracker();
    start(t);
    const uc = installUsercentricsV3({ leadbeam: false });
    expect(t.calls).toEqual([]);
    uc.set({ leadbeam: true }, true);
    expect(t.calls).toEqual(['granted']);
  });

  it('accepts the v3 detail on the configured window event and matches by service id', () => {
    const t = tracker();
    start(t, { service: 'S0', event: 'ucConsentEvent' });
    fire('ucConsentEvent', { consent: { required: false }, services: { S0: { name: 'X', consent: { given: false } } } });
    expect(t.calls).toEqual(['denied']);
  });
});

describe('usercentrics adapter, robustness', () => {
  it('does nothing without Usercentrics and polls nothing', () => {
    vi.useFakeTimers();
    const t = tracker();
    expect(() => start(t)).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.calls).toEqual([]);
  });

  it('stop() removes every listener and cancels a pending re-read', async () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const uc = installUsercentricsV2({ leadbeam: false }, { storeLate: true });
    const t = tracker();
    const stop = start(t);
    const mine = add.mock.calls.filter(([type]) => /^(UC_|ucEvent)/.test(String(type))).map(([a, b]) => [a, b]);
    expect(mine).toHaveLength(4);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    uc.set({ leadbeam: true }, true); // schedules a re-read
    expect(vi.getTimerCount()).toBe(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
    expect(remove.mock.calls.map(([a, b]) => [a, b])).toEqual(mine);
    await tick();
    await tick();
    expect(t.calls).toEqual([]);
  });

  it('ignores a getConsentDetails() that resolves after stop()', async () => {
    installUsercentricsV3({ leadbeam: true }, { required: false });
    const t = tracker();
    usercentrics(t)();
    await tick();
    expect(t.calls).toEqual([]);
  });

  it('never throws into the page', async () => {
    (window as any).UC_UI = {
      getServicesBaseInfo() {
        throw new Error('broken');
      },
    };
    const t = tracker();
    expect(() => start(t)).not.toThrow();
    expect(() => fire('UC_UI_INITIALIZED')).not.toThrow();
    expect(() => fire('ucEvent', null)).not.toThrow();
    expect(() => fire('UC_CONSENT', { services: { a: null } })).not.toThrow();
    uninstallAll();
    (window as any).__ucCmp = { getConsentDetails: () => Promise.reject(new Error('not ready')) };
    expect(() => start(t)).not.toThrow();
    await tick();
    uninstallAll();
    const uc = installUsercentricsV2({ leadbeam: false });
    start({ consent: () => { throw new Error('tracker'); } });
    expect(() => uc.set({ leadbeam: true }, true)).not.toThrow();
    await tick();
  });
});
