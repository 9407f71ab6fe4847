// Built-in transports. Each returns what the sender needs to decide:
// true = delivered, false = retry later, 'drop' = the endpoint refused it
// for good (4xx), a number = retry after that many ms (Retry-After).
// A transport may throw or reject: the sender counts that as false.
import { nav } from '../env';
import type { TransportAnswer, TransportFn, TransportName } from '../options';

export type SendResult = TransportAnswer;
/** `unloading` is true while the page is being hidden or unloaded. */
export type Sender = (url: string, body: string, unloading?: boolean) => SendResult | Promise<SendResult>;

/** navigator.sendBeacon with a string body (text/plain;charset=UTF-8, so no CORS preflight); false when refused. */
export const sendBeacon = (url: string, body: string): boolean => {
  try {
    return nav!.sendBeacon(url, body);
  } catch {
    // no sendBeacon, or it threw
    return false;
  }
};

/**
 * POST with keepalive and no credentials; reads the status so failures are retried.
 * Rejects (TypeError) when the network fails or the answer has no CORS header:
 * the sender tells the two apart (DeliveryOptions.noCors).
 */
export const viaFetch = (url: string, body: string): Promise<SendResult> =>
  fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).then((r) => {
    const status = r.status;
    const result = status < 300 || (status == 408 || status == 429 || status > 499 ? retryAfter(r.headers.get('retry-after')) || false : 'drop');
    // The body is read to its end: Chromium counts an unread keepalive response against the
    // 64 KiB in-flight budget of the page, and refuses every keepalive fetch past it.
    return r.text().then(() => result, () => result);
  });

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
export const beacon = (url: string, body: string): true | Promise<SendResult> => sendBeacon(url, body) || viaFetch(url, body);

/**
 * A custom function is used as it is, with the same answers as the built-in ones:
 * `true` delivered, `'drop'` refused for good, a number: retry after that many ms;
 * anything else, a throw or a rejection is a failure to retry.
 */
export const pickSender = (transport: TransportName | TransportFn): Sender =>
  typeof transport == 'function'
    ? transport
    : transport == 'beacon'
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

/** Largest body per request: beacons and keepalive fetches must stay under 64 KiB; an image URL (3x when encoded) far less. */
export const maxBody = (transport: TransportName | TransportFn): number => (transport == 'image' ? 2400 : 60000);
