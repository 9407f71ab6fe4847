// Options: their types, defaults, validation and the data-* attribute parser.
// Pure: no browser global is touched here.
import { warn } from './log';

/**
 * What a transport answers for one request: `true` delivered; `false` failed, retry
 * later (backoff with jitter); `'drop'` refused for good (a 4xx), never retry; a number
 * of ms: failed, retry no sooner than that (Retry-After). A throw or rejection counts as `false`.
 */
export type TransportAnswer = boolean | 'drop' | number;

/**
 * A transport sends one wire-format body to `url`. `unloading` is true while the
 * page is being hidden or unloaded: use a request that outlives the page then
 * (sendBeacon, fetch keepalive). See {@link TransportAnswer}.
 */
export type TransportFn = (url: string, body: string, unloading?: boolean) => TransportAnswer | Promise<TransportAnswer>;

/** The name of a built-in transport. */
export type TransportName = 'auto' | 'beacon' | 'fetch' | 'image';

/** The cookie switch: see "Consent and what is stored" in the README. */
export type CookieMode = 'consent' | 'always' | 'never';

/** A consent answer, as a CMP or the site gives it. */
export type ConsentState = 'granted' | 'denied';

/** Flat properties of a custom event or page view: at most 25 keys. */
export type Props = Record<string, string | number | boolean>;

/** Options of createTracker() and leadbeam('init', …); each is also a `data-*` attribute of the script tag. */
export interface Options {
  /** Site id given by the collection endpoint (1–64 characters). Required. */
  site: string;
  /** Collection endpoint URL: `https:` (plain `http:` only on localhost/loopback); may be relative to the page. Required. */
  endpoint: string;
  /**
   * When the two first-party cookies may be set.
   * `'consent'`: only after consent is granted; `'always'`: from the first page view
   * (legitimate interest), deleted on denial; `'never'`: cookieless, nothing is stored but the opt-out flag (after `optOut()`).
   * @defaultValue `'consent'`
   */
  cookies?: CookieMode;
  /**
   * Strict consent mode: nothing is sent or stored until consent is granted; what was
   * tracked before is held in memory and sent on grant, dropped on denial.
   * @defaultValue `false`
   */
  requireConsent?: boolean;
  /**
   * Data minimisation: events carry only `type`, `id`, `ts`, `pv` (and `domain` for form events).
   * @defaultValue `false`
   */
  minimal?: boolean;
  /**
   * Send a page view on load and on every SPA route change.
   * @defaultValue `true`
   */
  pageviews?: boolean;
  /**
   * Treat changes of `location.hash` as route changes (and keep the hash in `url`).
   * @defaultValue `false`
   */
  hashRouting?: boolean;
  /**
   * Query parameters removed from `url` and `ref` before sending, on top of the
   * built-in scrubbing of values that look like e-mail addresses.
   * @defaultValue `[]`
   */
  stripParams?: string[];
  /**
   * Capture the company domain of e-mail fields on form submit.
   * @defaultValue `true`
   */
  forms?: boolean;
  /**
   * Extra consumer mail domains to drop on the page, on top of the built-in list.
   * @defaultValue `[]`
   */
  consumerDomains?: string[];
  /**
   * Send consumer mail domains (gmail.com, …) too.
   * @defaultValue `false`
   */
  allowConsumerDomains?: boolean;
  /**
   * Count `navigator.globalPrivacyControl === true` as consent denied.
   * @defaultValue `true`
   */
  respectGpc?: boolean;
  /**
   * Count Do Not Track (`navigator.doNotTrack == '1'`) as consent denied.
   * @defaultValue `false`
   */
  respectDnt?: boolean;
  /**
   * Cookie name prefix: the cookies are `<prefix>_id` and `<prefix>_ses`.
   * @defaultValue `'_lb'`
   */
  cookiePrefix?: string;
  /**
   * Renew the visitor cookie's 13 months on each visit. `false` keeps the expiry it got when
   * it was first set (stored in its value), as the CNIL's audience-measurement exemption asks.
   * @defaultValue `true`
   */
  renewVisitorId?: boolean;
  /**
   * Cookie `Domain`; by default the registrable domain, found by probing.
   * @defaultValue `''` (probe)
   */
  cookieDomain?: string;
  /**
   * How batches travel: a built-in transport name or your own function.
   * @defaultValue `'auto'`
   */
  transport?: TransportName | TransportFn;
  /**
   * Longest time, in ms, that an event other than a page view waits to be batched.
   * @defaultValue `1000`
   */
  batchMs?: number;
  /**
   * A batch leaves as soon as it holds this many events.
   * @defaultValue `10`
   */
  batchSize?: number;
  /**
   * Most events held in the queue (unsent, waiting for consent, retrying, offline).
   * @defaultValue `500`
   */
  maxQueue?: number;
  /**
   * Most bytes held in the queue.
   * @defaultValue `262144`
   */
  maxQueueBytes?: number;
}

