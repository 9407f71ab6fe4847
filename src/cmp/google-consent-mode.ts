// Google Consent Mode v2: https://developers.google.com/tag-platform/security/guides/consent
import type { ConsentTarget, WaitOptions } from './types';
import { emitter, poll, w } from './util';

export type { ConsentTarget };

/** Options of the Google Consent Mode v2 adapter: which CMP state means "granted". */
export interface GoogleConsentModeOptions extends WaitOptions {
  /**
   * The consent type that means yes.
   * @defaultValue 'analytics_storage'
   */
  type?: string;
  /**
   * Whether `gtag('consent', 'default', …)` counts, not only `'update'`.
   * Off by default: a default is the site's assumption, not the visitor's
   * answer. Acting on the usual `default: denied` would make strict consent
   * mode drop the landing page it holds for the visitor's answer, and a
   * default scoped with `region` cannot be evaluated on the page (such
   * defaults are always ignored). Later defaults never override an update.
   * @defaultValue false
   */
  defaults?: boolean;
}

type Cmd = ArrayLike<unknown> & { [i: number]: unknown };

/**
 * Follows Google Consent Mode by reading the `gtag('consent', 'update', {...})`
 * commands in `window.dataLayer`: those already queued, in order, then later
 * ones through a wrapper around `dataLayer.push` that chains to the existing
 * push (GTM's or gtag.js's). Polls for a late `dataLayer`. Reads nothing
 * undocumented (`google_tag_data` is Google-internal).
 */
export function googleConsentMode(tracker: ConsentTarget, options: GoogleConsentModeOptions = {}): () => void {
  const emit = emitter(tracker);
  const { type = 'analytics_storage', defaults } = options;
  let dl: Cmd[] & { push: (...a: unknown[]) => number };
  let orig: (...a: unknown[]) => number;
  let i = 0;
  let updated: unknown;
  let stopped: unknown;

  // Each entry is read once; one odd entry (a throwing getter) costs only itself.
  const scan = () => {
    while (i < dl.length) {
      try {
        const e = dl[i++];
        const p = (e && e[0] == 'consent' && e[2]) as Record<string, unknown>;
        const v = p && p[type];
        const upd = e[1] == 'update';
        if ((v == 'granted' || v == 'denied') && (upd || (defaults && e[1] == 'default' && !p.region && !updated))) {
          if (upd) updated = 1;
          emit(v == 'granted', 1);
        }
      } catch {
        // skip it
      }
    }
  };

  function push(this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    const r = orig.apply(this, arguments as unknown as unknown[]);
    if (!stopped) scan();
    return r;
  }

  const stopPoll = poll(() => {
    if (!Array.isArray(w.dataLayer)) return;
    dl = w.dataLayer;
    orig = dl.push;
    dl.push = push;
    scan();
    return 1;
  }, options.timeout);

  return () => {
    stopPoll();
    stopped = 1;
    // Unwrap only if nobody wrapped on top of us; otherwise the wrapper stays inert.
    if (dl && dl.push === push) dl.push = orig;
  };
}
