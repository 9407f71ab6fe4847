// Shared by every adapter; kept tiny because each adapter ships on its own.
import type { ConsentTarget } from './types';

/** The page's window, or undefined on the server (SSR imports must touch no browser global). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const w: any = typeof window != 'undefined' ? window : undefined;

/**
 * Turns CMP readings into tracker.consent() calls, once per change.
 * `yes`: the CMP allows us now. `final`: the visitor has answered (or the CMP
 * has decided for them). Not allowed and not final means "no answer yet" and
 * stays silent, so strict consent mode keeps what it holds instead of
 * dropping it; but after 'granted', a CMP that falls back to "no answer"
 * (consent reset or renewed) has withdrawn it, so that is 'denied'.
 */
export const emitter = (tracker: ConsentTarget) => {
  let last: 'granted' | 'denied' | undefined;
  return (yes: unknown, final?: unknown): void => {
    const s = yes ? 'granted' : final || last ? 'denied' : last;
    if (s != last) {
      last = s;
      safe(() => tracker.consent(s!))();
    }
  };
};

/** Wraps fn so that nothing it (or a CMP it calls) throws reaches the caller. */
export const safe =
  <A extends unknown[], R>(fn: (...a: A) => R) =>
  (...a: A): R | undefined => {
    try {
      return fn(...a);
    } catch {
      return undefined;
    }
  };

/** Listens on window for each event type; returns the function that removes them all. */
export const on = (types: string[], fn: (e: CustomEvent) => void): (() => void) => {
  const h = safe(fn);
  const each = (m: string) => types.map((t) => w && w[m](t, h));
  each('addEventListener');
  return () => void each('removeEventListener');
};

/**
 * Calls found() now and every 250 ms until it returns truthy or `timeout` ms
 * have passed; returns a function that stops early. found() may throw.
 */
export const poll = (found: () => unknown, timeout = 1e4): (() => void) => {
  const f = safe(found);
  let t = 0;
  const id = w && !f() ? setInterval(() => (f() || (t += 250) >= timeout) && clearInterval(id), 250) : 0;
  return () => clearInterval(id);
};
