// @vitest-environment node
// Importing the npm entry on a server touches no browser global; calling it is a no-op.
import { describe, expect, it } from 'vitest';

describe('SSR safety', () => {
  it('imports and runs in Node without window/document, every method a no-op', async () => {
    expect(typeof (globalThis as any).window).toBe('undefined');
    const { createTracker } = await import('../../src/index');
    const t = createTracker({ site: 'S', endpoint: 'https://c.example/e' });
    for (const m of ['page', 'track', 'consent', 'form', 'optOut', 'optIn', 'flush', 'destroy'] as const) {
      expect(() => (t[m] as (...a: unknown[]) => void)('x')).not.toThrow();
    }
  });
  it('the built ESM and CJS entries import in Node', async () => {
    const esm = await import(/* @vite-ignore */ new URL('../../dist/leadbeam.mjs', import.meta.url).href);
    expect(typeof esm.createTracker).toBe('function');
    const { createRequire } = await import('node:module');
    const cjs = createRequire(import.meta.url)('../../dist/leadbeam.cjs');
    expect(typeof cjs.createTracker).toBe('function');
    expect(() => cjs.createTracker({ site: 'S', endpoint: '/e' }).track('x')).not.toThrow();
  });
});
