// createTracker(): the one place that wires the modules together.
import { mayStore, sendState, DROP, SEND, type ConsentInput } from './consent';
import { createCookies } from './cookies';
import { createQueue } from './delivery/queue';
import { createDelivery } from './delivery/send';
import { IMAGE_ATTEMPTS, maxBody, pickSender, sendBeacon, viaFetch, type SendResult } from './delivery/transports';
import { emailDomain } from './email-domain';
import { doc, listen, nav, win } from './env';
import { makeEvent, type EventType, type WireEvent } from './event';
import { watchForms } from './forms';
import { randomId } from './ids';
import { guard, warn } from './log';
import { resolveOptions, type ConsentState, type Options, type Props } from './options';
import { createEngagement, watchRoutes } from './pageviews';
import { scrubText, scrubUrl } from './scrub';
import { cleanProps, MAX_NAME, validName } from './validate';

/** The tracker returned by createTracker(). No method ever throws. */
export interface Tracker {
  /** Send a page view for the current URL (skipped if it is the same URL as the last one). */
  page(props?: Props): void;
  /** Send a custom event: name of 1–64 characters, flat props (≤ 25 keys; string ≤ 500 chars, number, boolean). */
  track(name: string, props?: Props): void;
  /** The visitor's consent answer, from the site or a CMP adapter. */
  consent(state: ConsentState): void;
  /** Report a company domain (or an e-mail address: only its domain is kept). */
  form(emailOrDomain: string): void;
  /** Stop everything for this visitor; only the opt-out flag is stored. */
  optOut(): void;
  /** Reverse optOut(). */
  optIn(): void;
  /**
   * Erasure: asks the endpoint to delete every event of this visitor id (retried while the page
   * lives, up to 3 minutes), deletes the cookies and every saved queue, and from then on counts
   * as consent denied, in every tab and after reload, until a fresh `consent('granted')`.
   * Resolves true once the endpoint answered 2xx; false otherwise, and at once (no request)
   * when no visitor id exists. Never rejects.
   */
  forget(): Promise<boolean>;
  /** Send what is pending now. */
  flush(): void;
  /** Send what is pending, then remove every listener, timer and wrapper. */
  destroy(): void;
}

const NOOP = () => {};
/** What a server (SSR), a worker or unusable options get: every method a no-op. */
const NO = () => Promise.resolve(false);
export const INERT: Tracker = { page: NOOP, track: NOOP, consent: NOOP, form: NOOP, optOut: NOOP, optIn: NOOP, forget: NO, flush: NOOP, destroy: NOOP };
const LOCAL_HTTP = /^http:\/\/(localhost|127(\.\d+){3}|\[::1\])(:\d+)?\//;

/**
 * What createTracker() returns on a prerendered page: it holds every call (at most 999) until
 * the page is shown, then creates the real tracker and replays them in order, so their events
 * carry the activation time. A page never shown never creates one.
 */
function whenShown(create: () => Tracker): Tracker {
  const held: [keyof Tracker, unknown[]][] = [];
  let live: Tracker | undefined;
  listen(doc, 'prerenderingchange', guard(() => {
    live = create();
    held.forEach(([name, args]) => (live![name] as (...a: unknown[]) => void)(...args));
  }));
  const tracker = {} as Record<keyof Tracker, (...a: unknown[]) => any>;
  // Held calls answer as the inert tracker does (forget(): false).
  for (const name of Object.keys(INERT) as (keyof Tracker)[])
    tracker[name] = (...args) => ((live || (held.length < 999 && held.push([name, args]), INERT))[name] as (...a: unknown[]) => unknown)(...args);
  return tracker;
}

