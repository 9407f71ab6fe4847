// Cookiebot SDK: https://www.cookiebot.com/en/developer/
import type { ConsentTarget } from './types';
import { emitter, on, safe, w } from './util';

export type { ConsentTarget };

/** Options of the Cookiebot adapter: which CMP state means "granted". */
export interface CookiebotOptions {
  /**
   * The Cookiebot category that means yes: `'preferences'`, `'statistics'`
   * or `'marketing'` (`'necessary'` is always true).
   * @defaultValue 'statistics'
   */
  category?: string;
}

/**
 * Follows Cookiebot through `window.Cookiebot.consent[category]` and
 * `Cookiebot.hasResponse`, re-read on its window events (`CookiebotOnLoad`,
 * `CookiebotOnConsentReady`, `CookiebotOnAccept`, `CookiebotOnDecline`).
 * A category that is off before the visitor responded is "no answer yet".
 */
export function cookiebot(tracker: ConsentTarget, options: CookiebotOptions = {}): () => void {
  const emit = emitter(tracker);
  const { category = 'statistics' } = options;
  const read = safe(() => {
    const c = w.Cookiebot;
    emit(c.consent[category], c.hasResponse);
  });
  read();
  return on(['CookiebotOnLoad', 'CookiebotOnConsentReady', 'CookiebotOnAccept', 'CookiebotOnDecline'], read);
}
