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
  destroy(): void;
}

const BASE_MS = 1000;
const CAP_MS = 60_000;
/** A request that has not answered in this time counts as failed (a hung connection). */
const TIMEOUT_MS = 10_000;

type Timer = ReturnType<typeof setTimeout> | 0;

export function createDelivery(queue: Queue, o: DeliveryOptions): Delivery {
  /** A request is in flight, or a retry waits for its backoff. */
  let busy = false;
  let attempt = 0;
  let batchTimer: Timer = 0;
  let retryTimer: Timer = 0;

  /** May a request go out at all? Not while offline (the `online` event resumes), nor without consent. */
  const ready = () => !(nav && nav.onLine === false) && o.canSend();

  /**
   * The next request: as many of `items` as fit under maxBody, halving until they do
   * (one event alone always goes). Returns the events, the body, and a function
   * that forgets them (and the dropped count they reported) once delivered.
   */
  function nextChunk(items: WireEvent[], dropped: number): [WireEvent[], string, () => void] {
    let count = items.length;
    let body!: string;
    // Under 50 events: the schema allows 500 per batch, and serialising a whole backlog at
    // once, after a grant or an outage, is a long task; small requests also keep retries cheap.
    while ((count > 49 || byteLength((body = batchBody(o.site, o.decorate(items.slice(0, count)), dropped))) > o.maxBody) && count > 1)
      count = Math.ceil(count / 2);
    const chunk = items.slice(0, count);
    return [chunk, body, () => (queue.remove(chunk), (queue.dropped = Math.max(0, queue.dropped - dropped)))];
  }

  function drain(): void {
    clearTimeout(batchTimer as number);
    batchTimer = 0;
    if (busy || !queue.items.length || !ready()) return;
    const [, body, delivered] = nextChunk(queue.items, queue.dropped);
    let timeout: Timer = 0;
    busy = true;
    // Settles once: the transport's answer (a throw or rejection counts as false), or false after TIMEOUT_MS.
    Promise.race([
      new Promise<false>((resolve) => (timeout = setTimeout(resolve, TIMEOUT_MS, false))),
      Promise.resolve().then(() => o.send(o.url, body)),
    ])
      .catch(() => false)
      .then(
        guard((result: SendResult) => {
          clearTimeout(timeout as number);
          if (result === true || result == 'drop') {
            if (result != true) warn('the endpoint refused a batch (4xx); dropped');
            delivered();
            busy = false;
            attempt = 0;
            drain();
          } else {
            // Full jitter (AWS architecture blog), but never sooner than Retry-After.
            const backoff = Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt++);
            retryTimer = setTimeout(guard(() => ((busy = false), drain())), Math.max(backoff, (result as number) | 0));
          }
        }),
      );
  }

  /**
   * Page going away: everything pending leaves now by the unload-safe transport,
   * a request in flight or a retry waiting for its backoff included (their events
   * are still queued: the endpoint drops the duplicates). What the transport did
   * not take stays queued (and is persisted where allowed).
   */
  function unload(): void {
    let items = ready() ? queue.items : [];
    let dropped = queue.dropped;
    while (items.length) {
      const [chunk, body, delivered] = nextChunk(items, dropped);
      const ok = (result: unknown) => result === true && delivered();
      items = items.slice(chunk.length);
      dropped = 0;
      try {
        const result = o.send(o.url, body, true);
        // A beacon's true is all we will ever learn; a promise may still settle if the page lives on.
        result === true ? delivered() : Promise.resolve(result).then(ok, ok);
      } catch {
        // not delivered: the events stay queued
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
