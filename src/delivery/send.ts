// The delivery loop: batching, splitting under the size limit, retries with
// exponential backoff and full jitter, waiting while offline, and the hand-off
// to an unload-safe transport when the page goes away.
import { batchBody, type WireEvent } from '../event';
import { listen, nav, win } from '../env';
import { guard, warn } from '../log';
import { byteLength, type Queue } from './queue';
import type { SendResult, Sender } from './transports';

export interface DeliveryOptions {
  url: string;
  site: string;
  send: Sender;
  maxBody: number;
  batchMs: number;
  batchSize: number;
  /**
   * Failed attempts in a row after which a batch is dropped with a warning.
   * Infinity where the transport tells a 4xx from an outage; bounded for the
   * image pixel, which sees neither.
   */
  maxAttempts: number;
  /**
   * For fetch-based transports: `fetch` rejects with the same TypeError when the
   * network fails and when the endpoint stored the batch but sent no CORS header
   * (its answer hidden); retrying the latter would resend it every minute. Told
   * apart by behaviour: after two rejections in a row while the browser says it is
   * online and the page is not unloading (one, once it happened on this page), the
   * batch is handed once to this function (sendBeacon, which needs no CORS answer)
   * and counts as delivered if it takes it.
   */
  noCors?: (url: string, body: string) => boolean;
  /** May anything be sent now (consent)? */
  canSend(): boolean;
  /** Adds what is known only at send time (visitor/session ids), once per request. */
  decorate(events: WireEvent[]): WireEvent[];
}

export interface Delivery {
  /** Queue an event; `now` sends at once (page views, forms), else it is batched. */
  push(event: WireEvent, now?: boolean): void;
  /** Send what is pending; `unloading` uses the unload-safe transport for everything. */
  flush(unloading?: boolean): void;
  /**
   * The page is being unloaded (pagehide). Chromium rejects the promise of a keepalive
   * fetch then, although the request goes on and lands: a request failing from now on
   * keeps its events queued (for the stored copy) but sends them no more, until resume().
   */
  leave(): void;
  /** The page is shown again (a restore from the back/forward cache): what leave() held back goes out. */
  resume(): void;
  destroy(): void;
}

const BASE_MS = 1000;
const CAP_MS = 60_000;
/** A request that has not answered in this time counts as failed (a hung connection). */
const TIMEOUT_MS = 10_000;
/**
 * At unload the timeout cannot run: a request open this long by then counts
 * as hung, and its events go again by the unload transport (a slow one that
 * still lands is a copy the endpoint drops by id).
 */
const STALE_MS = 3000;

type Timer = ReturnType<typeof setTimeout> | 0;

