// Field detection and listener wiring of watchForms, in happy-dom. What only a
// real browser proves (navigation, sendBeacon, Chromium's shadow-DOM event
// paths) lives in test/browser/forms.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchForms } from '../../src/forms';

let got: string[];
let stop: () => void;
const start = (opts?: Parameters<typeof watchForms>[1]) => {
  stop?.();
  got = [];
  stop = watchForms((d) => got.push(d), opts);
};
// Keep happy-dom from "navigating" after each submit (bubble phase, after us).
const noNav = (e: Event) => e.preventDefault();

beforeEach(() => {
  document.body.innerHTML = '';
  document.addEventListener('submit', noNav);
  start();
});
afterEach(() => {
  stop();
  document.removeEventListener('submit', noNav);
  vi.unstubAllGlobals();
});

function form(html: string, attrs = ''): HTMLFormElement {
  document.body.insertAdjacentHTML('beforeend', `<form ${attrs}>${html}<button>Send</button></form>`);
  return document.body.lastElementChild as HTMLFormElement;
}
// A plain submit event: happy-dom's own requestSubmit() builds the form data
// through the JS getters, which would blur the "never read" assertions. The
// real requestSubmit() and native submits are covered in Chromium.
const submit = (f: HTMLFormElement) => f.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
const capture = (html: string, attrs?: string) => {
  got = [];
  submit(form(html, attrs));
  return got;
};

/** Records reads of `type` and `value` on an element, in order. */
function spy(el: Element, log: string[]) {
  const proto = HTMLInputElement.prototype;
  for (const prop of ['type', 'value'] as const) {
    const d = Object.getOwnPropertyDescriptor(proto, prop) ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), prop);
    if (!d?.get) continue;
    Object.defineProperty(el, prop, {
      configurable: true,
      get() {
        log.push(`${(el as HTMLElement).id || el.localName}.${prop}`);
        return d.get!.call(this);
      },
      set(v) {
        d.set?.call(this, v);
      },
    });
  }
}

describe('which fields count as e-mail fields', () => {
  it.each([
    ['type=email', '<input type=email value="jan@acme.nl">'],
    ['type=EMAIL', '<input type=EMAIL value="jan@acme.nl">'],
    ['type=email, unnamed, with whitespace', '<input type=email value="  jan@acme.nl ">'],
    ['text named email', '<input type=text name=email value="jan@acme.nl">'],
    ['no type, named e-mail', '<input name="contact[e-mail]" value="jan@acme.nl">'],
    ['id says mail', '<input id=your_mail value="jan@acme.nl">'],
    ['id correo', '<input id=correo value="jan@acme.nl">'],
    ['autocomplete=email', '<input name=x autocomplete=email value="jan@acme.nl">'],
    ['autocomplete="work email"', '<input name=x autocomplete="section-a work email" value="jan@acme.nl">'],
    ['placeholder E-Mail-Adresse', '<input name=x placeholder="Ihre E-Mail-Adresse" value="jan@acme.nl">'],
    ['aria-label courriel', '<input name=x aria-label="Courriel" value="jan@acme.nl">'],
    ['label[for] emailadres', '<label for=f1>Zakelijk e-mailadres</label><input id=f1 value="jan@acme.nl">'],
    ['wrapping label e-post', '<label>E-post <input name=x value="jan@acme.nl"></label>'],
    ['placeholder adresse électronique', '<input name=x placeholder="Adresse électronique" value="jan@acme.nl">'],
    ['type=search with hint', '<input type=search name=email value="jan@acme.nl">'],
    ['type=tel with hint', '<input type=tel name=email value="jan@acme.nl">'],
    ['type=url with hint', '<input type=url name=email value="jan@acme.nl">'],
    ['unknown type (reads as text) with hint', '<input type=foo name=email value="jan@acme.nl">'],
    ['name e_mail', '<input name=e_mail value="jan@acme.nl">'],
    ['label Mailadresse', '<label>Mailadresse <input name=x value="jan@acme.nl"></label>'],
    ['placeholder adresse e-mail', '<input name=x placeholder="Votre adresse e-mail" value="jan@acme.nl">'],
    ['label correo electrónico', '<label>Correo electrónico <input name=x value="jan@acme.nl"></label>'],
    ['label posta elettronica', '<label>Posta elettronica <input name=x value="jan@acme.nl"></label>'],
    ['label e-posta', '<label>E-posta adresi <input name=x value="jan@acme.nl"></label>'],
    ['label sähköposti', '<label>Sähköposti <input name=x value="jan@acme.nl"></label>'],
  ])('%s', (_, html) => {
    expect(capture(html)).toEqual(['acme.nl']);
  });

  it.each([
    ['text without any e-mail hint', '<input name=username value="jan@acme.nl">'],
    ['hint but no @', '<input name=email value="acme.nl">'],
    ['type=email without @ (a bare domain is no address)', '<input type=email value="acme.nl">'],
    ['two @', '<input type=email value="a@b@acme.nl">'],
    ['type=email multiple with two addresses', '<input type=email multiple value="a@acme.nl,b@beta.nl">'],
    ['invalid domain', '<input type=email value="jan@acme">'],
    ['textarea named email', '<textarea name=email>jan@acme.nl</textarea>'],
    ['select named email', '<select name=email><option selected>jan@acme.nl</option></select>'],
    ['checkbox named email', '<input type=checkbox name=email value="jan@acme.nl" checked>'],
    ['radio named email', '<input type=radio name=email value="jan@acme.nl" checked>'],
    ['submit button named email', '<input type=submit name=email value="jan@acme.nl">'],
    ['button named email', '<button type=button name=email value="jan@acme.nl">x</button>'],
    ['empty form', ''],
  ])('not: %s', (_, html) => {
    expect(capture(html)).toEqual([]);
  });

  it('reads the current value, not the value attribute', () => {
    const f = form('<input type=email value="old@old.nl">');
    f.querySelector('input')!.value = 'jan@acme.nl';
    submit(f);
    expect(got).toEqual(['acme.nl']);
  });

  it('includes controls associated with form=, outside the form element', () => {
    const f = form('', 'id=outer');
    document.body.insertAdjacentHTML('beforeend', '<input form=outer type=email value="jan@acme.nl">');
    submit(f);
    expect(got).toEqual(['acme.nl']);
  });
});

