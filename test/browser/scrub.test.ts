// E-mail scrubbing of page-derived strings in real Chromium, asserting what the
// reference collector received: the title, a huge SPA URL, event names and props.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventsOf, launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type StaticServer } from './harness';
import { startCollector, type Collector } from '../../collector/src/server.mjs';

let browser: Browser;
let server: StaticServer;
let collector: Collector;

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});

it('an address in the title, a route, an event name or props reaches the collector redacted', async () => {
  const site = 'LB-SCRUB';
  server.page(
    '/scrub.html',
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Account settings – jan.de.vries@acme.nl</title>' +
      `<script async src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${collector.url}"></script></head><body></body></html>`,
  );
  const context = await browser.newContext();
  const page = await context.newPage();
  const { errors } = watchPage(page);
  await page.goto(server.url + '/scrub.html');
  const events = () => eventsOf(collector, site);
  await waitFor(() => events().some((e) => e.type == 'page'), 'page view');
  // A route with a 100 KB query value full of addresses, and page text passed as props.
  await page.evaluate(() => {
    document.title = 'Inbox of piet@beta.de';
    history.pushState(null, '', '/inbox?q=' + '&to=piet%40beta.de'.repeat(5000));
  });
  await waitFor(() => events().filter((e) => e.type == 'page').length == 2, 'the route\'s page view');
  await page.evaluate(() => {
    const w = window as unknown as { leadbeam: (...a: unknown[]) => void };
    w.leadbeam('track', 'reply to piet@beta.de', { subject: document.title });
    w.leadbeam('flush');
  });
  await waitFor(() => events().some((e) => e.type == 'event'), 'event');
  const [first, second] = events().filter((e) => e.type == 'page');
  expect(first.title).toBe('Account settings – redacted');
  expect(second.title).toBe('Inbox of redacted');
  expect(second.url).toBe((server.url + '/inbox?q=' + '&to=redacted'.repeat(5000)).slice(0, 2048));
  expect(events().find((e) => e.type == 'event')).toMatchObject({ name: 'reply to redacted', props: { subject: 'Inbox of redacted' } });
  expect(JSON.stringify(events())).not.toMatch(/jan|piet|acme|beta/);
  expect(errors).toEqual([]);
  await context.close();
});
