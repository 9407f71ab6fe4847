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
/**
 * `el` or an ancestor is marked ignored, also across open shadow roots (closest() stops at a
 * root); or it sits in a closed root (the wrapped submit methods could reach in, but a closed
 * root keeps scripts out, and a user-made submit there is never seen either); or it is not in
 * this document (a detached form does not submit).
 */
const ignored = (el: Element, r?: ShadowRoot): boolean =>
  !!el.closest(IGNORE) || (r = el.getRootNode() as ShadowRoot).mode == 'closed' || (r.host ? ignored(r.host) : (r as Node) != document);
// `submit` plus two composed events that precede every user-made submit (the
// user focuses a field to type, or clicks the button): they reveal the open
// shadow roots whose `submit` never reaches document.
const EVENTS = ['submit', 'focusin', 'click'];

/**
 * Starts capturing the e-mail domain of every submitted form: native submits,
 * `requestSubmit()`, `form.submit()`, `preventDefault()` + fetch, forms added
 * later and forms in open shadow roots. Calls `onDomain` once per distinct
 * domain per submit (a `form.submit()` from a submit handler of that form, in
 * the same task, is the same submit).
 * Listeners are capture-phase and passive; only e-mail-like fields are read,
 * and only at submit time. Returns `stop()`. Never throws.
 */
export function watchForms(onDomain: (domain: string) => void, opts?: WatchFormsOptions): () => void {
  // No list of the shadow roots watched (nothing keeps a component a SPA threw
  // away alive): after stop() their listeners just do nothing.
  const o = { capture: true, passive: true };
  let on = 1;

  // Forms captured in this task: validation plugins preventDefault() the submit
  // event, check, then call form.submit(), one submission seen twice.
  const done = new Set<Node>();
  const capture = (form: HTMLFormElement, scripted?: 1) => {
    try {
      // scripted: form.submit() returned without throwing.
      if (!on || ignored(form) || (scripted && done.has(form))) return;
      done.size || setTimeout(() => done.clear());
      done.add(form);
      const found = new Set<string>();
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
  const handle = (e: Event) => {
    try {
      if (e.type == 'submit') capture(e.target as HTMLFormElement);
      // `submit` is not composed: inside a shadow root it stops at the root.
      // Listen there too, as soon as a composed event shows the root (adding
      // the same listener again is a no-op, per DOM spec).
      else if (on) for (const n of e.composedPath() as Node[]) if (n.nodeType == 11) watch(n);
    } catch {
      // As above.
    }
  };
  const watch = (root: Node, m: 'addEventListener' | 'removeEventListener' = 'addEventListener') => {
    for (const t of EVENTS) root[m](t, handle, o);
  };

  // form.submit() fires no submit event, and requestSubmit() in a shadow root no
  // composed event revealed yet fires one nobody hears. Both are wrapped, not
  // replaced (as pageviews.ts wraps history): the original always runs with the
  // same arguments, its result and exception reach the page unchanged, and stop()
  // restores a method only if nobody wrapped it since (else we pass through).
  const F = (typeof HTMLFormElement != 'undefined' ? HTMLFormElement.prototype : {}) as unknown as Record<string, Function>;
  const restore = (['submit', 'requestSubmit'] as const).map((name) => {
    const original = F[name];
    if (typeof original != 'function') return () => {};
    const wrapped = function (this: HTMLFormElement) {
      try {
        // Before the original, as requestSubmit() fires its submit event at once:
        // listen at the form's open root. The listener then decides, as for any
        // submit (an invalid form fires none: nothing read).
        const root = (on && this.getRootNode()) as ShadowRoot;
        if (root.mode == 'open') watch(root);
      } catch {
        // Not a form: the original throws its own TypeError below.
      }
      const result = original.apply(this, arguments);
      if (name == 'submit') capture(this, 1);
      return result;
    };
    F[name] = wrapped;
    return () => {
      if (F[name] === wrapped) F[name] = original;
    };
  });

  if (typeof document != 'undefined') watch(document);
  return () => {
    on = 0;
    restore.forEach((r) => r());
    if (typeof document != 'undefined') watch(document, 'removeEventListener');
  };
}