describe('what is never read', () => {
  it('password, hidden, checkbox, textarea and select values, whatever their names', () => {
    const reads: string[] = [];
    const f = form(
      '<input id=pw type=password name=email value="jan@secret.nl" autocomplete=email>' +
        '<input id=hid type=hidden name=email value="jan@hidden.nl">' +
        '<input id=cb type=checkbox name=email value="jan@box.nl" checked>' +
        '<input id=ok type=email value="jan@acme.nl">',
    );
    for (const el of f.querySelectorAll('input')) spy(el, reads);
    submit(f);
    expect(got).toEqual(['acme.nl']);
    expect(reads.filter((r) => r.endsWith('.value'))).toEqual(['ok.value']);
  });

  // Each field holds an address, so reading it would also send a domain.
  it.each([
    [
      'EN',
      '<label>Address <input id=a1 name=address autocomplete=street-address value="jan@en-address.nl"></label>' +
        '<label>Mailing address <input id=a2 name=mailing_address value="jan@en-mailing.nl"></label>' +
        '<input id=a3 name=MailingStreet placeholder="Street" value="jan@en-street.nl">' +
        '<input id=a4 name=city placeholder="City" autocomplete=address-level2 value="jan@en-city.nl">' +
        '<input id=a5 type=tel name=phone placeholder="Phone" autocomplete=tel value="jan@en-phone.nl">',
    ],
    [
      'DE',
      '<label>Adresse <input id=d1 name=adresse value="jan@de-adresse.nl"></label>' +
        '<label>Postanschrift <input id=d2 name=postanschrift value="jan@de-post.nl"></label>' +
        '<input id=d3 name=strasse placeholder="Straße und Hausnummer" value="jan@de-strasse.nl">' +
        '<input id=d4 name=ort placeholder="Stadt / Ort" value="jan@de-ort.nl">' +
        '<input id=d5 type=tel name=telefon placeholder="Telefon" value="jan@de-telefon.nl">',
    ],
    [
      'NL',
      '<label>Adres <input id=n1 name=adres value="jan@nl-adres.nl"></label>' +
        '<input id=n2 name=straat placeholder="Straat en huisnummer" value="jan@nl-straat.nl">' +
        '<input id=n3 name=woonplaats placeholder="Woonplaats" value="jan@nl-plaats.nl">' +
        '<input id=n4 name=postcode placeholder="Postcode" value="jan@nl-postcode.nl">' +
        '<input id=n5 type=tel name=telefoon placeholder="Telefoonnummer" value="jan@nl-telefoon.nl">',
    ],
    [
      'FR',
      '<label>Adresse postale <input id=f1 name=adresse_postale value="jan@fr-adresse.nl"></label>' +
        '<input id=f2 name=rue placeholder="Rue" value="jan@fr-rue.nl">' +
        '<input id=f3 name=ville placeholder="Ville" value="jan@fr-ville.nl">' +
        '<input id=f4 name=codepostal placeholder="Code postal" value="jan@fr-cp.nl">' +
        '<input id=f5 type=tel name=telephone placeholder="Téléphone" value="jan@fr-tel.nl">',
    ],
  ])('postal-address, street, city and phone fields (%s): their value is never read', (_, html) => {
    const reads: string[] = [];
    const f = form(html + '<input id=ok type=email value="jan@acme.nl">');
    for (const el of f.querySelectorAll('input')) spy(el, reads);
    submit(f);
    expect(got).toEqual(['acme.nl']);
    expect(reads.filter((r) => r.endsWith('.value'))).toEqual(['ok.value']);
  });

  it('checks the type before it touches the value', () => {
    const reads: string[] = [];
    const f = form('<input id=ok type=email value="jan@acme.nl">');
    spy(f.querySelector('input')!, reads);
    submit(f);
    // (happy-dom's own value getter reads `type` again afterwards.)
    expect(reads.slice(0, 2)).toEqual(['ok.type', 'ok.value']);
  });

  it('a form with data-leadbeam-ignore: nothing, not even its fields', () => {
    const reads: string[] = [];
    const f = form('<input id=a type=email value="jan@acme.nl"><input id=b name=email value="jan@beta.nl">', 'data-leadbeam-ignore');
    for (const el of f.querySelectorAll('input')) spy(el, reads);
    document.body.insertAdjacentHTML('beforeend', '<input form=ign id=c type=email value="x@gamma.nl">');
    f.id = 'ign';
    spy(document.getElementById('c')!, reads);
    submit(f);
    expect(got).toEqual([]);
    expect(reads).toEqual([]);
  });

  it('a form inside an ignored container', () => {
    document.body.innerHTML = '<div data-leadbeam-ignore><form><input type=email value="jan@acme.nl"></form></div>';
    submit(document.querySelector('form')!);
    expect(got).toEqual([]);
  });

  it('a field with data-leadbeam-ignore (or inside an ignored fieldset) is skipped, the others are not', () => {
    const reads: string[] = [];
    const f = form(
      '<input id=a type=email data-leadbeam-ignore value="jan@private.nl">' +
        '<fieldset data-leadbeam-ignore><input id=b type=email value="jan@private2.nl"></fieldset>' +
        '<input id=c type=email value="jan@acme.nl">',
    );
    for (const el of f.querySelectorAll('input')) spy(el, reads);
    submit(f);
    expect(got).toEqual(['acme.nl']);
    expect(reads.filter((r) => r.endsWith('.value'))).toEqual(['c.value']);
  });
});

