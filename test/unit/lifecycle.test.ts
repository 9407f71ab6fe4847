// What createTracker() does on a prerendered page, in happy-dom (the real
// prerender and the bfcache are proven in Chromium: test/browser/lifecycle.test.ts).
import { afterEach, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/tracker';

type Sent = { events: { type: string; name?: string; ts: number; pv: string; vid?: string }[] };

function setPrerendering(on: boolean): void {
  Object.defineProperty(document, 'prerendering', { value: on, configurable: true });
}

afterEach(() => {
  delete (document as { prerendering?: boolean }).prerendering;
  document.cookie.split('; ').forEach((c) => (document.cookie = c.split('=')[0] + '=; max-age=0; path=/'));
  localStorage.clear();
});

it('while prerendering every call is held: nothing sent, no cookie, no storage; on activation they run in order, stamped with the activation time', async () => {
  setPrerendering(true);
  const sent: Sent[] = [];
  const transport = (_url: string, body: string) => (sent.push(JSON.parse(body)), true);
  const t = createTracker({ site: 'S', endpoint: 'https://c.example/e', cookies: 'always', transport, batchMs: 5 });
  t.track('first');
  t.consent('granted');
  t.track('second');
  t.flush();
  await new Promise((r) => setTimeout(r, 30));
  expect(sent).toEqual([]);
  expect(document.cookie).toBe('');
  expect(localStorage.length).toBe(0);

  const activation = Date.now() + 1;
  await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(activation));
  setPrerendering(false);
  document.dispatchEvent(new Event('prerenderingchange'));
  await vi.waitFor(() => expect(sent.flatMap((b) => b.events).map((e) => e.name || e.type)).toEqual(['first', 'second', 'page']));
  const events = sent.flatMap((b) => b.events);
  for (const e of events) expect(e.ts).toBeGreaterThanOrEqual(activation);
  // Held events belong to the first page view; the cookies exist only now.
  expect(new Set(events.map((e) => e.pv)).size).toBe(1);
  expect(events[2].vid).toMatch(/^[\w-]{22}$/);
  t.destroy();
});
