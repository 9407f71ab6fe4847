// Built-in transports. Each returns what the sender needs to decide:
// true = delivered, false = retry later, 'drop' = the endpoint refused it
// for good (4xx), a number = retry after that many ms (Retry-After).
// A transport may throw or reject: the sender counts that as false.
import { nav } from '../env';
import { warn } from '../log';
import type { TransportFn, TransportName } from '../options';

export type SendResult = boolean | 'drop' | number;
/** `unloading` is true while the page is being hidden or unloaded. */
export type Sender = (url: string, body: string, unloading?: boolean) => SendResult | Promise<SendResult>;

/** navigator.sendBeacon with a string body (text/plain;charset=UTF-8, so no CORS preflight); false when refused. */
const sendBeacon = (url: string, body: string): boolean => {
  try {
    return nav!.sendBeacon(url, body);
  } catch {
    // no sendBeacon, or it threw
    return false;
  }
};

/**
 * POST with keepalive and no credentials; reads the status so failures are retried.
 *
 * `fetch` rejects with the same TypeError when the network fails and when the
 * endpoint stored the batch but sent no CORS header (so its answer is hidden):
 * retrying the latter would resend it every minute. Told apart by behaviour:
 * after two such rejections in a row while the browser says it is online
 * (one, once it happened on this page), the batch goes once by sendBeacon,
 * which needs no CORS answer, and counts as delivered.
 */
export function createFetch(): Sender {
  let rejected = 0;
  let limit = 2;
  return (url, body) =>
    fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).then(
      (r) => {
        const status = r.status;
        const result = status < 300 || (status == 408 || status == 429 || status > 499 ? retryAfter(r.headers.get('retry-after')) || false : 'drop');
        rejected = 0;
        // The body is read to its end: Chromium counts an unread keepalive response against the
        // 64 KiB in-flight budget of the page, and refuses every keepalive fetch past it.
        return r.text().then(() => result, () => result);
      },
      () => {
        if (!(nav && nav.onLine === false) && ++rejected >= limit && sendBeacon(url, body)) {
          warn('no readable answer from the endpoint: it must send Access-Control-Allow-Origin (sent by sendBeacon instead)', url);
          rejected = 0;
          limit = 1;
          return true;
        }
        return false;
      },
    );
}

/** Retry-After as seconds or an HTTP date, in ms (0 when absent or unreadable), at most an hour. */
export function retryAfter(value: string | null): number {
  const ms = +value! * 1000 || Date.parse(value!) - Date.now();
  return ms > 0 ? Math.min(ms, 3600_000) : 0;
}

/**
 * GET pixel with the payload in `d`, for CSPs that allow only img-src. It
 * cannot see the status: a 4xx and an outage both read as a failure, so the
 * sender gives a batch up after IMAGE_ATTEMPTS tries.
 */
export const viaImage = (url: string, body: string): Promise<boolean> =>
  new Promise((resolve) => {
    const img = new Image();
    img.onload = img.onerror = (e) => resolve((e as Event).type == 'load');
    img.src = url + (url.indexOf('?') < 0 ? '?' : '&') + 'd=' + encodeURIComponent(body);
  });

/** Failed image requests in a row after which a batch is dropped (about 2 minutes of backoff). */
export const IMAGE_ATTEMPTS = 8;

/** sendBeacon; when the browser refuses it (quota, size), fetch keepalive. */
const createBeacon =
  (viaFetch: Sender): Sender =>
  (url, body) =>
    sendBeacon(url, body) || viaFetch(url, body);

/**
 * A custom function is used as it is: only `true` (or a promise of it) counts
 * as delivered; anything else, a throw or a rejection is a failure to retry.
 * Each call makes new senders: the CORS rule above is per tracker.
 */
export function pickSender(transport: TransportName | TransportFn): Sender {
  if (typeof transport == 'function') return transport;
  const viaFetch = createFetch();
  const beacon = createBeacon(viaFetch);
  return transport == 'beacon'
    ? beacon
    : transport == 'fetch'
      ? viaFetch
      : transport == 'image'
        ? viaImage
        : // auto: fetch while the page lives (status seen, failures retried),
          // beacon when it is going away (survives unload),
          // and beacon where fetch is missing or throws (old browser, a page that replaced it).
          (url, body, unloading) => {
            try {
              if (!unloading) return viaFetch(url, body);
            } catch {}
            return beacon(url, body);
          };
}

/** Largest body per request: beacons and keepalive fetches must stay under 64 KiB; an image URL (3x when encoded) far less. */
export const maxBody = (transport: TransportName | TransportFn): number => (transport == 'image' ? 2400 : 60000);
