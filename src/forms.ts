// Form-domain capture: on every form submit, find the e-mail field(s) and hand
// only their domain to the tracker. See design.md, "Form-domain capture".
import { emailDomain, type EmailDomainOptions } from './email-domain';

/** Options of {@link watchForms}: the consumer-domain options of `emailDomain`. */
export type WatchFormsOptions = EmailDomainOptions;

// Text-like types whose label may say "e-mail"; never password, hidden, …
const TEXT = /^(text|search|url|tel)$/;
// "Says e-mail" in EN, DE, NL, FR, ES, IT and the Nordic languages: e-mail, e_mail,
// E-Mail-Adresse, Mailadresse, emailadres, courriel, adresse électronique, correo,
// posta elettronica, e-post(a), sähköposti. Never a postal address or phone field:
// "address", "Adresse", "adres", "mailing address" (and Salesforce's MailingStreet),
// "code postal", "correo postal" do not match. Literals only: no backtracking.
const HINT = /mail(?!ing)|\be-?post|correo(?! postal)|courriel|adresse.?[ée]lectronique|posta elettronica|s[äa]hk[öo]posti/i;
const IGNORE = '[data-leadbeam-ignore]';
/** `el` or an ancestor is marked ignored, also across open shadow roots (closest() stops at a root). */
const ignored = (el?: Element): boolean => !!el && (!!el.closest(IGNORE) || ignored((el.getRootNode() as ShadowRoot).host));
// `submit` plus two composed events that precede every user-made submit (the
// user focuses a field to type, or clicks the button): they reveal the open
// shadow roots whose `submit` never reaches document.
const EVENTS = ['submit', 'focusin', 'click'];

/**
 * Starts capturing the e-mail domain of every submitted form: native submits,
 * `requestSubmit()`, `preventDefault()` + fetch, forms added later and forms
 * in open shadow roots. Calls `onDomain` once per distinct domain per submit.
 * Listeners are capture-phase and passive; only e-mail-like fields are read,
 * and only at submit time. Returns `stop()`. Never throws.
 */
export function watchForms(onDomain: (domain: string) => void, opts?: WatchFormsOptions): () => void {
  // No list of the shadow roots watched (nothing keeps a component a SPA threw
  // away alive): after stop() their listeners just do nothing.
  const o = { capture: true, passive: true };
  let on = 1;

  const handle = (e: Event) => {
    try {
      if (!on) return;
      if (e.type != 'submit') {
        // `submit` is not composed: inside a shadow root it stops at the root.
        // Listen there too, as soon as a composed event shows the root (adding
        // the same listener again is a no-op, per DOM spec).
        for (const n of e.composedPath() as Node[]) if (n.nodeType == 11) watch(n);
        return;
      }
      const form = e.target as HTMLFormElement;
      const found = new Set<string>();
      if (ignored(form)) return;
      // A form-associated custom element is listed itself, not the <input> in
      // its shadow root: look inside when that root is open (one level).
      const fields = [].flatMap.call(form.elements, (f: Element) =>
        f.shadowRoot ? [].slice.call(f.shadowRoot.querySelectorAll('input')) : f,
      ) as HTMLInputElement[];
      for (const el of fields) {
        // The type is checked before the value is touched: password, hidden and
        // ignored fields are never read.
        const t = el.localName == 'input' && !ignored(el) && el.type;
        let v, d;
        if (
          t &&
          (t == 'email' ||
            (TEXT.test(t) &&
              // test() reads the (nested) array as one comma-joined string. HINT
              // is linear (literals), so even a label around a whole page costs
              // one pass over its text.
              HINT.test([
                el.name,
                el.id,
                el.autocomplete,
                el.placeholder,
                el.getAttribute('aria-label'),
                [].map.call(el.labels || [], (l: Node) => l.textContent),
              ] as unknown as string))) &&
          (v = el.value).split('@').length == 2 &&
          (d = emailDomain(v, opts))
        )
          found.add(d);
      }
      found.forEach((d) => onDomain(d));
    } catch {
      // A page that breaks our assumptions loses this capture, nothing else.
    }
  };
  const watch = (root: Node, m: 'addEventListener' | 'removeEventListener' = 'addEventListener') => {
    for (const t of EVENTS) root[m](t, handle, o);
  };

  if (typeof document != 'undefined') watch(document);
  return () => {
    on = 0;
    if (typeof document != 'undefined') watch(document, 'removeEventListener');
  };
}
