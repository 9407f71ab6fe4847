// The CMP adapters in real Chromium. TCF runs against IAB's own CMP API
// (@iabtechlabtcf/cmpapi + core), Klaro and vanilla-cookieconsent run from
// node_modules; Cookiebot, OneTrust and Usercentrics are hosted services, so
// their documented globals and events are faked (test/fixtures/cmp/fakes.ts);
// Google Consent Mode uses Google's own gtag snippet.
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ROOT,
  launchBrowser,
  startStaticServer,
  waitFor,
  watchPage,
  type Browser,
  type BrowserContext,
  type Page,
  type StaticServer,
} from './harness';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const cmp: any;
declare const klaro: any;
declare const CookieConsent: any;
declare const gtag: any;
declare const fakes: any;

const ADAPTERS: Record<string, string> = {
  tcf: 'tcf',
  'google-consent-mode': 'googleConsentMode',
  cookiebot: 'cookiebot',
  onetrust: 'onetrust',
  usercentrics: 'usercentrics',
  klaro: 'klaro',
  cookieconsent: 'cookieconsent',
};

const bundles = new Map<string, string>();
const bundle = async (name: string, contents: string) => {
  const out = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: `${name}.entry.ts` },
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2019',
    logLevel: 'silent',
  });
  bundles.set(`/bundles/${name}.js`, out.outputFiles[0].text);
};

let browser: Browser;
let server: StaticServer;
let context: BrowserContext;
let page: Page;
let watched: ReturnType<typeof watchPage>;
let pageNo = 0;

