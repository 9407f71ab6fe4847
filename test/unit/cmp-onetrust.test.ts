import { describe, expect, it, vi } from 'vitest';
import { tracker, useAdapter } from './cmp-harness';
import { onetrust } from '../../src/cmp/onetrust';
import { installOneTrust } from '../fixtures/cmp/fakes';

const start = useAdapter(onetrust);

describe('onetrust adapter', () => {
  it('reads stored groups and follows a withdrawal and a re-grant', () => {
    const ot = installOneTrust({ groups: ['C0001', 'C0002'], closed: true });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
    ot.save(['C0001', 'C0003']);
    expect(t.calls).toEqual(['granted', 'denied']);
    ot.save(['C0001', 'C0002']);
    expect(t.calls).toEqual(['granted', 'denied', 'granted']);
  });

  it('an inactive group before the visitor answered is no answer yet', () => {
    const ot = installOneTrust({ groups: ['C0001'] });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual([]);
    ot.save(['C0001']);
    expect(t.calls).toEqual(['denied']);
  });

  it('a group OneTrust activates without a banner (opt-out region) is granted', () => {
    installOneTrust({ groups: ['C0001', 'C0002', 'C0004'] });
    const t = tracker();
    start(t);
    expect(t.calls).toEqual(['granted']);
  });

  it('matches whole group ids and uses the configured group', () => {
    const ot = installOneTrust({ groups: ['C0001', 'C00021'], closed: true });
    const a = tracker();
    const b = tracker();
    start(a);
    start(b, { group: 'C0004' });
    expect(a.calls).toEqual(['denied']);
    ot.save(['C0001', 'C0004']);
    expect(b.calls).toEqual(['denied', 'granted']);
  });

  it('dedupes repeated OneTrustGroupsUpdated events', () => {
    const ot = installOneTrust({ groups: ['C0001'] });
    const t = tracker();
    start(t);
    ot.save(['C0001', 'C0002']);
    ot.save(['C0001', 'C0002', 'C0003']);
    window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001', 'C0002'] }));
    expect(t.calls).toEqual(['granted']);
  });

  it('picks up OneTrust loading after the adapter, without polling', () => {
    vi.useFakeTimers();
    const t = tracker();
    start(t);
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
    installOneTrust({ groups: ['C0001', 'C0002'], closed: true });
    expect(t.calls).toEqual(['granted']);
  });

  it('stop() removes its listener', () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const ot = installOneTrust({ groups: ['C0001'] });
    const t = tracker();
    start(t)();
    const mine = add.mock.calls.find(([type]) => type == 'OneTrustGroupsUpdated')!;
    expect(remove).toHaveBeenCalledWith('OneTrustGroupsUpdated', mine[1]);
    ot.save(['C0001', 'C0002']);
    expect(t.calls).toEqual([]);
  });

  it('never throws into the page', () => {
    (window as any).OnetrustActiveGroups = ',C0001,';
    (window as any).OneTrust = {
      IsAlertBoxClosed() {
        throw new Error('broken');
      },
    };
    const t = tracker();
    expect(() => start(t)).not.toThrow();
    expect(() => window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: 42 }))).not.toThrow();
    expect(() => window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0002'] }))).not.toThrow();
    expect(t.calls).toEqual(['granted']);
    start({ consent: () => { throw new Error('tracker'); } });
    expect(() => window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0002'] }))).not.toThrow();
  });
});