describe('domains per submit', () => {
  it('once per distinct domain, in field order', () => {
    expect(
      capture(
        '<input type=email value="jan@acme.nl"><input name=email2 value="piet@ACME.nl">' +
          '<input type=email value="x@beta.de"><input type=email value="y@acme.nl.">',
      ),
    ).toEqual(['acme.nl', 'beta.de']);
  });

  it('again on the next submit of the same form (de-duplication is the tracker’s job)', () => {
    const f = form('<input type=email value="jan@acme.nl">');
    submit(f);
    submit(f);
    expect(got).toEqual(['acme.nl', 'acme.nl']);
  });

  it('drops consumer domains; the options reach emailDomain', () => {
    expect(capture('<input type=email value="jan@gmail.com"><input type=email value="jan@ziggo.nl">')).toEqual([]);
    expect(capture('<input type=email value="jan@gmail.com"><input type=email value="jan@acme.nl">')).toEqual(['acme.nl']);
    start({ consumerDomains: ['acme.nl'] });
    expect(capture('<input type=email value="jan@acme.nl">')).toEqual([]);
    start({ allowConsumerDomains: true });
    expect(capture('<input type=email value="jan@gmail.com">')).toEqual(['gmail.com']);
  });

  it('IDN domains arrive as punycode', () => {
    expect(capture('<input type=email value="jan@bücher.de">')).toEqual(['xn--bcher-kva.de']);
  });
});

