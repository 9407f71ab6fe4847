// createTracker(): the one place that wires the modules together.
import { mayStore, sendState, DROP, SEND, type ConsentInput } from './consent';
import { createCookies } from './cookies';
import { createQueue } from './delivery/queue';
import { createDelivery } from './delivery/send';
import { maxBody, pickSender } from './delivery/transports';
import { emailDomain } from './email-domain';
import { doc, listen, nav, win } from './env';
import { makeEvent, type EventType, type WireEvent } from './event';
import { watchForms } from './forms';
import { randomId } from './ids';
import { guard, warn } from './log';
import { resolveOptions, type ConsentState, type Options, type Props } from './options';
import { createEngagement, watchRoutes } from './pageviews';
import { scrubUrl } from './scrub';
import { cleanProps, validName } from './validate';

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
  /** Send what is pending now. */
  flush(): void;
  /** Send what is pending, then remove every listener, timer and wrapper. */
  destroy(): void;
}

const NOOP = () => {};
/** What a server (SSR), a worker or unusable options get: every method a no-op. */
export const INERT: Tracker = { page: NOOP, track: NOOP, consent: NOOP, form: NOOP, optOut: NOOP, optIn: NOOP, flush: NOOP, destroy: NOOP };
const LOCAL_HTTP = /^http:\/\/(localhost|127(\.\d+){3}|\[::1\])(:\d+)?\//;

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

  const cookies = createCookies(o.cookiePrefix, o.cookieDomain);
  const n = nav as (Navigator & { globalPrivacyControl?: boolean }) | undefined;
  // The consent state lives on the resolved options (cookies, requireConsent) plus three fields.
  const c = o as typeof o & ConsentInput;
  c.signalDenied = !!n && ((o.respectGpc && n.globalPrivacyControl === true) || (o.respectDnt && n.doNotTrack == '1'));
  c.optedOut = cookies.optedOut();
  // Our visitor cookie exists only after a grant (or in 'always' mode, where a
  // grant changes nothing): on a later page it stands for that grant until the
  // site or CMP says otherwise. A leftover cookie never counts in cookieless mode.
  if (o.cookies != 'never' && cookies.exists()) c.answer = 'granted';

  const queue = createQueue(o.maxQueue, o.maxQueueBytes, o.cookiePrefix + '_q', o.site);
  const delivery = createDelivery(queue, {
    url: endpoint,
    site: o.site,
    send: pickSender(o.transport),
    maxBody: maxBody(o.transport),
    batchMs: o.batchMs,
    batchSize: o.batchSize,
    // Not after destroy(): a request still in flight then must not schedule retries.
    canSend: () => !destroyed && sendState(c) == SEND,
    // Visitor and session ids are added when an event leaves, and only while the cookies may exist.
    // The cookies are read (and renewed) once per request, not once per event.
    decorate: (events: WireEvent[]) => {
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
  enforce();
  queue.restore(mayStore(c));

  let pv = randomId();
  let lastUrl = '';
  let domains: Record<string, 1> = {};
  /** The current page view went out without ids: a later grant sends a consent event to tie it to them. */
  let pvWithoutIds = false;
  let destroyed = false;
  const engagement = createEngagement();

  function emit(type: EventType, fields: Partial<WireEvent>, now?: boolean): void {
    if (sendState(c) != DROP) delivery.push(makeEvent(type, pv, fields, o!.minimal), now);
  }

  /** The current page view ends (route change, hidden): report its visible time. */
  function endPage(pause?: boolean): void {
    const ms = engagement.take(pause);
    if (lastUrl && ms > 0) emit('engage', { ms });
  }

  function page(props?: Props): void {
    const clean = cleanProps(props);
    if (clean === false) return warn('page: invalid props', props);
    const url = scrubUrl(win!.location.href, o!.stripParams, o!.hashRouting);
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
      { url, ref, ...guard(() => ({ title: doc!.title.slice(0, 300), lang: n!.language.slice(0, 35), screen: screen.width + 'x' + screen.height }))(), props: clean },
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

  /** Page hidden or unloading: end the page view, send everything by an unload-safe transport, keep the rest where allowed. */
  function hide(): void {
    endPage(true);
    delivery.flush(true);
    queue.save(mayStore(c));
  }

  const stops = [
    listen(win, 'pagehide', guard(hide)),
    listen(doc, 'visibilitychange', guard(() => (engagement.update(), doc!.visibilityState == 'hidden' && hide()))),
    o.pageviews ? watchRoutes(page, o.hashRouting) : NOOP,
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
      emit('event', { name, props: clean });
    }),
    consent: api((state: ConsentState) => {
      if (state !== 'granted' && state !== 'denied') return warn('consent: "granted" or "denied"', state);
      if (c.answer == state) return;
      c.answer = state;
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
    flush: api(() => delivery.flush()),
    destroy: api(() => {
      hide();
      destroyed = true;
      stops.forEach((stop) => stop());
      delivery.destroy();
    }),
  };
}