export function createDelivery(queue: Queue, o: DeliveryOptions): Delivery {
  /** A request is in flight, or a retry waits for its backoff. */
  let busy = false;
  let attempt = 0;
  let batchTimer: Timer = 0;
  let retryTimer: Timer = 0;
  /**
   * Events in a request that has not settled, with the time it started. They
   * are never sent again unless that request fails: one copy on the wire (a
   * keepalive fetch or a beacon outlives the page, so an unload does not resend
   * them either, unless the request looks hung: STALE_MS).
   */
  const inFlight = new Map<WireEvent, number>();
  let leaving = false;
  let rejections = 0;
  let rejectLimit = 2;

  /** May a request go out at all? Not while offline (the `online` event resumes), nor without consent. */
  const ready = () => !(nav && nav.onLine === false) && o.canSend();

  /**
   * One request: as many of `items` as fit under maxBody, halving until they do
   * (one event alone always goes). The dropped count rides on exactly one request
   * at a time: it is taken from the queue here and given back if that request fails.
   * Returns the events, the body, and `settle(delivered)`.
   */
  function nextChunk(items: WireEvent[]): [WireEvent[], string, (delivered: boolean) => void] {
    let count = items.length;
    let body!: string;
    const dropped = queue.dropped;
    // Under 50 events: the schema allows 500 per batch, and serialising a whole backlog at
    // once, after a grant or an outage, is a long task; small requests also keep retries cheap.
    while ((count > 49 || byteLength((body = batchBody(o.site, o.decorate(items.slice(0, count)), dropped))) > o.maxBody) && count > 1)
      count = Math.ceil(count / 2);
    const chunk = items.slice(0, count);
    const started = Date.now();
    queue.dropped = 0;
    chunk.forEach((e) => inFlight.set(e, started));
    let settled = false;
    return [
      chunk,
      body,
      (delivered) => {
        if (settled) return;
        settled = true;
        // Only our own mark: a copy sent since (a hung request resent at unload) keeps its own.
        // Failed while the page unloads: most likely cut off from this page, not from the endpoint.
        chunk.forEach((e) => inFlight.get(e) == started && (delivered || !leaving ? inFlight.delete(e) : inFlight.set(e, Infinity)));
        delivered ? queue.remove(chunk) : (queue.dropped += dropped);
      },
    ];
  }

  /** Events waiting for a request: queued and not in one that is still open (at unload: open and not hung). */
  const waiting = (unloading?: boolean) => queue.items.filter((e) => !inFlight.has(e) || (unloading && Date.now() - inFlight.get(e)! >= STALE_MS));

  function drain(): void {
    clearTimeout(batchTimer as number);
    batchTimer = 0;
    const items = waiting();
    if (busy || !items.length || !ready()) return;
    const [, body, settle] = nextChunk(items);
    let timeout: Timer = 0;
    busy = true;
    // Settles once: the transport's answer (a throw or rejection counts as false, marked), or false after TIMEOUT_MS.
    Promise.race([
      new Promise<false>((resolve) => (timeout = setTimeout(resolve, TIMEOUT_MS, false))),
      Promise.resolve().then(() => o.send(o.url, body)),
    ])
      .catch(() => -1)
      .then(
        guard((answer: SendResult | -1) => {
          clearTimeout(timeout as number);
          let result = answer as SendResult;
          if (answer !== -1) rejections = 0;
          else if (o.noCors && !leaving && ready() && ++rejections >= rejectLimit && o.noCors(o.url, body)) {
            warn('no readable answer from the endpoint: it must send Access-Control-Allow-Origin (sent by sendBeacon instead)', o.url);
            rejections = 0;
            rejectLimit = 1;
            result = true;
          } else result = false;
          const giveUp = result !== true && result != 'drop' && attempt + 1 >= o.maxAttempts;
          if (result === true || result == 'drop' || giveUp) {
            if (result != true) warn(giveUp ? 'batch dropped after ' + (attempt + 1) + ' failed attempts' : 'the endpoint refused a batch (4xx); dropped');
            settle(true);
            busy = false;
            attempt = 0;
            drain();
          } else {
            settle(false);
            // Full jitter (AWS architecture blog), but never sooner than Retry-After.
            const backoff = Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt++);
            retryTimer = setTimeout(guard(() => ((busy = false), drain())), Math.max(backoff, (result as number) | 0));
          }
        }),
      );
  }

  /**
   * Page going away: everything waiting leaves now by the unload-safe transport,
   * a retry waiting for its backoff included. A request still in flight is left
   * alone (it is keepalive; if it fails, its events are still queued and saved
   * where allowed) unless it looks hung. What the transport did not take stays queued.
   */
  function unload(): void {
    let items = ready() ? waiting(true) : [];
    while (items.length) {
      const [chunk, body, settle] = nextChunk(items);
      const done = (result: unknown) => settle(result === true);
      items = items.slice(chunk.length);
      try {
        // A beacon's true is all we will ever learn; a promise may still settle if the page lives on.
        const result = o.send(o.url, body, true);
        result && typeof (result as Promise<SendResult>).then == 'function' ? (result as Promise<SendResult>).then(done, done) : done(result);
      } catch {
        // not delivered: the events stay queued
        settle(false);
      }
    }
  }

  const stopOnline = listen(win, 'online', guard(drain));

  return {
    push(event, now) {
      queue.push(event);
      if (now || queue.items.length >= o.batchSize) drain();
      else batchTimer = batchTimer || setTimeout(guard(drain), o.batchMs);
    },
    flush(unloading) {
      unloading ? unload() : drain();
    },
    leave() {
      leaving = true;
    },
    resume() {
      leaving = false;
      inFlight.forEach((started, e) => started == Infinity && inFlight.delete(e));
      drain();
    },
    // After the final flush(true): what is left was saved where allowed; forgetting it here keeps
    // a request still in flight from arming one more retry.
    destroy() {
      stopOnline();
      clearTimeout(batchTimer as number);
      clearTimeout(retryTimer as number);
      queue.clear();
    },
  };
}
