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
    __native: { submit: () => void; requestSubmit: (submitter?: HTMLElement | null) => void };
    __validated: number;
    __pageWrapped: number;
    __closedForm: HTMLFormElement;
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

describe('submits made by script', () => {
  /** The frame `sink` shows thanks.html: the form really submitted. */
  const sunk = () => page.waitForFunction(() => document.querySelector('iframe')!.contentWindow!.location.pathname.endsWith('/thanks.html'));

  it('form.submit() fires no submit event, and the domain is captured once', async () => {
    await page.fill('#scripted input', 'jan@scripted.nl');
    await page.evaluate(() => (document.getElementById('scripted') as HTMLFormElement).submit());
    expect(await domains()).toEqual(['scripted.nl']);
    await sunk();
    expect(await page.evaluate(() => window.__docSubmits)).toBe(0);
    await expectNothingElseSent(['scripted.nl']);
  });

  it('form.submit() that navigates away: the beacon leaves before the page does', async () => {
    await page.fill('#native input', 'jan@submit-nav.nl');
    await Promise.all([page.waitForURL('**/thanks.html'), page.evaluate(() => (document.getElementById('native') as HTMLFormElement).submit())]);
    await page.waitForSelector('#thanks');
    await expectRecorded(['submit-nav.nl']);
  });

  it("form.submit() from the form's own submit handler (validation plugins) is one submit: the domain once", async () => {
    await page.click('#validate button');
    await sunk();
    expect(await page.evaluate(() => window.__validated)).toBe(1);
    expect(await domains()).toEqual(['validated.nl']);
    await expectNothingElseSent(['validated.nl']);
  });

  it('requestSubmit() of a form in an open shadow root, with no focus or click before: the domain once', async () => {
    await page.evaluate(() => {
      // The value is set by script: no focusin or click has revealed the root.
      const form = document.getElementById('shadow')!.shadowRoot!.querySelector('form')!;
      form.querySelector('input')!.value = 'jan@scripted-shadow.nl';
      form.requestSubmit();
    });
    expect(await page.evaluate(() => window.__shadowSubmits)).toBe(1);
    expect(await page.evaluate(() => window.__docSubmits)).toBe(0);
    expect(await domains()).toEqual(['scripted-shadow.nl']);
    // A nested root too; the first one again (its listener is already there): each once.
    await page.evaluate(() => {
      const inner = document.getElementById('nested')!.shadowRoot!.querySelector('lb-signup')!.shadowRoot!.querySelector('form')!;
      inner.querySelector('input')!.value = 'jan@scripted-nested.nl';
      inner.requestSubmit();
      document.getElementById('shadow')!.shadowRoot!.querySelector('form')!.requestSubmit();
    });
    expect(await domains()).toEqual(['scripted-shadow.nl', 'scripted-nested.nl', 'scripted-shadow.nl']);
    await expectNothingElseSent(['scripted-shadow.nl', 'scripted-nested.nl', 'scripted-shadow.nl']);
  });

  it('requestSubmit() of an invalid shadow-root form submits nothing, so nothing is read', async () => {
    const reads = await page.evaluate(() => {
      const form = document.getElementById('shadow')!.shadowRoot!.querySelector('form')!;
      const input = form.querySelector('input')!;
      input.value = 'jan@invalid-shadow.nl';
      input.pattern = 'nomatch';
      const log: string[] = [];
      const d = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!;
      Object.defineProperty(input, 'value', { configurable: true, get: () => (log.push('read'), d.get!.call(input)) });
      form.requestSubmit();
      return log;
    });
    expect(reads).toEqual([]);
    expect(await page.evaluate(() => window.__shadowSubmits)).toBeUndefined();
    await expectNothingElseSent();
  });

  it('form.submit(): password, hidden, postal-address and phone fields are never read; only the e-mail field is', async () => {
    await page.evaluate(() => document.querySelectorAll<HTMLFormElement>('#secret, #postal').forEach((f) => (f.target = 'sink')));
    await spyValues('#nomail input, #secret input, #postal input');
    await page.evaluate(() => (document.getElementById('nomail') as HTMLFormElement).submit());
    await sunk();
    expect(await page.evaluate(() => window.__reads)).toEqual([]);
    expect(await domains()).toEqual([]);
    await page.evaluate(() => {
      (document.getElementById('secret') as HTMLFormElement).submit();
      (document.getElementById('postal') as HTMLFormElement).submit();
    });
    expect(await page.evaluate(() => window.__reads)).toEqual(['secret/email/email', 'postal/text/kontakt']);
    expect(await domains()).toEqual(['acme.nl', 'real-mail.nl']);
    await expectNothingElseSent(['acme.nl', 'real-mail.nl']);
    expect(recorded.join()).not.toMatch(/nomail|secret/);
  });

  it('a form in a closed shadow root, submitted by its own script: nothing read, nothing sent', async () => {
    const reads = await page.evaluate(() => {
      const input = window.__closedForm.querySelector('input')!;
      const log: string[] = [];
      const d = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!;
      Object.defineProperty(input, 'value', { configurable: true, get: () => (log.push('read'), d.get!.call(input)) });
      window.__closedForm.addEventListener('submit', (e) => e.preventDefault());
      window.__closedForm.requestSubmit();
      window.__closedForm.submit();
      return log;
    });
    expect(reads).toEqual([]);
    await sunk();
    expect(await domains()).toEqual([]);
    await expectNothingElseSent();
  });

  it('wrapped, not replaced: same errors as the original, and stop() restores both methods', async () => {
    const state = () =>
      page.evaluate(() => [
        HTMLFormElement.prototype.submit === window.__native.submit,
        HTMLFormElement.prototype.requestSubmit === window.__native.requestSubmit,
      ]);
    expect(await state()).toEqual([false, false]);
    const errors = await page.evaluate(() => {
      const message = (f: () => void) => {
        try {
          return String(f());
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const form = document.getElementById('rs') as HTMLFormElement;
      return [
        [message(() => HTMLFormElement.prototype.submit.call({})), message(() => window.__native.submit.call({}))],
        [message(() => form.requestSubmit(document.body)), message(() => window.__native.requestSubmit.call(form, document.body))],
      ];
    });
    for (const [wrapped, native] of errors) {
      expect(wrapped).toMatch(/^TypeError/);
      expect(wrapped).toBe(native);
    }
    await page.evaluate(() => window.__stopForms());
    expect(await state()).toEqual([true, true]);
  });

  it('a wrapper the page installs after leadbeam still runs, and stop() leaves it in place', async () => {
    await page.fill('#scripted input', 'jan@page-wrapper.nl');
    await page.evaluate(() => {
      window.__pageWrapped = 0;
      const mine = HTMLFormElement.prototype.submit;
      HTMLFormElement.prototype.submit = function (this: HTMLFormElement) {
        window.__pageWrapped++;
        return mine.call(this);
      };
      (document.getElementById('scripted') as HTMLFormElement).submit();
    });
    expect(await page.evaluate(() => window.__pageWrapped)).toBe(1);
    expect(await domains()).toEqual(['page-wrapper.nl']);
    await sunk();
    await page.evaluate(() => {
      window.__stopForms();
      document.querySelector('iframe')!.src = 'about:blank';
    });
    await page.waitForFunction(() => document.querySelector('iframe')!.contentWindow!.location.href == 'about:blank');
    // Still the page's wrapper (not put back over it); leadbeam only passes through now.
    expect(await page.evaluate(() => HTMLFormElement.prototype.submit !== window.__native.submit)).toBe(true);
    await page.evaluate(() => (document.getElementById('scripted') as HTMLFormElement).submit());
    await sunk();
    expect(await page.evaluate(() => window.__pageWrapped)).toBe(2);
    expect(await domains()).toEqual(['page-wrapper.nl']);
    await expectRecorded(['page-wrapper.nl']);
  });
});
