// Guarded access to browser globals: importing leadbeam on a server (SSR) or
// in a worker touches nothing that does not exist there.
export const win: (Window & typeof globalThis) | undefined = typeof window != 'undefined' ? window : undefined;
export const doc: Document | undefined = typeof document != 'undefined' ? document : undefined;
export const nav: Navigator | undefined = typeof navigator != 'undefined' ? navigator : undefined;

/** Adds a passive listener and returns its remover. */
export function listen(target: EventTarget | undefined, type: string, fn: (e: Event) => void, capture?: boolean): () => void {
  const opts = { passive: true, capture };
  target && target.addEventListener(type, fn, opts);
  return () => target && target.removeEventListener(type, fn, opts);
}
