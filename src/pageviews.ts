// SPA route changes and engagement time (visible ms per page view).
import { doc, listen, win } from './env';
import { guard } from './log';

/**
 * Calls onRoute after history.pushState/replaceState, popstate and (with hash
 * routing) hashchange; `replaced` is true when only replaceState ran (routers
 * use it for redirects, but also for scroll positions and search-as-you-type
 * queries: the tracker counts it only when the path changes).
 * The history methods are wrapped, not replaced: a router
 * that wrapped them before us is still called, one that wraps after us still
 * reaches us, and stop() restores them only if nobody wrapped them since.
 */
export function watchRoutes(onRoute: (replaced?: boolean) => void, hashRouting: boolean): () => void {
  const history = win!.history;
  // Deferred so the router has updated the title, and a burst of calls makes one page view:
  // vue-router's push is replaceState(current URL, scroll) + pushState(new URL), one navigation.
  let pending: ReturnType<typeof setTimeout> | 0 = 0;
  let replaced: boolean | undefined;
  const changed = (replace?: boolean) => {
    replaced = pending ? replaced && replace : replace;
    if (!pending) pending = setTimeout(guard(() => ((pending = 0), onRoute(replaced))), 0);
  };
  const navigated = () => changed();
  const restore = (['pushState', 'replaceState'] as const).map((name) => {
    const original = history[name];
    if (typeof original != 'function') return () => {};
    const wrapped = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      changed(name == 'replaceState');
      return result;
    };
    history[name] = wrapped;
    return () => {
      if (history[name] === wrapped) history[name] = original;
    };
  });
  const stopPop = listen(win, 'popstate', navigated);
  const stopHash = hashRouting ? listen(win, 'hashchange', navigated) : () => {};
  return () => {
    clearTimeout(pending as number);
    restore.forEach((r) => r());
    stopPop();
    stopHash();
  };
}

/** Visible time: counts only while the document is visible. */
export function createEngagement() {
  const visible = () => !doc || doc.visibilityState != 'hidden';
  let since = visible() ? Date.now() : 0;
  let total = 0;
  return {
    /** Call on visibilitychange. */
    update() {
      const now = Date.now();
      if (visible()) since = since || now;
      else if (since) {
        total += now - since;
        since = 0;
      }
    },
    /**
     * Visible ms since the last take(), and restart counting — or, with `pause`
     * (page hidden or unloading), stop counting until the page is visible again,
     * so the hide that follows a pagehide reports nothing twice.
     */
    take(pause?: boolean): number {
      const now = Date.now();
      const ms = total + (since ? now - since : 0);
      total = 0;
      since = since && !pause ? now : 0;
      return Math.round(ms);
    },
  };
}
