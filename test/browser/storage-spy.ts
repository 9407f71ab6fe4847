// Records every attempted storage write and every send of a browser context,
// synchronously in the page, so "zero writes" means zero attempts, not merely
// nothing left behind. Reports reach Node through a binding while the page
// lives; from pagehide on (when a binding call may be lost with its context)
// they are kept and sent in one beacon on `unload` (after pagehide and
// visibilitychange, where the tracker does its last sends and writes).
// Used by consent.test.ts and storage-audit.test.ts.
import type { BrowserContext, Page, StaticServer } from './harness';
import { waitFor } from './harness';

export type SpyKind = 'cookie' | 'localStorage' | 'sessionStorage' | 'indexedDB' | 'cookieStore' | 'caches' | 'send' | 'doc' | 'noop';

export interface SpyEntry {
  /** The document that made it (a random id per page load). */
  doc: string;
  kind: SpyKind;
  /**
   * cookie: the string assigned to document.cookie; storage: `setItem(key)`, `removeItem(key)`, `clear()`;
   * noop: `localStorage.removeItem(key)` of a key that did not exist (no write happened);
   * send: 'fetch' | 'beacon'; doc: the URL of a new document.
   */
  detail: string;
  /** send: the request body. */
  body?: string;
}

export interface WireEventLike {
  type: string;
  id: string;
  ts: number;
  pv: string;
  vid?: string;
  sid?: string;
  name?: string;
  state?: string;
  [k: string]: unknown;
}

export interface Spy {
  log: SpyEntry[];
  /** The id of the newest document. */
  currentDoc(): string;
  /** Resolves once every report the live page made so far has reached Node (same CDP channel, in order). */
  settle(page: Page): Promise<void>;
  /** Waits for the reports a document made while it went away (pagehide … unload). */
  unloaded(doc: string): Promise<void>;
}

/** The events of the sends among these entries. */
export function sentEvents(entries: SpyEntry[]): WireEventLike[] {
  return entries.filter((e) => e.kind == 'send').flatMap((e) => JSON.parse(e.body || '{"events":[]}').events as WireEventLike[]);
}

/** Writes among these entries (not sends, document starts or no-op removals), or the entries of one kind. */
export function writes(entries: SpyEntry[], kind?: SpyKind): SpyEntry[] {
  return entries.filter((e) => (kind ? e.kind == kind : e.kind != 'send' && e.kind != 'doc' && e.kind != 'noop'));
}

/** A document.cookie assignment, parsed. */
export function parseCookieWrite(raw: string): { name: string; value: string; attrs: Record<string, string> } {
  const [pair, ...rest] = raw.split(';');
  const eq = pair.indexOf('=');
  const attrs: Record<string, string> = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    attrs[(i < 0 ? a : a.slice(0, i)).trim().toLowerCase()] = i < 0 ? '' : a.slice(i + 1).trim();
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs };
}

let spies = 0;

