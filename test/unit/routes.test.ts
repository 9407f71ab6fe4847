// The route-change rule (README › Page views) in happy-dom, with a recording
// transport: fast checks of each history pattern. Hash routing is checked in
// Chromium only (happy-dom fires hashchange on replaceState, which browsers do
// not), with the real routers: test/browser/routers.test.ts.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createTracker, type Tracker } from '../../src/tracker';

let sent: { type: string; url?: string; pv: string }[];
let tracker: Tracker;
let online = true;
const start = (options: Record<string, unknown> = {}) => {
  tracker = createTracker({ site: 'S', endpoint: 'https://c.example/e', transport: (_u, body) => online && (sent.push(...JSON.parse(body).events), true), ...options });
};
/** The route timer (setTimeout 0, armed earlier) has run, and the page view it made has been handed over. */
const settle = () => new Promise((r) => setTimeout(r, 5));
const pages = () => sent.filter((e) => e.type == 'page').map((e) => new URL(e.url!).pathname + new URL(e.url!).search + new URL(e.url!).hash);

beforeEach(() => {
  sent = [];
  online = true;
  history.replaceState(null, '', '/');
});
afterEach(() => tracker.destroy());

it('replaceState with new state or a new query is no page view and no engage event; with a new path it is one', async () => {
  start();
  await settle();
  history.replaceState({ scroll: 1 }, '');
  for (const q of ['a', 'ac', 'acme']) history.replaceState(null, '', '/?q=' + q), await settle();
  history.replaceState(null, '', '/pricing?q=acme');
  await settle();
  expect(pages()).toEqual(['/', '/pricing?q=acme']);
  expect(sent.filter((e) => e.type == 'engage').length).toBeLessThanOrEqual(1);
});

it('pushState and popstate count when the URL differs (query included); the same URL is none; replaceState + pushState in one task is one', async () => {
  start();
  await settle();
  history.replaceState({ scroll: 1 }, '', '/');
  history.pushState(null, '', '/search');
  await settle();
  history.pushState(null, '', '/search?q=acme');
  await settle();
  history.pushState(null, '', '/search?q=acme#results');
  await settle();
  dispatchEvent(new PopStateEvent('popstate'));
  await settle();
  expect(pages()).toEqual(['/', '/search', '/search?q=acme']);
});

it('a redirect rewrites a page view still held for consent; once a page view went into a request (even a failed one) a redirect adds one', async () => {
  start({ requireConsent: true });
  await settle();
  history.replaceState(null, '', '/en/');
  await settle();
  tracker.consent('granted');
  await settle();
  expect(pages()).toEqual(['/en/']);
  // The endpoint fails: /pricing has left (in a failed request, to be retried), so the redirect is a page view of its own.
  online = false;
  history.pushState(null, '', '/pricing');
  await settle();
  history.replaceState(null, '', '/en/pricing');
  await settle();
  online = true;
  await vi.waitFor(() => expect(pages()).toEqual(['/en/', '/pricing', '/en/pricing']), { timeout: 5000 });
});
