// OneTrust Web CMP: https://developer.onetrust.com/onetrust/docs/javascript-events-guide
import type { ConsentTarget } from './types';
import { emitter, on, safe, w } from './util';

export type { ConsentTarget };

/** Options of the OneTrust adapter: which CMP state means "granted". */
export interface OneTrustOptions {
  /**
   * The OneTrust category (group) id that means yes. C0002 is OneTrust's
   * default id for "Performance Cookies".
   * @defaultValue 'C0002'
   */
  group?: string;
}

/**
 * Follows OneTrust through `window.OnetrustActiveGroups` (`",C0001,C0002,"`)
 * and the window event `OneTrustGroupsUpdated` (detail: the active group ids),
 * which OneTrust fires on every load and on every consent change. An active
 * group is granted (also when OneTrust activates it without a banner, e.g. an
 * opt-out region); an inactive one is denied once `OneTrust.IsAlertBoxClosed()`
 * says the visitor answered. `OneTrust.OnConsentChanged` is not used: it has
 * no way to unregister, and the event covers the same changes.
 */
export function onetrust(tracker: ConsentTarget, options: OneTrustOptions = {}): () => void {
  const emit = emitter(tracker);
  const { group = 'C0002' } = options;
  const read = safe((e?: CustomEvent) => {
    const d = e && e.detail;
    const g = Array.isArray(d) ? d.join() : w.OnetrustActiveGroups;
    if (typeof g != 'string') return;
    const yes = (',' + g + ',').indexOf(',' + group + ',') >= 0;
    // Only a "no" needs to know whether the visitor answered.
    emit(yes, yes || w.OneTrust.IsAlertBoxClosed());
  });
  read();
  return on(['OneTrustGroupsUpdated'], read);
}