/** Installs the recorder on every page of the context; `endpoint` is the collector URL whose sends are recorded. */
export async function spyOn(context: BrowserContext, endpoint: string, server: StaticServer): Promise<Spy> {
  const log: SpyEntry[] = [];
  const gone = new Set<string>();
  const token = `s${++spies}_${Math.random().toString(36).slice(2)}`;
  server.route((req, res) => {
    if (req.url != `/__spy/${token}`) return false;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { doc, entries } = JSON.parse(body) as { doc: string; entries: [SpyKind, string, string?][] };
      for (const [kind, detail, b] of entries) log.push(b == null ? { doc, kind, detail } : { doc, kind, detail, body: b });
      gone.add(doc);
      res.writeHead(204).end();
    });
    return true;
  });
  await context.exposeBinding('__lbSpy', (_source, doc: string, kind: SpyKind, detail: string, body?: string) => {
    log.push(body == null ? { doc, kind, detail } : { doc, kind, detail, body });
  });
  await context.addInitScript(
    ([endpoint, spyUrl]) => {
      const w = window as any;
      const doc = Math.random().toString(36).slice(2);
      const beacon = Navigator.prototype.sendBeacon;
      let pending: unknown[][] | null = null;
      const report = (kind: string, detail: string, body?: string) => {
        if (pending) pending.push([kind, detail, body]);
        else
          try {
            w.__lbSpy(doc, kind, detail, body);
          } catch {}
      };
      // Capture listeners registered now run before the tracker's.
      addEventListener('pagehide', () => (pending = pending || []), true);
      addEventListener('unload', () => beacon.call(navigator, spyUrl, JSON.stringify({ doc, entries: pending || [] })), true);
      report('doc', location.href);
      const wrap = (proto: any, name: string, fn: (self: any, args: any[]) => void) => {
        const original = proto && proto[name];
        if (typeof original != 'function') return;
        proto[name] = function (this: any, ...args: any[]) {
          fn(this, args);
          return original.apply(this, args);
        };
      };
      // document.cookie: every assignment, whatever the browser then does with it.
      const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
      Object.defineProperty(Document.prototype, 'cookie', {
        configurable: true,
        enumerable: desc.enumerable,
        get() {
          return desc.get!.call(this);
        },
        set(v) {
          report('cookie', String(v));
          desc.set!.call(this, v);
        },
      });
      // Storage: setItem and clear are writes; removeItem is one only when the key exists.
      for (const m of ['setItem', 'removeItem', 'clear'])
        wrap(Storage.prototype, m, (self, args) => {
          const area = self === w.localStorage ? 'localStorage' : 'sessionStorage';
          const detail = `${m}(${args.length ? String(args[0]) : ''})`;
          if (m == 'removeItem' && self.getItem(String(args[0])) === null) report('noop', `${area}.${detail}`);
          else report(area, detail);
        });
      for (const m of ['open', 'deleteDatabase']) wrap(w.IDBFactory && w.IDBFactory.prototype, m, (_s, args) => report('indexedDB', `${m}(${String(args[0])})`));
      for (const m of ['set', 'delete']) wrap(w.CookieStore && w.CookieStore.prototype, m, (_s, args) => report('cookieStore', `${m}(${JSON.stringify(args[0])})`));
      for (const m of ['open', 'delete']) wrap(w.CacheStorage && w.CacheStorage.prototype, m, (_s, args) => report('caches', `${m}(${String(args[0])})`));
      // Sends to the collector (the tracker's transports: fetch while the page lives, beacon when it goes away).
      wrap(w, 'fetch', (_s, [input, init]) => {
        const url = String((input && input.url) || input);
        if (url.startsWith(endpoint)) report('send', 'fetch', String(init && init.body));
      });
      wrap(Navigator.prototype, 'sendBeacon', (_s, [url, data]) => {
        if (String(url).startsWith(endpoint)) report('send', 'beacon', typeof data == 'string' ? data : '');
      });
    },
    [endpoint, `${server.url}/__spy/${token}`] as const,
  );
  return {
    log,
    currentDoc: () => [...log].reverse().find((e) => e.kind == 'doc')?.doc || '',
    settle: async (page) => {
      await page.evaluate(() => 0);
    },
    unloaded: async (doc) => {
      await waitFor(() => gone.has(doc), `unload report of document ${doc}`);
    },
  };
}

/** Makes `navigator.globalPrivacyControl` / `navigator.doNotTrack` report a privacy signal on every page of the context. */
export async function privacySignals(context: BrowserContext, { gpc, dnt }: { gpc?: boolean; dnt?: boolean }): Promise<void> {
  await context.addInitScript(
    ([gpc, dnt]) => {
      if (gpc !== undefined) Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, get: () => gpc });
      if (dnt) Object.defineProperty(Navigator.prototype, 'doNotTrack', { configurable: true, get: () => '1' });
    },
    [gpc, dnt] as const,
  );
}

/** The state of every store the tracker could write, read from the page and the browser's cookie jar. */
export async function storageState(context: BrowserContext, page: Page) {
  const inPage = await page.evaluate(async () => ({
    documentCookie: document.cookie ? document.cookie.split('; ').map((p) => p.slice(0, p.indexOf('='))) : [],
    localStorage: Object.keys(localStorage),
    sessionStorage: Object.keys(sessionStorage),
    indexedDB: (await indexedDB.databases()).map((d) => d.name || ''),
  }));
  const jar = await context.cookies();
  return { ...inPage, jar };
}
