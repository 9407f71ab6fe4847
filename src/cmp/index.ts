// Every adapter, keyed by its `data-consent-source` name, for the script-tag
// build dist/leadbeam.cmp.js. npm users import one adapter file instead, so
// sites pay only for the CMP they use.
import { cookiebot } from './cookiebot';
import { cookieconsent } from './cookieconsent';
import { googleConsentMode } from './google-consent-mode';
import { klaro } from './klaro';
import { onetrust } from './onetrust';
import { tcf } from './tcf';
import { usercentrics } from './usercentrics';
import type { ConsentTarget } from './types';

export type { ConsentTarget, WaitOptions, Adapter } from './types';
export type { TcfOptions } from './tcf';
export type { GoogleConsentModeOptions } from './google-consent-mode';
export type { CookiebotOptions } from './cookiebot';
export type { OneTrustOptions } from './onetrust';
export type { UsercentricsOptions } from './usercentrics';
export type { KlaroOptions } from './klaro';
export type { CookieConsentOptions } from './cookieconsent';
export { tcf, googleConsentMode, cookiebot, onetrust, usercentrics, klaro, cookieconsent };

/** A `data-consent-source` value. */
export type ConsentSource = 'tcf' | 'google-consent-mode' | 'cookiebot' | 'onetrust' | 'usercentrics' | 'klaro' | 'cookieconsent';

/**
 * The adapters by name. Options are loosely typed here because the script tag
 * builds them from `data-consent-*` attributes; see each adapter's options type.
 */
export const adapters: Record<ConsentSource, (tracker: ConsentTarget, options?: Record<string, unknown>) => () => void> = {
  tcf,
  'google-consent-mode': googleConsentMode,
  cookiebot,
  onetrust,
  usercentrics,
  klaro,
  cookieconsent,
};
