// Every vendor without a bundler: dist/leadbeam.<vendor>.js is the plain
// script-tag build plus that vendor's transport, configured by data-transport-*
// attributes. Each build, pasted as one tag, delivers the page view and a
// custom event to the vendor's ingestion path on a capturing server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startStaticServer, waitFor, watchPage, type Browser, type StaticServer } from './harness';

let browser: Browser;
let server: StaticServer;
let vendor: Server;
let vendorUrl = '';
const captured: { path: string; body: string; contentType: string }[] = [];

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startStaticServer()]);
  vendor = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method != 'OPTIONS') captured.push({ path: req.url || '', body: decodeURIComponent(body + (req.url || '')), contentType: String(req.headers['content-type'] || '') });
      res.writeHead(200, { 'access-control-allow-origin': String(req.headers.origin || '*'), 'access-control-allow-headers': 'content-type' }).end('{}');
    });
  });
  await new Promise<void>((r) => vendor.listen(0, '127.0.0.1', r));
  vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
});
afterAll(async () => {
  vendor?.closeAllConnections();
  await Promise.all([browser?.close(), server?.close(), new Promise((r) => vendor?.close(r))]);
});

const VENDORS: [name: string, attrs: string, path: string][] = [
  ['posthog', 'data-transport-api-key="phc_tag"', '/e/'],
  ['snowplow', 'data-transport-app-id="tag-app"', '/i?'],
  ['plausible', 'data-transport-domain="tag.example"', '/api/event'],
  ['segment', 'data-transport-write-key="wk_tag"', '/v1/batch'],
  ['umami', 'data-transport-website-id="4f0e4b1c-0000-4000-8000-000000000000"', '/api/send'],
  ['matomo', 'data-transport-site-id="7"', '/matomo.php'],
];

describe('one script tag per vendor (dist/leadbeam.<vendor>.js)', () => {
  for (const [name, attrs, path] of VENDORS)
    it(`${name}: data-transport-* configure the vendor; the page view and an event reach ${path}`, async () => {
      const page = await (await browser.newContext()).newPage();
      const { warnings, errors } = watchPage(page);
      const marker = `tag-${name}-${Date.now()}`;
      server.page(
        `/${marker}.html`,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${marker}</title>` +
          `<script src="/dist/leadbeam.${name}.js" data-site="LB-TAG" data-endpoint="${vendorUrl}" data-cookies="never" ${attrs}></script></head><body></body></html>`,
      );
      await page.goto(`${server.url}/${marker}.html`);
      await page.evaluate(() => (window as any).leadbeam('track', 'tag_event', { plan: 'pro' }));
      const mine = () => captured.filter((c) => c.path.startsWith(path) && c.body.includes(marker));
      await waitFor(() => mine().length > 0, `${name}: a request to ${path} carrying the page`);
      await waitFor(() => captured.some((c) => c.path.startsWith(path) && c.body.includes('tag_event')), `${name}: the custom event`);
      // The vendor options reached the transport, and leadbeam saw no unknown option.
      expect(captured.filter((c) => c.path.startsWith(path)).map((c) => c.body).join(' ')).toContain(attrs.split('"')[1]);
      expect(warnings.filter((w) => w.includes('unknown option') || w.includes('invalid option'))).toEqual([]);
      expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
      await page.context().close();
    });
});
