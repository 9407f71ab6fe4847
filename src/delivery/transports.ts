// Built-in transports. Each returns what the sender needs to decide:
// true = delivered, false = retry later, 'drop' = the endpoint refused it
// for good (4xx), a number = retry after that many ms (Retry-After).
import { nav, win } from '../env';
import type { TransportFn, TransportName } from '../options';

export type SendResult = boolean | 'drop' | number;
/** `unloading` is true while the page is being hidden or unloaded. */
export type Sender = (url: string, body: string, unloading?: boolean) => SendResult | Promise<SendResult>;

/** navigator.sendBeacon with a string body: text/plain;charset=UTF-8, so no CORS preflight. */
export function beacon(url: string, body: string): boolean {
  try {
    return !!(nav && nav.sendBeacon && nav.sendBeacon(url, body));
  } catch {
    return false;
  }
}

/** POST with keepalive and no credentials; reads the status so failures are retried. */
export function viaFetch(url: string, body: string): Promise<SendResult> {
  try {
    return fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).then((r) => {
      const status = r.status;
      if (status < 300) return true;
      if (status == 408 || status == 429 || status >= 500) return retryAfter(r.headers.get('retry-after')) || false;
      return 'drop';
    }, () => false);
  } catch {
    return Promise.resolve(false);
  }
}

/** Retry-After as seconds or an HTTP date, in ms (0 when absent or unreadable). */
export function retryAfter(value: string | null): number {
  if (!value) return 0;
  const ms = /^\d+$/.test(value) ? +value * 1000 : Date.parse(value) - Date.now();
  return ms > 0 ? Math.min(ms, 3600_000) : 0;
}

/** GET pixel with the payload in `d`, for CSPs that allow only img-src. */
export function viaImage(url: string, body: string): Promise<SendResult> {
  return new Promise((resolve) => {
    try {
      const img = new Image();
      img.onload = () => resolve(true);
      img.onerror = () => resolve(false);
      img.src = url + (url.indexOf('?') < 0 ? '?' : '&') + 'd=' + encodeURIComponent(body);
    } catch {
      resolve(false);
    }
  });
}

/** Beacon first; when the browser refuses it (quota, size), fetch keepalive. */
function beaconOrFetch(url: string, body: string): SendResult | Promise<SendResult> {
  return beacon(url, body) || viaFetch(url, body);
}

/** A custom function: anything but `true` (or a throw) counts as a failure to retry. */
function custom(fn: TransportFn): Sender {
  return (url, body) => {
    try {
      return Promise.resolve(fn(url, body)).then((ok) => ok === true, () => false);
    } catch {
      return false;
    }
  };
}

export function pickSender(transport: TransportName | TransportFn): Sender {
  if (typeof transport == 'function') return custom(transport);
  if (transport == 'beacon') return beaconOrFetch;
  if (transport == 'fetch') return viaFetch;
  if (transport == 'image') return viaImage;
  // auto: fetch while the page lives (status seen, failures retried),
  // beacon when it is going away (survives unload).
  return (url, body, unloading) =>
    unloading || !(win && win.fetch) ? beaconOrFetch(url, body) : viaFetch(url, body);
}

/** Largest body per request: beacons and keepalive fetches must stay under 64 KiB; an image URL (3x when encoded) far less. */
export function maxBody(transport: TransportName | TransportFn): number {
  return transport == 'image' ? 2400 : 60000;
}
