// Form-domain capture in real Chromium: native navigation, requestSubmit(),
// preventDefault + fetch, late forms, open shadow roots, and what must never
// be read. src/forms.ts is bundled by esbuild and served to
// test/fixtures/forms/index.html under a strict CSP.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

declare global {
  interface Window {
    __domains: string[];
    __reads: string[];
    __listeners: { type: string; on: string; opts: unknown }[];
    __submits: number;
    __docSubmits: number;
    __shadowSubmits?: number;
    __stopForms: () => void;
    __ready?: boolean;
  }
}

const FIXTURE = '/test/fixtures/forms/index.html';
const CSP = "default-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'";

let browser: Browser;
let server: StaticServer;
let recorded: string[] = [];
let apiBodies = 0;

beforeAll(async () => {
  const [b, s, bundle, html] = await Promise.all([
    launchBrowser(),
    startStaticServer(),
    build({
      entryPoints: [join(ROOT, 'src/forms.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'LBForms',
      target: 'es2019',
      write: false,
    }),
    readFile(join(ROOT, FIXTURE), 'utf8'),
  ]);
  browser = b;
  server = s;
  const js = bundle.outputFiles[0].text;
  server.page(FIXTURE, html, { 'content-security-policy': CSP });
  server.route(async (req, res) => {
    const path = (req.url || '').split('?')[0];
    if (path === '/__lb/forms.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(js);
      return true;
    }
    if (path === '/__lb/record' || path === '/__lb/api') {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (path === '/__lb/record') recorded.push(body);
      else apiBodies++;
      res.writeHead(204).end();
      return true;
    }
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

let context: BrowserContext;
let page: Page;
let watched: ReturnType<typeof watchPage>;

beforeEach(async () => {
  recorded = [];
  apiBodies = 0;
  context = await browser.newContext();
  page = await context.newPage();
  watched = watchPage(page);
  await page.goto(server.url + FIXTURE);
  await page.waitForFunction(() => window.__ready === true);
});

afterEach(async () => {
  // No uncaught error and no CSP violation on any page.
  expect(watched.errors).toEqual([]);
  await context.close();
});

const domains = () => page.evaluate(() => window.__domains);
const submits = () => page.evaluate(() => window.__submits);
/** Waits until the server has exactly `list` (beacons may race each other: order-free). */
async function expectRecorded(list: string[]) {
  await waitFor(() => recorded.length >= list.length, `beacons ${list.join(', ')}`);
  expect([...recorded].sort()).toEqual([...list].sort());
}
/**
 * Proves that nothing was sent for what happened before: one more submit with
 * a known domain, then the server must hold that domain alone.
 */
async function expectNothingElseSent(before: string[] = []) {
  await page.fill('#rs input', 'control@control-beacon.nl');
  await page.click('#rs button');
  await expectRecorded([...before, 'control-beacon.nl']);
}
/** Overrides the `value` getter of the matched elements to log every JS read. */
async function spyValues(selector: string) {
  await page.evaluate((sel) => {
    window.__reads = window.__reads || [];
    const d = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!;
    document.querySelectorAll<HTMLInputElement>(sel).forEach((el) => {
      Object.defineProperty(el, 'value', {
        configurable: true,
        get() {
          window.__reads.push(`${el.form?.id}/${el.type}/${el.name}`);
          return d.get!.call(this);
        },
        set(v) {
          d.set!.call(this, v);
        },
      });
    });
  }, selector);
}

describe('submit paths', () => {
  it('native submit that navigates: the beacon leaves before the page does', async () => {
    await page.fill('#native input', 'jan@acme.nl');
    await Promise.all([page.waitForURL('**/thanks.html'), page.click('#native button')]);
    await page.waitForSelector('#thanks');
    await expectRecorded(['acme.nl']);
  });

  it('requestSubmit()', async () => {
    await page.fill('#rs input', 'Jan.de.Vries+demo@Sales.ACME.nl');
    await page.evaluate(() => (document.getElementById('rs') as HTMLFormElement).requestSubmit());
    expect(await domains()).toEqual(['sales.acme.nl']);
    await expectRecorded(['sales.acme.nl']);
  });

  it('a framework form: preventDefault() + fetch, e-mail found by its label', async () => {
    await page.fill('#spa input[name=contact]', 'jan@bücher.de');
    await page.fill('#spa input[name=name]', 'Jan');
    await page.click('#spa button');
    await page.waitForSelector('body[data-spa=sent]');
    expect(apiBodies).toBe(1);
    expect(await domains()).toEqual(['xn--bcher-kva.de']);
    await expectRecorded(['xn--bcher-kva.de']);
  });

  it('a form added after load, submitted with Enter', async () => {
    await page.evaluate(() => {
      document.body.insertAdjacentHTML(
        'beforeend',
        '<form id="late" data-stay><input type="email" name="email" aria-label="Email"></form>',
      );
    });
    await page.fill('#late input', 'jan@late-form.nl');
    await page.press('#late input', 'Enter');
    await waitFor(submits, 'the late submit');
    expect(await domains()).toEqual(['late-form.nl']);
    await expectRecorded(['late-form.nl']);
  });

  it('a text field named "email" with a value; other text fields are never taken', async () => {
    await page.fill('#textmail input[name=email]', 'jan@textfield.nl');
    await page.click('#textmail button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual(['textfield.nl']);
    await expectRecorded(['textfield.nl']);
  });

  it('listens in the capture phase, passively, and stop() ends it', async () => {
    const listeners = await page.evaluate(() => window.__listeners);
    expect(listeners.length).toBeGreaterThan(0);
    for (const l of listeners) expect(l.opts).toEqual({ capture: true, passive: true });
    expect(listeners.filter((l) => l.on === 'document').map((l) => l.type).sort()).toEqual(['click', 'focusin', 'submit']);
    await page.evaluate(() => window.__stopForms());
    await page.fill('#rs input', 'jan@after-stop.nl');
    await page.click('#rs button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual([]);
  });
});

describe('open shadow roots', () => {
  it('a submit in a shadow root never reaches document (Chromium): why roots get their own listener', async () => {
    await page.fill('#shadow input', 'jan@shadow.nl');
    await page.click('#shadow button');
    await waitFor(() => page.evaluate(() => window.__shadowSubmits), 'the shadow submit');
    expect(await page.evaluate(() => window.__docSubmits)).toBe(0);
    expect(await domains()).toEqual(['shadow.nl']);
    await expectRecorded(['shadow.nl']);
    const onShadow = await page.evaluate(() => window.__listeners.filter((l) => l.on === 'shadow').map((l) => l.type));
    // Re-added on every composed event (a no-op in the DOM), and still one capture per submit.
    expect([...new Set(onShadow)].sort()).toEqual(['click', 'focusin', 'submit']);
  });

  it('requestSubmit() inside a shadow root, after the visitor typed the address', async () => {
    await page.fill('#shadow input', 'jan@shadow-rs.nl');
    await page.evaluate(() => document.getElementById('shadow')!.shadowRoot!.querySelector('form')!.requestSubmit());
    expect(await page.evaluate(() => window.__shadowSubmits)).toBe(1);
    expect(await domains()).toEqual(['shadow-rs.nl']);
    await expectRecorded(['shadow-rs.nl']);
  });

  it('Enter in a field of a shadow-root form', async () => {
    await page.fill('#shadow input', 'jan@shadow-enter.nl');
    await page.press('#shadow input', 'Enter');
    await waitFor(() => page.evaluate(() => window.__shadowSubmits), 'the shadow submit');
    expect(await domains()).toEqual(['shadow-enter.nl']);
  });

  it('nested shadow roots (a component inside a component)', async () => {
    await page.fill('#nested input', 'jan@nested-shadow.nl');
    await page.click('#nested button');
    await waitFor(() => page.evaluate(() => window.__shadowSubmits), 'the nested submit');
    expect(await domains()).toEqual(['nested-shadow.nl']);
    await expectRecorded(['nested-shadow.nl']);
  });

  it('a shadow-root form whose host is inside a data-leadbeam-ignore container: nothing read, nothing sent', async () => {
    await page.fill('#ignshadow input', 'jan@ignored-shadow.nl');
    // The spy goes on after fill() (Playwright reads the value while typing).
    await page.evaluate(() => {
      window.__reads = [];
      const input = document.getElementById('ignshadow')!.shadowRoot!.querySelector('input')!;
      const d = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!;
      Object.defineProperty(input, 'value', {
        configurable: true,
        get() {
          window.__reads.push('ignshadow');
          return d.get!.call(this);
        },
      });
    });
    await page.click('#ignshadow button');
    await waitFor(() => page.evaluate(() => window.__shadowSubmits), 'the shadow submit');
    expect(await domains()).toEqual([]);
    expect(await page.evaluate(() => window.__reads)).toEqual([]);
    await expectNothingElseSent();
  });

  it('an e-mail <input> in the open shadow root of a form-associated custom element', async () => {
    // form.elements lists the custom element itself, not the input inside it.
    expect(await page.evaluate(() => [...(document.getElementById('face') as HTMLFormElement).elements].map((e) => e.localName))).toEqual([
      'lb-email-field',
      'button',
    ]);
    await page.fill('#face lb-email-field input', 'jan@face-field.nl');
    await page.click('#face button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual(['face-field.nl']);
    await expectRecorded(['face-field.nl']);
  });

  it('a shadow-root form added after load', async () => {
    await page.evaluate(() => document.body.append(document.createElement('lb-signup')));
    const late = page.locator('lb-signup').last();
    await late.locator('input').fill('jan@late-shadow.nl');
    await late.locator('button').click();
    await waitFor(() => page.evaluate(() => window.__shadowSubmits), 'the submit');
    expect(await domains()).toEqual(['late-shadow.nl']);
  });
});

describe('what is never read or sent', () => {
  it('password and hidden fields: their value getter is never called', async () => {
    await spyValues('#secret input');
    await page.click('#secret button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual(['acme.nl']);
    const reads = await page.evaluate(() => window.__reads);
    expect(reads).toEqual(['secret/email/email']);
    // The spy works: a read from the page is logged.
    await page.evaluate(() => (document.querySelector('#secret input[type=password]') as HTMLInputElement).value);
    expect(await page.evaluate(() => window.__reads)).toContain('secret/password/email');
    await expectNothingElseSent(['acme.nl']);
    expect(recorded.join()).not.toMatch(/secret/);
  });

  it('postal-address, street, city and phone fields (EN/DE/NL/FR): their value getter is never called', async () => {
    await spyValues('#postal input');
    await page.click('#postal button');
    await waitFor(submits, 'the submit');
    // Only the field labelled "Mailadresse" is read.
    expect(await page.evaluate(() => window.__reads)).toEqual(['postal/text/kontakt']);
    expect(await domains()).toEqual(['real-mail.nl']);
    await expectRecorded(['real-mail.nl']);
  });

  it('a form with data-leadbeam-ignore: nothing read, nothing sent', async () => {
    await spyValues('#ignored input');
    await page.click('#ignored button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual([]);
    expect(await page.evaluate(() => window.__reads)).toEqual([]);
    await expectNothingElseSent();
  });

  it('a field with data-leadbeam-ignore: skipped, unread; the others still count', async () => {
    await spyValues('#ignfield input');
    await page.click('#ignfield button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual(['kept.nl']);
    expect(await page.evaluate(() => window.__reads)).toEqual(['ignfield/email/email']);
    await expectRecorded(['kept.nl']);
  });

  it('consumer mail domains are dropped on the page', async () => {
    await page.click('#consumer button');
    await waitFor(submits, 'the submit');
    expect(await domains()).toEqual([]);
    await expectNothingElseSent();
  });
});
