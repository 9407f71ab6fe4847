// The delivery loop: batching, splitting under the size limit, retries with
// exponential backoff and full jitter, waiting while offline, and the hand-off
// to an unload-safe transport when the page goes away.
import { batchBody, type WireEvent } from '../event';
import { listen, nav, win } from '../env';
import { guard, warn } from '../log';
import { byteLength, type Queue } from './queue';
import type { Sender } from './transports';

export interface DeliveryOptions {
  url: string;
  site: string;
  send: Sender;
  maxBody: number;
  batchMs: number;
  batchSize: number;
  /** May anything be sent now (consent)? */
  canSend(): boolean;
  /** Adds what is known only at send time (visitor/session ids). */
  decorate(event: WireEvent): WireEvent;
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

export function createDelivery(queue: Queue, o: DeliveryOptions): Delivery {
  let inflight = false;
  let attempt = 0;
  let batchTimer: ReturnType<typeof setTimeout> | 0 = 0;
  let retryTimer: ReturnType<typeof setTimeout> | 0 = 0;
  let warned400 = false;

  const offline = () => !!nav && nav.onLine === false;

  /** The next request: as many events as fit under maxBody. */
  function nextChunk(items: WireEvent[]): [WireEvent[], string] {
    let count = items.length;
    let body = '';
    while (count > 0) {
      body = batchBody(o.site, items.slice(0, count).map(o.decorate), queue.dropped);
      if (byteLength(body) <= o.maxBody || count == 1) break;
      count = Math.ceil(count / 2);
    }
    return [items.slice(0, count), body];
  }

  function settle(chunk: WireEvent[], dropped: number, result: unknown): void {
    inflight = false;
    if (result === true || result === 'drop') {
      if (result == 'drop' && !warned400) {
        warned400 = true;
        warn('the endpoint refused a batch (4xx); it was dropped');
      }
      queue.remove(chunk);
      queue.dropped = Math.max(0, queue.dropped - dropped);
      attempt = 0;
      drain();
    } else {
      // Full jitter (AWS architecture blog), but never sooner than Retry-After.
      const backoff = Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt++);
      retryTimer = setTimeout(guard(() => ((retryTimer = 0), drain())), Math.max(backoff, +(result as number) || 0));
    }
  }

  function drain(): void {
    if (batchTimer) clearTimeout(batchTimer);
    batchTimer = 0;
    if (inflight || retryTimer || offline() || !queue.items.length || !o.canSend()) return;
    const [chunk, body] = nextChunk(queue.items);
    const dropped = queue.dropped;
    inflight = true;
    let timeout: ReturnType<typeof setTimeout> | 0 = 0;
    const done = guard((result: unknown) => {
      if (!inflight || !timeout) return;
      clearTimeout(timeout);
      timeout = 0;
      settle(chunk, dropped, result);
    });
    timeout = setTimeout(() => done(false), TIMEOUT_MS);
    try {
      Promise.resolve(o.send(o.url, body)).then(done, () => done(false));
    } catch {
      done(false);
    }
  }

  /** Page going away: everything pending leaves now by the unload-safe transport. */
  function unload(): void {
    if (offline() || !o.canSend()) return;
    let items = queue.items;
    while (items.length) {
      const [chunk, body] = nextChunk(items);
      items = items.slice(chunk.length);
      let result;
      try {
        result = o.send(o.url, body, true);
      } catch {
        // counted as not delivered: the events stay queued (and persisted where allowed)
      }
      // A beacon's true is all we will ever learn; a promise may still settle if the page lives on.
      if (result === true) {
        queue.remove(chunk);
        queue.dropped = 0;
      } else if (result && typeof result == 'object')
        result.then((r) => r === true && queue.remove(chunk), () => 0);
    }
  }

  const stopOnline = listen(win, 'online', guard(drain));

  return {
    push(event, now) {
      queue.push(event);
      if (now || queue.items.length >= o.batchSize) drain();
      else if (!batchTimer) batchTimer = setTimeout(guard(drain), o.batchMs);
    },
    flush(unloading) {
      unloading ? unload() : drain();
    },
    destroy() {
      stopOnline();
      clearTimeout(batchTimer as number);
      clearTimeout(retryTimer as number);
    },
  };
}