describe('submit detection and wiring', () => {
  it('forms added after start, and synthetic submit events', () => {
    const f = document.createElement('form');
    f.innerHTML = '<input type=email value="jan@late.nl">';
    document.body.append(f);
    f.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    expect(got).toEqual(['late.nl']);
  });

  it('runs before page handlers that preventDefault or stop propagation', () => {
    const f = form('<input type=email value="jan@acme.nl">');
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      e.stopImmediatePropagation();
    });
    submit(f);
    expect(got).toEqual(['acme.nl']);
  });

  it('registers only capture + passive listeners, and stop() removes them', () => {
    stop();
    const add = vi.spyOn(document, 'addEventListener');
    const remove = vi.spyOn(document, 'removeEventListener');
    stop = watchForms((d) => got.push(d));
    expect(add.mock.calls.length).toBeGreaterThan(0);
    for (const [, , o] of add.mock.calls) expect(o).toEqual({ capture: true, passive: true });
    stop();
    expect(remove.mock.calls.map((c) => c[0]).sort()).toEqual(add.mock.calls.map((c) => c[0]).sort());
    expect(capture('<input type=email value="jan@acme.nl">')).toEqual([]);
  });

  it('never lets an error escape into the page', () => {
    stop();
    stop = watchForms(() => {
      throw new Error('tracker bug');
    });
    const f = form('<input type=email value="jan@acme.nl">');
    let later = 0;
    f.addEventListener('submit', () => later++);
    expect(() => submit(f)).not.toThrow();
    expect(later).toBe(1);
    // Not a form at all.
    const div = document.createElement('div');
    document.body.append(div);
    expect(() => div.dispatchEvent(new Event('submit', { bubbles: true }))).not.toThrow();
  });

  it('wraps form.submit and requestSubmit; tracker.destroy() restores them, stop() only if nobody wrapped since', async () => {
    stop();
    const proto = HTMLFormElement.prototype;
    const methods = () => [proto.submit, proto.requestSubmit];
    const native = methods();
    expect(native.every((m) => typeof m == 'function')).toBe(true);
    const { createTracker } = await import('../../src/tracker');
    const t = createTracker({ site: 'S', endpoint: 'https://c.example/e', transport: () => true });
    expect(methods()).not.toEqual(native);
    t.destroy();
    expect(methods()).toEqual(native);
    // a, then b wraps over it; a stops first and must not throw b's wrappers away.
    const a = watchForms(() => {});
    const wrappedByA = methods();
    const b = watchForms(() => {});
    a();
    expect(methods()).not.toEqual(wrappedByA);
    expect(methods()).not.toEqual(native);
    b();
    // a's wrappers stay, passing through: b restored what it found.
    expect(methods()).toEqual(wrappedByA);
    [proto.submit, proto.requestSubmit] = native;
    stop = () => {};
  });

  it('without a DOM (SSR) it does nothing and stop() is safe', () => {
    vi.stubGlobal('document', undefined);
    try {
      const s = watchForms(() => {});
      expect(() => s()).not.toThrow();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('open shadow roots', () => {
  function component(html: string, host: ParentNode = document.body) {
    const el = document.createElement('div');
    host.append(el);
    const root = el.attachShadow({ mode: 'open' });
    root.innerHTML = html;
    root.addEventListener('submit', noNav);
    return root;
  }

  it('a submit inside a shadow root does not reach document (why roots need their own listener)', () => {
    const root = component('<form><input type=email value="jan@acme.nl"></form>');
    let docSeen = 0;
    const seen = () => docSeen++;
    document.addEventListener('submit', seen, true);
    root.querySelector('form')!.requestSubmit();
    document.removeEventListener('submit', seen, true);
    expect(docSeen).toBe(0);
  });

  it('found through focusin: then requestSubmit() is captured', () => {
    const root = component('<form><input type=email value="jan@acme.nl"></form>');
    root.querySelector('input')!.focus();
    root.querySelector('form')!.requestSubmit();
    expect(got).toEqual(['acme.nl']);
  });

  it('found through the click on the submit button itself', () => {
    const root = component('<form><input type=email value="jan@acme.nl"><button>Go</button></form>');
    root.querySelector('button')!.click();
    expect(got).toEqual(['acme.nl']);
  });

  it('nested shadow roots, each form once', () => {
    const outer = component('<form><input type=email value="jan@outer.nl"><button>Go</button></form><section></section>');
    const inner = component('<form><input type=email value="jan@inner.nl"><button>Go</button></form>', outer.querySelector('section')!);
    inner.querySelector('button')!.click();
    outer.querySelector('button')!.click();
    expect(got).toEqual(['inner.nl', 'outer.nl']);
  });

  it('a shadow-root form whose host is inside an ignored container: nothing read (closest() stops at the root)', () => {
    const reads: string[] = [];
    document.body.insertAdjacentHTML('beforeend', '<div data-leadbeam-ignore><section></section></div>');
    const root = component('<form><input id=s1 type=email value="jan@acme.nl"><input id=s2 name=email value="jan@beta.nl"></form>', document.querySelector('section')!);
    for (const el of root.querySelectorAll('input')) spy(el, reads);
    root.querySelector('input')!.focus();
    // (A plain submit event: happy-dom's requestSubmit() reads every value itself.)
    submit(root.querySelector('form')!);
    expect(got).toEqual([]);
    expect(reads.filter((r) => r.endsWith('.value'))).toEqual([]);
  });

  it('stop() also unhooks the shadow roots', () => {
    const root = component('<form><input type=email value="jan@acme.nl"><button>Go</button></form>');
    root.querySelector('button')!.click();
    stop();
    got = [];
    root.querySelector('form')!.requestSubmit();
    root.querySelector('button')!.click();
    expect(got).toEqual([]);
  });
});
