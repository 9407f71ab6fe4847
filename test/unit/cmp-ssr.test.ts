// @vitest-environment node
// The adapters are imported by SSR bundles: importing and even calling them on
// the server must touch no browser global and leave nothing running.
import { describe, expect, it, vi } from 'vitest';
import { adapters } from '../../src/cmp/index';

describe('cmp adapters on the server', () => {
  it('import, start and stop without window', () => {
    vi.useFakeTimers();
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const consent = vi.fn();
    for (const [name, adapter] of Object.entries(adapters)) {
      const stop = adapter({ consent });
      expect(typeof stop, name).toBe('function');
      expect(() => stop(), name).not.toThrow();
    }
    expect(vi.getTimerCount()).toBe(0);
    expect(consent).not.toHaveBeenCalled();
    vi.useRealTimers();
  });

  it('exports the seven adapters under their data-consent-source names', () => {
    expect(Object.keys(adapters).sort()).toEqual(
      ['cookiebot', 'cookieconsent', 'google-consent-mode', 'klaro', 'onetrust', 'tcf', 'usercentrics'],
    );
  });
});