beforeAll(async () => {
  await Promise.all([
    ...Object.entries(ADAPTERS).map(([file, fn]) =>
      bundle(
        `adapter-${file}`,
        `import { ${fn} as adapter } from './src/cmp/${file}';
        const w = window as any;
        // The fake tracker: records every consent() call. key lets a test run a second instance.
        w.__startAdapter = (options?: object, key = '__calls') => {
          const stop = adapter({ consent(s: string) { (w[key] ||= []).push(s); } }, options);
          (w.__stops ||= {})[key] = stop;
          return stop;
        };
        const opts = document.currentScript && document.currentScript.getAttribute('data-options');
        w.__stop = w.__startAdapter(opts ? JSON.parse(opts) : undefined);`,
      ),
    ),
    bundle('fakes', `import * as f from './test/fixtures/cmp/fakes'; (window as any).fakes = f;`),
    // package.json says sideEffects: false, so bundles reference what they import.
    bundle('tcf-cmp', `import { cmp } from './test/fixtures/cmp/tcf-cmp'; (window as any).cmp = cmp;`),
  ]);
  [browser, server] = await Promise.all([launchBrowser(), startStaticServer()]);
  server.route((req, res) => {
    const js = bundles.get((req.url || '').split('?')[0]);
    if (!js) return false;
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    res.end(js);
    return true;
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  watched = watchPage(page);
});

afterEach(async () => {
  expect(watched.errors).toEqual([]);
  // A fresh context per test: cookies and storage go with it.
  await context.close();
});

type Part = string | { src: string; options?: object } | { inline: string };
/** Serves a page made of script tags (in order) and opens it. */
async function open(parts: Part[], body = ''): Promise<string> {
  const path = `/cmp-${++pageNo}.html`;
  const tags = parts.map((p) =>
    typeof p == 'string'
      ? `<script src="${p}"></script>`
      : 'src' in p
        ? `<script src="${p.src}"${p.options ? ` data-options='${JSON.stringify(p.options)}'` : ''}></script>`
        : `<script>${p.inline}</script>`,
  );
  server.page(path, `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>cmp</title></head><body>${body}${tags.join('\n')}</body></html>`);
  await page.goto(server.url + path);
  return path;
}
const adapter = (name: string, options?: object) => ({ src: `/bundles/adapter-${name}.js`, options });
const calls = (key = '__calls'): Promise<string[]> => page.evaluate((k) => window[k] || [], key);
/** Waits until the recorded calls are exactly `expected` (no fixed sleeps). */
async function expectCalls(expected: string[], key = '__calls') {
  const want = JSON.stringify(expected);
  await waitFor(async () => JSON.stringify(await calls(key)) == want, `${key} = ${want}`, 5000).catch(() => undefined);
  expect(await calls(key)).toEqual(expected);
}

describe('tcf adapter against IAB @iabtechlabtcf/cmpapi', () => {
  it('stored TC string → granted; re-shown UI is no answer; withdrawal → denied; gdprApplies false → granted', async () => {
    await open([
      '/bundles/tcf-cmp.js',
      { inline: `cmp.start(); cmp.update(cmp.tc([1, 8], [755]), false);` }, // tcloaded
      adapter('tcf'),
    ]);
    await expectCalls(['granted']);

    // A second instance that also needs vendor 1001, which the stored string lacks.
    await page.evaluate(() => window.__startAdapter({ vendorId: 1001 }, '__vendor'));
    await expectCalls(['denied'], '__vendor');

    // CmpApi calls listeners synchronously, so each step can be read right after it.
    const steps = await page.evaluate(() => {
      const seen: string[][] = [];
      const snap = () => seen.push([...window.__calls]);
      cmp.update(cmp.tc([], []), true); // cmpuishown: the banner is open, not an answer
      snap();
      cmp.update(cmp.tc([8], [755]), false); // useractioncomplete: purpose 1 withdrawn
      snap();
      cmp.update(cmp.tc([8], [755]), false); // same answer again
      snap();
      cmp.update(cmp.tc([1], [755, 1001]), false);
      snap();
      cmp.update(null); // GDPR does not apply
      snap();
      return seen;
    });
    expect(steps).toEqual([
      ['granted'],
      ['granted', 'denied'],
      ['granted', 'denied'],
      ['granted', 'denied', 'granted'],
      ['granted', 'denied', 'granted'],
    ]);
    expect(await calls('__vendor')).toEqual(['denied', 'granted']);
  });

  it('gdprApplies false from the start → granted', async () => {
    await open(['/bundles/tcf-cmp.js', { inline: `cmp.start(); cmp.update(null);` }, adapter('tcf')]);
    await expectCalls(['granted']);
  });

  it('registers through the __tcfapi stub before the CMP loads; new visitor answers; stop() removes the listener', async () => {
    // The IAB stub: queues commands until the CMP replaces it (returns the queue when called without arguments).
    const stub = `window.__tcfapi = function () {
      var a = [].slice.call(arguments), q = (window.__tcfapi.q = window.__tcfapi.q || []);
      if (!a.length) return q;
      if (a[0] === 'ping') a[2]({ gdprApplies: true, cmpLoaded: false }, true); else q.push(a);
    };`;
    await open([{ inline: stub }, adapter('tcf')]);
    expect(await page.evaluate(() => window.__tcfapi.q.length)).toBe(1); // our addEventListener, queued

    await page.addScriptTag({ url: '/bundles/tcf-cmp.js' });
    const steps = await page.evaluate(() => {
      const seen: string[][] = [];
      const snap = () => seen.push([...(window.__calls || [])]);
      cmp.start();
      cmp.update('', true); // new visitor: banner shown, no TC string yet
      snap();
      cmp.update(cmp.tc([1, 2, 3]), false); // useractioncomplete
      snap();
      window.__stop();
      let stillThere: unknown = 'unanswered';
      window.__tcfapi('removeEventListener', 2, (ok: boolean) => (stillThere = ok), 0);
      cmp.update(cmp.tc([]), false);
      snap();
      return { seen, stillThere };
    });
    expect(steps.seen).toEqual([[], ['granted'], ['granted']]);
    expect(steps.stillThere).toBe(false); // listener 0 (ours) was already removed by stop()
  });

  it('polls for a CMP that appears late without any stub', async () => {
    await open([adapter('tcf')]);
    await page.addScriptTag({ url: '/bundles/tcf-cmp.js' });
    await page.evaluate(() => {
      cmp.start();
      cmp.update(cmp.tc([1]), false);
    });
    await expectCalls(['granted']);
  });
});

describe('google-consent-mode adapter with the gtag snippet', () => {
  const snippet = `window.dataLayer = window.dataLayer || [];
    function gtag(){ dataLayer.push(arguments); }
    gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied', wait_for_update: 500 });
    gtag('js', new Date());`;

  it('ignores the default, follows updates, and chains with a GTM-style push wrapper', async () => {
    await open([{ inline: snippet }, adapter('google-consent-mode')]);
    const steps = await page.evaluate(() => {
      const seen: string[][] = [];
      const snap = () => seen.push([...(window.__calls || [])]);
      snap();
      gtag('consent', 'update', { analytics_storage: 'granted', ad_storage: 'denied' });
      snap();
      // GTM loads after us and wraps push, chaining to ours.
      const prev = window.dataLayer.push;
      window.dataLayer.push = function (...a: unknown[]) {
        window.__gtm = (window.__gtm || 0) + 1;
        return prev.apply(window.dataLayer, a);
      };
      gtag('consent', 'update', { ad_storage: 'granted' });
      snap();
      gtag('consent', 'update', { analytics_storage: 'denied' });
      snap();
      return { seen, gtm: window.__gtm, length: window.dataLayer.length };
    });
    expect(steps.seen).toEqual([[], ['granted'], ['granted'], ['granted', 'denied']]);
    expect(steps.gtm).toBe(2);
    expect(steps.length).toBe(5);
  });

  it('reads an update queued before it loaded (returning visitor)', async () => {
    await open([
      { inline: snippet + `gtag('consent', 'update', { analytics_storage: 'granted' });` },
      adapter('google-consent-mode'),
    ]);
    await expectCalls(['granted']);
  });

  it('with defaults: true, a region-less default counts', async () => {
    await open([{ inline: snippet }, adapter('google-consent-mode', { defaults: true })]);
    await expectCalls(['denied']);
    await page.evaluate(() => gtag('consent', 'update', { analytics_storage: 'granted' }));
    await expectCalls(['denied', 'granted']);
  });
});

describe('cookiebot adapter (fake Cookiebot globals and events)', () => {
  it('stored statistics consent → granted; decline → denied; accept → granted', async () => {
    await open(['/bundles/fakes.js', { inline: `window.cb = fakes.installCookiebot({ categories: ['statistics'] });` }, adapter('cookiebot')]);
    await expectCalls(['granted']);
    await page.evaluate(() => window.cb.decline());
    await expectCalls(['granted', 'denied']);
    await page.evaluate(() => window.cb.accept(['statistics']));
    await expectCalls(['granted', 'denied', 'granted']);
  });

  it('Cookiebot loading after the adapter, with the marketing category', async () => {
    await open(['/bundles/fakes.js', adapter('cookiebot', { category: 'marketing' })]);
    await page.evaluate(() => (window.cb = fakes.installCookiebot(null)));
    expect(await calls()).toEqual([]);
    await page.evaluate(() => window.cb.accept(['statistics']));
    await expectCalls(['denied']);
    await page.evaluate(() => window.cb.accept(['statistics', 'marketing']));
    await expectCalls(['denied', 'granted']);
  });
});

describe('onetrust adapter (fake OneTrust globals and events)', () => {
  it('loads late; no answer yet; save with C0002 → granted; without → denied', async () => {
    await open(['/bundles/fakes.js', adapter('onetrust')]);
    await page.evaluate(() => (window.ot = fakes.installOneTrust({ groups: ['C0001'] })));
    await page.evaluate(() => window.ot.save(['C0001', 'C0002']));
    await expectCalls(['granted']);
    await page.evaluate(() => window.ot.save(['C0001']));
    await expectCalls(['granted', 'denied']);
  });
});

describe('usercentrics adapter (fake UC_UI / __ucCmp globals and events)', () => {
  it('v2: UC_UI initialises late; accept → granted; deny → denied', async () => {
    await open([
      '/bundles/fakes.js',
      { inline: `window.uc = fakes.installUsercentricsV2({ leadbeam: false, Other: true }, { init: false, storeLate: true });` },
      adapter('usercentrics'),
    ]);
    await page.evaluate(() => window.uc.init());
    await page.evaluate(() => window.uc.set({ leadbeam: true }, true));
    await expectCalls(['granted']);
    await page.evaluate(() => window.uc.set({ leadbeam: false }, true));
    await expectCalls(['granted', 'denied']);
  });

  it('v3: getConsentDetails() on start, then UC_CONSENT', async () => {
    await open([
      '/bundles/fakes.js',
      { inline: `window.uc = fakes.installUsercentricsV3({ 'Leadbeam Analytics': true }, { required: false });` },
      adapter('usercentrics', { service: 'Leadbeam Analytics' }),
    ]);
    await expectCalls(['granted']);
    await page.evaluate(() => window.uc.set({ 'Leadbeam Analytics': false }, true));
    await expectCalls(['granted', 'denied']);
  });
});

describe('klaro adapter against Klaro from node_modules', () => {
  const config = `{
    version: 1, elementID: 'klaro', storageMethod: 'cookie', storageName: 'klaro',
    acceptAll: true, mustConsent: false, lang: 'en',
    services: [
      { name: 'leadbeam', title: 'leadbeam', purposes: ['analytics'] },
      { name: 'other', title: 'Other', purposes: ['marketing'] }
    ]
  }`;

  it('click "accept all" → granted; decline via the manager → denied; reload keeps the stored choice', async () => {
    const parts: Part[] = ['/node_modules/klaro/dist/klaro.js', adapter('klaro'), { inline: `klaro.setup(${config});` }];
    const path = await open(parts);
    await page.locator('.klaro .cm-btn-success').first().click();
    await expectCalls(['granted']);

    await page.evaluate(() => {
      const m = klaro.getManager();
      m.updateConsent('leadbeam', false);
      m.saveAndApplyConsents();
    });
    await expectCalls(['granted', 'denied']);

    await page.goto(server.url + path);
    await expectCalls(['denied']);
    await page.evaluate(() => {
      const m = klaro.getManager();
      m.updateConsent('leadbeam', true); // a toggle is not an answer...
      window.__afterToggle = [...window.__calls];
      m.saveAndApplyConsents(); // ...saving it is
    });
    expect(await page.evaluate(() => window.__afterToggle)).toEqual(['denied']);
    await expectCalls(['denied', 'granted']);
  });

  it('decline button → denied', async () => {
    await open(['/node_modules/klaro/dist/klaro.js', { inline: `klaro.setup(${config});` }, adapter('klaro')]);
    await page.locator('.klaro .cm-btn-danger').first().click();
    await expectCalls(['denied']);
  });
});

describe('cookieconsent adapter against vanilla-cookieconsent from node_modules', () => {
  // hideFromBots: the automated browser reports navigator.webdriver, which cookieconsent treats as a bot.
  const run = `CookieConsent.run({
    hideFromBots: false,
    categories: { necessary: { enabled: true, readOnly: true }, analytics: {} },
    language: { default: 'en', translations: { en: {
      consentModal: { title: 'Cookies', description: 'We use cookies.', acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all' },
      preferencesModal: { title: 'Preferences', acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all', savePreferencesBtn: 'Save', sections: [] }
    } } }
  });`;

  it('click "accept all" → granted; acceptCategory([]) → denied; reload keeps the stored choice', async () => {
    const path = await open([
      '/node_modules/vanilla-cookieconsent/dist/cookieconsent.umd.js',
      adapter('cookieconsent'),
      { inline: run },
    ]);
    await page.locator('#cc-main [data-role="all"]').first().click();
    await expectCalls(['granted']);
    await page.evaluate(() => CookieConsent.acceptCategory([]));
    await expectCalls(['granted', 'denied']);

    await page.goto(server.url + path);
    await expectCalls(['denied']);
    await page.evaluate(() => CookieConsent.acceptCategory('analytics'));
    await expectCalls(['denied', 'granted']);
  });

  it('reject button → denied, with the adapter started after run()', async () => {
    await open(['/node_modules/vanilla-cookieconsent/dist/cookieconsent.umd.js', { inline: run }, adapter('cookieconsent')]);
    expect(await calls()).toEqual([]);
    await page.locator('#cc-main [data-role="necessary"]').first().click();
    await expectCalls(['denied']);
  });
});
