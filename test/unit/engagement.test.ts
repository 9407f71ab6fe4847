// Engagement time counts only while the document is visible: createEngagement
// (src/pageviews.ts) under fake timers, with happy-dom's visibilityState mocked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEngagement } from '../../src/pageviews';

let state: DocumentVisibilityState = 'visible';
const descriptor = Object.getOwnPropertyDescriptor(document, 'visibilityState');

/** Moves the clock (Date and performance alike: the clock createEngagement reads is its own business). */
const wait = (ms: number) => vi.advanceTimersByTime(ms);
/** What the tracker does on visibilitychange: the state changes, then update() runs. */
function become(next: DocumentVisibilityState, e: ReturnType<typeof createEngagement>) {
  state = next;
  e.update();
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'performance', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(1_732_280_000_000);
  state = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
});
afterEach(() => {
  vi.useRealTimers();
  if (descriptor) Object.defineProperty(document, 'visibilityState', descriptor);
  else delete (document as { visibilityState?: unknown }).visibilityState;
});

describe('createEngagement: hidden time is left out', () => {
  it('visible 3 s, hidden 10 s, visible 2 s: 5 000 ms, not 15 000', () => {
    const e = createEngagement();
    wait(3000);
    become('hidden', e);
    wait(10_000);
    become('visible', e);
    wait(2000);
    expect(e.take()).toBe(5000);
  });

  it('created while hidden (a background tab): nothing counts until it is shown', () => {
    state = 'hidden';
    const e = createEngagement();
    wait(60_000);
    expect(e.take()).toBe(0);
    become('visible', e);
    wait(1500);
    expect(e.take()).toBe(1500);
  });

  it('take(true) at hide reports the visible time once; the hidden span and a second take add nothing', () => {
    const e = createEngagement();
    wait(4000);
    become('hidden', e);
    expect(e.take(true)).toBe(4000);
    wait(30_000);
    expect(e.take(true)).toBe(0);
    become('visible', e);
    wait(700);
    expect(e.take()).toBe(700);
  });

  it('several hide/show cycles: only the visible spans add up, and take() restarts the count', () => {
    const e = createEngagement();
    let visible = 0;
    for (let i = 0; i < 5; i++) {
      wait(1000 + i);
      visible += 1000 + i;
      become('hidden', e);
      wait(5000);
      become('visible', e);
    }
    expect(e.take()).toBe(visible);
    wait(250);
    expect(e.take()).toBe(250);
  });
});
