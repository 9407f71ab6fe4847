// One prefixed, rate-limited logger. Each distinct message is printed once,
// and at most MAX messages per page, so a broken integration cannot flood
// the console of the host page.
const MAX = 20;
const seen: Record<string, 1> = {};
let printed = 0;

export function warn(message: string, detail: unknown = ''): void {
  try {
    if (seen[message] || printed++ >= MAX) return;
    seen[message] = 1;
    console.warn('[leadbeam] ' + message, detail);
  } catch {
    // console itself may be missing or replaced; nothing more to do.
  }
}

/**
 * Wraps an entry point (public method, listener, timer, transport callback)
 * so an internal error is reported once and never reaches the host page.
 */
export const guard =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch (e) {
      warn('internal error', e);
    }
  };