export function createTracker(options: Options): Tracker {
  const o = win && doc && resolveOptions(options);
  let endpoint = '';
  try {
    endpoint = o ? new URL(o.endpoint, win!.location.href).href : '';
  } catch {}
  if (!o || !(/^https:/.test(endpoint) || LOCAL_HTTP.test(endpoint))) {
    if (o) warn('endpoint must be https: (http: only on localhost); nothing will be sent', o.endpoint);
    return INERT;
  }
  // Prerendered (Speculation Rules): nobody has seen the page yet, and nobody may ever. The tracker
  // starts when the page is shown: until then no request, no cookie or storage write, no engagement
  // time. https://developer.chrome.com/docs/web-platform/prerender-pages#impact-on-analytics
  if ((doc as Document & { prerendering?: boolean }).prerendering) return whenShown(() => createTracker(options));

  const cookies = createCookies(o.cookiePrefix, o.cookieDomain, o.renewVisitorId);
  const n = nav as (Navigator & { globalPrivacyControl?: boolean }) | undefined;
  // The consent state lives on the resolved options (cookies, requireConsent) plus three fields.
  const c = o as typeof o & ConsentInput;
  c.signalDenied = !!n && ((o.respectGpc && n.globalPrivacyControl === true) || (o.respectDnt && n.doNotTrack == '1'));
  c.optedOut = cookies.optedOut();
  // Our visitor cookie exists only after a grant (or in 'always' mode, where a
  // grant changes nothing): on a later page it stands for that grant until the
  // site or CMP says otherwise. A leftover cookie never counts in cookieless mode.
  if (o.cookies != 'never' && cookies.exists()) c.answer = 'granted';
  // forget() on an earlier page (or in another tab): denied until a fresh grant.
  if (cookies.forgotten()) c.answer = 'denied';

  const queue = createQueue(o.maxQueue, o.maxQueueBytes, o.cookiePrefix + '_q', o.site);
  const delivery = createDelivery(queue, {
    url: endpoint,
    site: o.site,
    send: pickSender(o.transport),
    maxBody: maxBody(o.transport),
    maxAttempts: o.transport == 'image' ? IMAGE_ATTEMPTS : Infinity,
    noCors: typeof o.transport == 'string' && o.transport != 'image' ? sendBeacon : undefined,
    batchMs: o.batchMs,
    batchSize: o.batchSize,
    // Not after destroy(): a request still in flight then must not schedule retries.
    canSend: () => !destroyed && (sync(), sendState(c) == SEND),
    // Visitor and session ids are added when an event leaves, and only while the cookies may exist.
    // The cookies are read (and renewed) once per request, not once per event.
    decorate: (events: WireEvent[]) => {
      // The latest page view is going into a request: from now on it is never rewritten.
      if (events.includes(unsent!)) unsent = undefined;
      if (o.minimal || !mayStore(c)) return events;
      const ids = cookies.ensure();
      return events.map((e) => ({ ...e, ...ids }));
    },
  });
  /** Remove whatever storage the current consent no longer allows. */
  const enforce = () => {
    if (!mayStore(c)) {
      cookies.clear();
      queue.save(false);
    }
    if (sendState(c) == DROP) queue.clear();
  };
  /**
   * The visitor cookie this tab set or saw is gone: withdrawn in another tab (or
   * cleared by the visitor). That is a denial here too, checked before anything is
   * sent or stored (so before every cookies.ensure()): no tab recreates the cookie
   * without a fresh grant. No storage event or BroadcastChannel: nothing is written
   * between two checks, so none is needed.
   */
  const sync = () => {
    // forget() in another tab marks the flag: also a denial, in tabs that never held the cookie too.
    const lost = cookies.lost() || (c.answer != 'denied' && cookies.forgotten());
    if (lost) c.answer = 'denied';
    // An opt-out in another tab stops this one too.
    if ((!c.optedOut && (c.optedOut = cookies.optedOut())) || lost) enforce();
  };
  enforce();
  queue.restore(mayStore(c));

  let pv = randomId();
  let lastUrl = '';
  /** The latest page view, until it has gone into a request: a redirect rewrites its url instead of adding one. */
  let unsent: WireEvent | undefined;
  let domains: Record<string, 1> = {};
  /** The current page view went out without ids: a later grant sends a consent event to tie it to them. */
  let pvWithoutIds = false;
  let destroyed = false;
  const engagement = createEngagement();

  function emit(type: EventType, fields: Partial<WireEvent>, now?: boolean): void {
    if (sendState(c) == DROP) return;
    const event = makeEvent(type, pv, fields, o!.minimal);
    // Before push: a request may take it at once, and decorate() then marks it as gone.
    if (type == 'page') unsent = event;
    delivery.push(event, now);
  }

  /** The current page view ends (route change, hidden): report its visible time. */
  function endPage(pause?: boolean): void {
    const ms = engagement.take(pause);
    // Capped at the schema's 24 h: a laptop asleep with the tab visible would exceed it (and lose the batch).
    if (lastUrl && ms > 0) emit('engage', { ms: Math.min(ms, 864e5) });
  }

  const here = () => scrubUrl(win!.location.href, o!.stripParams, o!.hashRouting);
  // The path part of a scrubbed URL: every `?query` removed, also one inside a `#/route?query` (hashRouting).
  const path = (url: string) => url.replace(/\?[^#]*/g, '');

  /**
   * A route change (watchRoutes). pushState, popstate and hashchange count when the URL differs
   * from the last page view; replaceState alone only when the path differs (a redirect), and a
   * redirect of a page view that has not gone into a request yet rewrites its url instead.
   */
  function route(replaced?: boolean): void {
    if (!replaced) return page();
    const url = here();
    if (path(url) == path(lastUrl)) return;
    if (!unsent) return page();
    if (unsent.url) unsent.url = url;
    lastUrl = url;
  }

  function page(props?: Props): void {
    const clean = cleanProps(props);
    if (clean === false) return warn('page: invalid props', props);
    const url = here();
    if (url == lastUrl) return;
    endPage();
    // A hostile page may make DOM getters throw: that costs these fields, never the page view.
    const ref = lastUrl || guard(() => scrubUrl(doc!.referrer, o!.stripParams))();
    // Events tracked before the first page view belong to it: it keeps the initial pv.
    if (lastUrl) pv = randomId();
    lastUrl = url;
    domains = {};
    pvWithoutIds = sendState(c) == SEND && !mayStore(c);
    emit(
      'page',
      // minimal: not even read (ePrivacy Art. 5(3) counts reading device information, EDPB Guidelines 2/2023).
      { url, ref, ...guard(() => (o!.minimal ? {} : { title: scrubText(doc!.title, 300), lang: n!.language.slice(0, 35), screen: screen.width + 'x' + screen.height }))(), props: clean },
      true,
    );
  }

  function form(value: string): void {
    if (typeof value != 'string') return warn('form: not a string', value);
    // The options carry consumerDomains and allowConsumerDomains under the names emailDomain() reads.
    const domain = emailDomain(value, o!);
    if (domain && !domains[domain]) {
      domains[domain] = 1;
      emit('form', { domain }, true);
    }
  }

  /**
   * The visitor asked to be forgotten. Not through the event queue: the request carries the
   * id the queue no longer may. Where no id exists nothing identifies the visitor, so nothing
   * is sent and nothing is written (in cookieless mode above all): the denial lasts for this page.
   */
  function forget(): Promise<boolean> {
    const vid = cookies.vid();
    c.answer = 'denied';
    enforce();
    if (!vid) return NO();
    // Every saved copy (also other tabs'), and the mark that denies in every tab and after reload.
    if (o!.cookies != 'never') queue.erase(), cookies.setForgotten(true);
    // A new page-view id: later events (after a fresh grant: of a new visitor) share none with the erased ones.
    pv = randomId();
    const body = JSON.stringify({ v: 1, site: o!.site, forget: vid });
    return new Promise((resolve) => {
      // At most 8 attempts, each wait at most a minute (so about 2 minutes in all, while the page lives).
      const attempt = (n: number): unknown =>
        new Promise<SendResult>((r) => r(viaFetch(endpoint, body)))
          .catch(() => false)
          .then((answer) =>
            // 2xx: confirmed; another 4xx: refused for good; else full jitter, Retry-After honoured up to the minute.
            answer === true || answer == 'drop' || n > 6
              ? resolve(answer === true)
              : setTimeout(attempt, Math.min(6e4, Math.max(Math.random() * 1e3 * 2 ** n, answer as number)), n + 1),
          );
      attempt(0);
    });
  }

  /** Page hidden or unloading: end the page view, send everything by an unload-safe transport, keep the rest where allowed. */
  function hide(): void {
    endPage(true);
    sync();
    delivery.flush(true);
    queue.save(mayStore(c));
  }

  /**
   * Back from the back/forward cache: the page lives again and owns its queue (the copy saved at
   * pagehide goes), and counts anew. Engagement resumes on the visibilitychange before pageshow;
   * retries and timers resume by themselves.
   */
  function restored(): void {
    queue.save(false);
    delivery.resume();
    pv = randomId();
    lastUrl = '';
    if (o!.pageviews) page();
  }

  // No unload or beforeunload listener, ever: either can keep the page out of the back/forward cache.
  const stops = [
    listen(win, 'pagehide', guard(() => (delivery.leave(), hide()))),
    // A restore from the bfcache is a person seeing the page again: a new page view with a new pv.
    // https://web.dev/articles/bfcache#observe-when-a-page-is-restored-from-bfcache
    listen(win, 'pageshow', guard((e) => (e as PageTransitionEvent).persisted && restored())),
    listen(doc, 'visibilitychange', guard(() => (engagement.update(), doc!.visibilityState == 'hidden' && hide()))),
    o.pageviews ? watchRoutes(route, o.hashRouting) : NOOP,
    o.forms ? watchForms(form, o) : NOOP,
  ];

  // The first page view waits one microtask, so commands given right after
  // createTracker() (or queued before the script loaded) apply to it.
  if (o.pageviews) Promise.resolve().then(guard(() => destroyed || page()));
  if (queue.items.length) delivery.flush();

  /** Every public method: guarded, and a no-op after destroy(). */
  const api =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) =>
      void (destroyed || guard(fn)(...args));

  return {
    page: api(page),
    track: api((name: string, props?: Props) => {
      const clean = cleanProps(props);
      if (!validName(name) || clean === false)
        return warn('track: needs a name (1–64 chars) and flat props (≤ 25 keys; string ≤ 500 chars, number, boolean)', name);
      // Like props, the name may hold page text: an address in it is redacted.
      emit('event', { name: scrubText(name, MAX_NAME), props: clean });
    }),
    consent: api((state: ConsentState) => {
      if (state !== 'granted' && state !== 'denied') return warn('consent: "granted" or "denied"', state);
      if (c.answer == state) return;
      c.answer = state;
      // A fresh grant ends what forget() began (its mark, in every tab).
      if (state == 'granted') cookies.setForgotten(false);
      enforce();
      if (pvWithoutIds && mayStore(c)) {
        pvWithoutIds = false;
        emit('consent', { state }, true);
      }
      delivery.flush();
    }),
    form: api(form),
    optOut: api(() => {
      c.optedOut = true;
      enforce();
      cookies.setOptOut(true);
    }),
    optIn: api(() => {
      if (!c.optedOut) return;
      c.optedOut = false;
      cookies.setOptOut(false);
    }),
    forget: () => (!destroyed && guard(forget)()) || NO(),
    flush: api(() => delivery.flush()),
    destroy: api(() => {
      hide();
      destroyed = true;
      stops.forEach((stop) => stop());
      delivery.destroy();
    }),
  };
}
