// orestbida/cookieconsent v3: https://cookieconsent.orestbida.com/reference/api-reference.html
import type { ConsentTarget } from './types';
import { emitter, on, safe, w } from './util';

export type { ConsentTarget };

/** Options of the vanilla-cookieconsent adapter: which CMP state means "granted". */
export interface CookieConsentOptions {
  /**
   * The cookieconsent category that means yes.
   * @defaultValue 'analytics'
   */
  category?: string;
}

/**
 * Follows vanilla-cookieconsent v3 through `window.CookieConsent.acceptedCategory(category)`
 * and `CookieConsent.validConsent()`, re-read on its window events
 * `cc:onConsent` (stored or first consent) and `cc:onChange`.
 * Nothing is polled: the events fire whenever the CMP loads later.
 */
export function cookieconsent(tracker: ConsentTarget, options: CookieConsentOptions = {}): () => void {
  const emit = emitter(tracker);
  const { category = 'analytics' } = options;
  const read = safe(() => {
    const cc = w.CookieConsent;
    const valid = cc.validConsent();
    emit(valid && cc.acceptedCategory(category), valid);
  });
  read();
  return on(['cc:onConsent', 'cc:onChange'], read);
}
