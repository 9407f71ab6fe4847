// Shared set-up of the CMP adapter unit tests: a tracker that records its
// consent calls, and start() that stops every adapter after each test.
import { afterEach, beforeEach, vi } from 'vitest';
import { uninstallAll } from '../fixtures/cmp/fakes';

export const tracker = () => {
  const calls: string[] = [];
  return { calls, consent: (s: string) => void calls.push(s) };
};

/** Registers the hooks and returns start(), which runs the adapter and remembers its stop(). */
export function useAdapter<A extends (...args: any[]) => () => void>(adapter: A): (...args: Parameters<A>) => () => void {
  let stops: (() => void)[] = [];
  beforeEach(() => uninstallAll());
  afterEach(() => {
    stops.forEach((s) => s());
    stops = [];
    uninstallAll();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
  return (...args) => {
    const stop = adapter(...args);
    stops.push(stop);
    return stop;
  };
}