export type Resolved = Required<Options>;

export const DEFAULTS: Omit<Resolved, 'site' | 'endpoint'> = {
  cookies: 'consent',
  requireConsent: false,
  minimal: false,
  pageviews: true,
  hashRouting: false,
  stripParams: [],
  forms: true,
  consumerDomains: [],
  allowConsumerDomains: false,
  respectGpc: true,
  respectDnt: false,
  cookiePrefix: '_lb',
  renewVisitorId: true,
  cookieDomain: '',
  transport: 'auto',
  batchMs: 1000,
  batchSize: 10,
  maxQueue: 500,
  maxQueueBytes: 262144,
};

const ONE_OF: Record<string, string[]> = {
  cookies: ['consent', 'always', 'never'],
  transport: ['auto', 'beacon', 'fetch', 'image'],
};

/**
 * Checks options against the defaults' types. A wrong value gets one warning
 * and falls back to its default; unknown keys are ignored with a warning.
 * Strings are coerced where a boolean, number or list is expected, so `data-*`
 * attributes (already camelCased by the browser) are options as they are:
 * `""`/`"true"` → true, `"false"` → false, numbers parsed, comma lists split.
 * Returns undefined (tracker stays inert) when site or endpoint is unusable.
 */
const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

export function resolveOptions(input: unknown): Resolved | undefined {
  const given = Object(input) as Record<string, any>;
  const out = { ...DEFAULTS } as Record<string, unknown>;
  const { site, endpoint } = given;
  for (const key of Object.keys(given)) {
    let value = given[key];
    // Own keys only: "__proto__", "constructor" or "toString" are unknown options, not Object.prototype's.
    const def = own(DEFAULTS, key) ? (DEFAULTS as Record<string, any>)[key] : undefined;
    if (def === undefined) {
      // consent* keys belong to the CMP adapter of the script-tag build.
      if (!/^(site|endpoint|consent)/.test(key)) warn('unknown option', key);
    } else if (value !== undefined) {
      if (typeof value == 'string' && typeof def != 'string')
        value =
          typeof def == 'boolean'
            ? value != 'false'
            : typeof def == 'number'
              ? +value
              : value.split(',').map((s) => s.trim()).filter(Boolean);
      if (
        (key == 'transport' && typeof value == 'function') ||
        (Array.isArray(def)
          ? Array.isArray(value) && value.every((v) => typeof v == 'string')
          : typeof value == typeof def && (typeof def != 'number' || (value >= 0 && value <= 1e9)) && (!own(ONE_OF, key) || ONE_OF[key].indexOf(value) >= 0))
      )
        out[key] = value;
      else warn('invalid option, default used', key);
    }
  }
  if (typeof site != 'string' || !site || site.length > 64 || typeof endpoint != 'string' || !endpoint)
    return void warn('options "site" (1–64 characters) and "endpoint" are required; nothing will be sent');
  out.site = site;
  out.endpoint = endpoint;
  return out as Resolved;
}
