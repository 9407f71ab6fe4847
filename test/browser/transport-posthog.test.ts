// Oracle: PostHog's own browser SDK (posthog-js from npm, bundled here with esbuild)
// and leadbeam's posthog transport run on the same page in real Chromium against
// one capturing server, the SDK under /sdk, leadbeam under /lb. What the SDK posts
// is the format (posthog-js lib/src/posthog-core.js `_send_request`, request.js):
// leadbeam must hit the same path with a content type PostHog's capture accepts
// without a CORS preflight, carry the fields capture requires, and map the same page.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleForPage, launchBrowser, readBody, startStaticServer, waitFor, watchPage, type Browser, type BrowserContext, type StaticServer } from './harness';

interface Hit {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type PhEvent = { uuid: string; event: string; timestamp: string; properties: Record<string, any> };

let browser: Browser;
let server: StaticServer;
let sdk = '';
const hits: Hit[] = [];


beforeAll(async () => {
  sdk = await bundleForPage(`import posthog from 'posthog-js'; (window as any).posthog = posthog;`);
  [browser, server] = await Promise.all([launchBrowser(), startStaticServer()]);
  server.route(async (req, res) => {
    const path = (req.url || '').split('?')[0];
    if (path == '/bundles/posthog.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk), true;
    if (!/^\/(sdk|lb)\//.test(path)) return false;
    hits.push({ method: req.method!, path, contentType: req.headers['content-type'] || '', body: await readBody(req) });
    // Capture's CORS answer, so the SDK's application/json preflight passes.
    res.writeHead(200, {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'content-type',
      'content-type': 'application/json',
    });
    res.end('{"status":1}');
    return true;
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

let context: BrowserContext;
afterEach(async () => {
  await context?.close();
  hits.length = 0;
});

/** The capture events one side posted to /<side>/e/: posthog-js as JSON, leadbeam as the form field `data`. */
function captured(side: 'sdk' | 'lb'): PhEvent[] {
  return hits
    .filter((h) => h.method == 'POST' && h.path == `/${side}/e/`)
    .flatMap((h) => {
      const json = h.contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(h.body).get('data')! : h.body;
      const body = JSON.parse(json);
      // The batch envelope both send ('capture-body' mode), with the key capture authenticates by.
      expect(body.api_key).toBe('phc_oracle');
      return body.batch;
    });
}
const named = (side: 'sdk' | 'lb', event: string) => captured(side).find((e) => e.event == event);

async function open(cookieless: boolean) {
  context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 720 }, screen: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const watched = watchPage(page);
  server.page(
    '/pricing',
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Pricing</title>
<script src="/bundles/posthog.js"></script>
<script>
posthog.init('phc_oracle', {
  api_host: '${server.url}/sdk',
  ${cookieless ? "cookieless_mode: 'always'," : ''}
  opt_out_useragent_filter: true, // headless Chromium looks like a bot to posthog-js
  disable_compression: true, request_batching: false, autocapture: false, disable_session_recording: true,
  advanced_disable_flags: true, disable_surveys: true, capture_pageleave: false,
});
posthog.capture('signup', { plan: 'pro' });
</script>
<script type="module">
import { createTracker } from '/dist/leadbeam.mjs';
import { posthog } from '/dist/transport/posthog.mjs';
const t = createTracker({ site: 'LB-PH', endpoint: '${server.url}/lb', cookies: '${cookieless ? 'never' : 'always'}', batchMs: 50, transport: posthog({ apiKey: 'phc_oracle' }) });
t.track('signup', { plan: 'pro' });
</script></head><body>pricing</body></html>`,
  );
  // The page on localhost, the collector on 127.0.0.1: cross-origin, so a preflight would show.
  await page.goto(pageUrl(), { referer: 'https://news.example/story' });
  await waitFor(() => named('sdk', '$pageview') && named('sdk', 'signup') && named('lb', '$pageview') && named('lb', 'signup'), 'page views and events of both');
  return { page, watched };
}

const pageUrl = () => server.url.replace('127.0.0.1', 'localhost') + '/pricing?plan=pro';
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('posthog transport against posthog-js', () => {
  it('page view and custom event: same path, a preflight-free content type, the fields capture requires, the same page values', async () => {
    const { watched } = await open(false);
    const [sdkHit] = hits.filter((h) => h.path.startsWith('/sdk/e/') && h.method == 'POST');
    const lbHits = hits.filter((h) => h.path.startsWith('/lb/'));
    // Same capture path; leadbeam's requests are CORS-simple: no OPTIONS ever reached the server,
    // while the SDK's application/json needed one.
    expect(lbHits.every((h) => h.method == 'POST' && h.path == '/lb/e/')).toBe(true);
    expect(sdkHit.path).toBe('/sdk/e/');
    expect(hits.some((h) => h.method == 'OPTIONS' && h.path == '/sdk/e/')).toBe(true);
    expect(lbHits[0].contentType).toBe('application/x-www-form-urlencoded');

    const [sp, lp] = [named('sdk', '$pageview')!, named('lb', '$pageview')!];
    // The envelope of an event is the SDK's: uuid (UUIDv7), event, properties, ISO timestamp.
    expect(Object.keys(lp).sort()).toEqual(Object.keys(sp).sort());
    expect(lp.uuid).toMatch(UUID7);
    expect(sp.uuid).toMatch(UUID7);
    expect(new Date(lp.timestamp).toISOString()).toBe(lp.timestamp);
    expect(lp.properties.token).toBe(sp.properties.token);
    // The page as posthog-js reads it, field by field.
    for (const key of ['$current_url', '$host', '$pathname', '$referrer', '$referring_domain', 'title', '$browser_language', '$screen_width', '$screen_height']) {
      expect([key, lp.properties[key]]).toEqual([key, sp.properties[key]]);
    }
    expect(lp.properties.$current_url).toBe(pageUrl());
    expect(lp.properties.$screen_width).toBe(1440);
    // Ids: leadbeam's visitor id is the distinct id; session ids are UUIDv7 in both.
    const vid = (await context.cookies()).find((c) => c.name == '_lb_id')!.value;
    expect(lp.properties.distinct_id).toBe(vid);
    expect(lp.properties.$session_id).toMatch(UUID7);
    expect(sp.properties.$session_id).toMatch(UUID7);
    expect(lp.properties.$process_person_profile).toBe(sp.properties.$process_person_profile);

    const [se, le] = [named('sdk', 'signup')!, named('lb', 'signup')!];
    expect(le.properties.plan).toBe(se.properties.plan);
    expect(le.properties.distinct_id).toBe(vid);
    expect(le.properties.$session_id).toBe(lp.properties.$session_id);
    expect(watched.errors).toEqual([]);
  });

  it('cookieless: the same sentinel distinct id and $cookieless_mode flag as posthog-js cookieless_mode, no session id, no cookie', async () => {
    const { watched } = await open(true);
    for (const event of ['$pageview', 'signup']) {
      const [s, l] = [named('sdk', event)!.properties, named('lb', event)!.properties];
      expect(l.distinct_id).toBe(s.distinct_id);
      expect(l.distinct_id).toBe('$posthog_cookieless');
      expect(l.$cookieless_mode).toBe(s.$cookieless_mode);
      expect(l.$cookieless_mode).toBe(true);
      expect(s).not.toHaveProperty('$session_id');
      expect(l).not.toHaveProperty('$session_id');
      expect(l).not.toHaveProperty('$device_id');
    }
    expect(await context.cookies()).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
