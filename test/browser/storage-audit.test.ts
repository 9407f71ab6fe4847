// Storage audit in real Chromium: every mode (cookies consent/always/never ×
// requireConsent false/true) × every visitor story (no answer, grant, deny,
// grant then withdraw, opt-out, GPC then grant) × reload. After each step it
// reads document.cookie, the browser's cookie jar, localStorage,
// sessionStorage and IndexedDB, and the log of every *attempted* write and
// send (recorded in the page by storage-spy.ts), and asserts exactly what the
// design allows. Observations go to test-results/storage-audit.json, from
// which the README's table is generated.
//
// Each step also tracks a marker event and flushes, so every state is probed
// with something to send. The page is served from www.example.test so the
// cookies' registrable domain (example.test) is real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launchBrowser, startStaticServer, waitFor, type Browser, type StaticServer } from './harness';
import { startCollector, type Collector, type WireEvent } from '../../collector/src/server.mjs';
import { parseCookieWrite, privacySignals, sentEvents, spyOn, storageState, writes } from './storage-spy';

type CookieMode = 'consent' | 'always' | 'never';
type Action = 'load' | 'grant' | 'deny' | 'optOut' | 'reload';
type SendState = 'SEND' | 'HOLD' | 'DROP';

interface Mode {
  cookies: CookieMode;
  requireConsent: boolean;
}
interface Scenario {
  name: string;
  steps: Action[];
  gpc?: boolean;
}

const MODES: Mode[] = (['consent', 'always', 'never'] as const).flatMap((cookies) => [false, true].map((requireConsent) => ({ cookies, requireConsent })));
const SCENARIOS: Scenario[] = [
  { name: 'no answer', steps: ['load', 'reload'] },
  { name: 'grant', steps: ['load', 'grant', 'reload'] },
  { name: 'deny', steps: ['load', 'deny', 'reload'] },
  { name: 'grant, withdraw', steps: ['load', 'grant', 'deny', 'reload'] },
  { name: 'opt-out', steps: ['load', 'optOut', 'reload'] },
  { name: 'GPC, grant', steps: ['load', 'grant', 'reload'], gpc: true },
];

const VISITOR_S = 396 * 86400;
const SESSION_S = 1800;
const OURS = ['_lb_id', '_lb_ses', '_lb_probe', '_lb_optout'];

/** What the page knows (the model of the design, kept independent of src/consent.ts). */
interface Model {
  answer?: 'granted' | 'denied';
  optedOut: boolean;
  /** The opt-out flag cookie exists. */
  flag: boolean;
  gpc: boolean;
  /** Our two cookies exist. */
  cookies: boolean;
  /** Events held in memory (strict mode, no answer yet): 'page' or marker names. */
  held: string[];
}

/** The design's rules: what may be sent and what may be stored in this state. */
function allowed(mode: Mode, m: Model): { send: SendState; store: boolean } {
  const denied = m.answer == 'denied' || m.gpc;
  const granted = m.answer == 'granted' && !denied;
  const send: SendState = m.optedOut ? 'DROP' : !mode.requireConsent || granted ? 'SEND' : denied ? 'DROP' : 'HOLD';
  const store = !m.optedOut && mode.cookies != 'never' && !denied && (granted || (mode.cookies == 'always' && !mode.requireConsent));
  return { send, store };
}

function apply(mode: Mode, m: Model, action: Action): void {
  if (action == 'load' || action == 'reload') {
    // A new page: no answer yet, except the grant our visitor cookie stands for; memory is gone.
    m.answer = mode.cookies != 'never' && m.cookies ? 'granted' : undefined;
    m.optedOut = m.flag;
    m.held = [];
  } else if (action == 'grant') m.answer = 'granted';
  else if (action == 'deny') m.answer = 'denied';
  else m.optedOut = m.flag = true;
}

interface JarCookie {
  name: string;
  domain: string;
  path: string;
  sameSite: string;
  httpOnly: boolean;
  secure: boolean;
  /** Seconds until expiry, rounded to the minute; -1 for a session cookie. */
  lifetimeS: number;
}

interface Row {
  cookies: CookieMode;
  requireConsent: boolean;
  scenario: string;
  step: number;
  action: Action;
  /** The state after the step, and what the design allows in it. */
  state: { answer: string | null; optedOut: boolean; gpc: boolean; send: SendState; store: boolean };
  sent: { requests: number; events: number; withIds: number; types: string[] };
  /** Sent by the previous document while it went away (reload only). */
  sentOnUnload: { events: number; withIds: number; types: string[] };
  /** What the collector accepted of this step's events (filled at the end of the scenario). */
  received: { events: number; withIds: number };
  writes: { cookie: string[]; localStorage: string[]; sessionStorage: string[]; indexedDB: string[]; other: string[] };
  /** removeItem calls on keys that did not exist: no write happened (recorded, not counted as writes). */
  noopRemovals: string[];
  after: { documentCookie: string[]; jar: JarCookie[]; localStorage: string[]; sessionStorage: string[]; indexedDB: string[] };
}

let browser: Browser;
let server: StaticServer;
let collector: Collector;
const rows: Row[] = [];

beforeAll(async () => {
  [browser, server, collector] = await Promise.all([launchBrowser(), startStaticServer(), startCollector()]);
});
afterAll(async () => {
  const order = (r: Row) =>
    MODES.findIndex((m) => m.cookies == r.cookies && m.requireConsent == r.requireConsent) * 1000 + SCENARIOS.findIndex((s) => s.name == r.scenario) * 10 + r.step;
  rows.sort((a, b) => order(a) - order(b));
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'test-results/storage-audit.json'),
    JSON.stringify(
      {
        generated: new Date().toISOString(),
        browser: browser?.version(),
        host: 'www.example.test',
        notes: {
          steps: 'load and reload open the page with no answer given on it; grant/deny call leadbeam("consent", …); optOut calls leadbeam("optOut"). Every step then tracks a marker event and flushes.',
          state: 'send: SEND (sent now), HOLD (kept in memory), DROP (discarded); store: the two cookies may exist. Computed from the design, asserted against what happened.',
          writes: 'every attempted write during the step, recorded in the page: document.cookie assignments, Storage setItem/removeItem/clear, indexedDB.open/deleteDatabase, cookieStore, caches. On reload, what the previous page did on pagehide is included.',
          noopRemovals: 'localStorage.removeItem of a key that did not exist: nothing was written; listed apart.',
          sentOnUnload: 'events the previous page sent while it went away (reload only).',
        },
        rows,
      },
      null,
      1,
    ) + '\n',
  );
  await Promise.all([browser?.close(), server?.close(), collector?.close()]);
});

const hasIds = (e: { vid?: string; sid?: string }) => !!(e.vid || e.sid);
const summary = (events: { type: string; vid?: string; sid?: string }[]) => ({
  events: events.length,
  withIds: events.filter(hasIds).length,
  types: [...new Set(events.map((e) => e.type))],
});

function receivedFor(site: string): WireEvent[] {
  const seen = new Map<string, WireEvent>();
  for (const b of collector.batches) if (b.site == site) for (const e of b.events) seen.set(e.id, e);
  return [...seen.values()];
}

function jarCookie(c: { name: string; domain: string; path: string; sameSite: string; httpOnly: boolean; secure: boolean; expires: number }): JarCookie {
  return {
    name: c.name,
    domain: c.domain,
    path: c.path,
    sameSite: c.sameSite,
    httpOnly: c.httpOnly,
    secure: c.secure,
    lifetimeS: c.expires < 0 ? -1 : Math.round((c.expires - Date.now() / 1000) / 60) * 60,
  };
}

async function runScenario(mode: Mode, sc: Scenario): Promise<void> {
  const site = `AUDIT-${mode.cookies}-${mode.requireConsent ? 'strict' : 'open'}-${sc.name.replace(/\W+/g, '-')}`;
  const path = `/audit/${site}.html`;
  const attrs = `data-site="${site}" data-endpoint="${collector.url}" data-cookies="${mode.cookies}" data-require-consent="${mode.requireConsent}"`;
  server.page(path, `<!doctype html><html><head><meta charset="utf-8"><title>Audit</title><script src="/dist/leadbeam.js" ${attrs}></script></head><body><h1>Audit</h1></body></html>`);
  const url = server.hostUrl('www.example.test') + path;

  const context = await browser.newContext();
  try {
    const spy = await spyOn(context, collector.url, server);
    if (sc.gpc) await privacySignals(context, { gpc: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const m: Model = { optedOut: false, flag: false, gpc: !!sc.gpc, cookies: false, held: [] };
    const scenarioRows: [Row, string[]][] = [];

    for (const [step, action] of sc.steps.entries()) {
      const label = `cookies=${mode.cookies} requireConsent=${mode.requireConsent} / ${sc.name} / step ${step} (${action})`;
      const before = { ...allowed(mode, m), cookies: m.cookies };
      const from = spy.log.length;
      const previousDoc = spy.currentDoc();
      const tAction = Date.now();

      if (action == 'load') await page.goto(url);
      else if (action == 'reload') await page.reload();
      apply(mode, m, action);
      const marker = `m${step}_${action}`;
      // The action (if any), then a marker event, flushed: every state is probed with something to send.
      await page.evaluate(
        ([a, name]) => {
          const lb = (window as any).leadbeam;
          if (a == 'optOut') lb('optOut');
          else if (a == 'grant' || a == 'deny') lb('consent', a == 'grant' ? 'granted' : 'denied');
          lb('track', name);
          lb('flush');
        },
        [action, marker],
      );

      const after = allowed(mode, m);
      const produced = action == 'load' || action == 'reload' ? ['page', marker] : [marker];
      let arriving: string[] = [];
      if (after.send == 'SEND') {
        arriving = [...m.held, ...produced];
        m.held = [];
      } else if (after.send == 'HOLD') m.held.push(...produced);
      else m.held = [];
      const hadCookies = m.cookies;
      m.cookies = after.store;

      // Wait for what must arrive (markers, and the page view that shares their pv); nothing else is awaited.
      const markers = arriving.filter((a) => a != 'page');
      if (arriving.length)
        await waitFor(() => {
          const got = receivedFor(site);
          const mine = got.filter((e) => e.type == 'event' && markers.includes(e.name!));
          return mine.length == markers.length && (!arriving.includes('page') || got.some((e) => e.type == 'page' && mine.some((x) => x.pv == e.pv)));
        }, `${label}: ${arriving.join(', ')}`);
      // Reading the page's storage is also the barrier after which every report of the live page has arrived.
      const state = await storageState(context, page);
      if (action == 'reload') await spy.unloaded(previousDoc);

      // What the previous document did while it went away (reload), and what this one did.
      const entries = spy.log.slice(from);
      const oldDoc = action == 'reload' ? entries.filter((e) => e.doc == previousDoc) : [];
      const newDoc = entries.filter((e) => !oldDoc.includes(e));
      const sent = sentEvents(newDoc);
      const sentOnUnload = sentEvents(oldDoc);
      const w = (kind: Parameters<typeof writes>[1]) => writes(entries, kind).map((e) => e.detail);
      const row: Row = {
        cookies: mode.cookies,
        requireConsent: mode.requireConsent,
        scenario: sc.name,
        step,
        action,
        state: { answer: m.answer ?? null, optedOut: m.optedOut, gpc: m.gpc, ...after },
        sent: { requests: newDoc.filter((e) => e.kind == 'send').length, ...summary(sent) },
        sentOnUnload: summary(sentOnUnload),
        received: { events: 0, withIds: 0 },
        writes: {
          cookie: w('cookie'),
          localStorage: w('localStorage'),
          sessionStorage: w('sessionStorage'),
          indexedDB: w('indexedDB'),
          other: [...w('cookieStore'), ...w('caches')],
        },
        noopRemovals: w('noop'),
        after: { ...state, jar: state.jar.map(jarCookie) },
      };
      rows.push(row);
      scenarioRows.push([row, [...sent, ...sentOnUnload].map((e) => e.id)]);

      // ---- what was sent ----
      if (after.send != 'SEND') expect(sent, `${label}: nothing may be sent`).toEqual([]);
      for (const e of sent) {
        expect(hasIds(e), `${label}: ${e.type} ${e.name ?? ''} carries ids only while the cookies may exist`).toBe(after.store);
        if (after.store) {
          expect(e.vid, label).toBe(state.jar.find((c) => c.name == '_lb_id')?.value);
          expect(e.sid, label).toBe(state.jar.find((c) => c.name == '_lb_ses')?.value);
        }
      }
      if (action == 'reload') {
        if (before.send != 'SEND') expect(sentOnUnload, `${label}: the previous page may send nothing on unload`).toEqual([]);
        for (const e of sentOnUnload) expect(hasIds(e), `${label}: unload ${e.type}`).toBe(before.store);
      }
      for (const name of markers) expect(sent.filter((e) => e.name == name).length, `${label}: ${name} sent once`).toBe(1);
      if (arriving.includes('page')) {
        const pv = sent.find((e) => e.name == marker)!.pv;
        const views = sent.filter((e) => e.type == 'page');
        expect(views.map((e) => e.pv), `${label}: the page view, sent once, with the pv of the page's events`).toEqual([pv]);
        // Held events keep their original time.
        if (action != 'load' && action != 'reload') expect(views[0].ts, `${label}: original ts`).toBeLessThanOrEqual(tAction);
      }
      const consentEvents = sent.filter((e) => e.type == 'consent');
      const tiesPv = action == 'grant' && before.send == 'SEND' && !before.store && after.store;
      expect(consentEvents.length, `${label}: consent event iff a cookieless page view is tied to new ids`).toBe(tiesPv ? 1 : 0);
      if (tiesPv) expect(consentEvents[0]).toMatchObject({ state: 'granted', pv: sent.find((e) => e.name == marker)!.pv });

      // ---- what is stored now ----
      const expectNames = [...(after.store ? ['_lb_id', '_lb_ses'] : []), ...(m.flag ? ['_lb_optout'] : [])].sort();
      expect(state.jar.map((c) => c.name).sort(), `${label}: cookie jar`).toEqual(expectNames);
      expect([...state.documentCookie].sort(), `${label}: document.cookie`).toEqual(expectNames);
      for (const c of state.jar) {
        expect({ domain: c.domain, path: c.path, sameSite: c.sameSite, httpOnly: c.httpOnly, secure: c.secure }, `${label}: ${c.name} attributes`).toEqual({
          domain: '.example.test',
          path: '/',
          sameSite: 'Lax',
          httpOnly: false,
          secure: false,
        });
        const life = c.expires - Date.now() / 1000;
        expect(Math.abs(life - (c.name == '_lb_ses' ? SESSION_S : VISITOR_S)), `${label}: ${c.name} lifetime ${life}`).toBeLessThan(120);
      }
      expect(state.localStorage, `${label}: localStorage`).toEqual([]);
      expect(state.sessionStorage, `${label}: sessionStorage`).toEqual([]);
      expect(state.indexedDB, `${label}: IndexedDB`).toEqual([]);

      // ---- what was attempted (zero writes means zero attempts) ----
      expect(row.writes.sessionStorage, `${label}: sessionStorage writes`).toEqual([]);
      expect(row.writes.indexedDB, `${label}: IndexedDB writes`).toEqual([]);
      expect(row.writes.other, `${label}: other storage writes`).toEqual([]);
      for (const [part, ok] of [
        [oldDoc, before.store],
        [newDoc, before.store || after.store],
      ] as const)
        for (const d of writes(part, 'localStorage').map((e) => e.detail)) {
          expect(d, label).toMatch(/^(setItem|removeItem)\(_lb_q\)$/);
          expect(ok, `${label}: localStorage ${d} while storage is not allowed`).toBe(true);
        }
      expect(writes(oldDoc, 'cookie'), `${label}: no cookie write on unload`).toEqual([]);
      for (const raw of writes(newDoc, 'cookie').map((e) => e.detail)) {
        const { name, attrs } = parseCookieWrite(raw);
        const maxAge = Number(attrs['max-age']);
        expect(OURS, `${label}: only our cookies: ${raw}`).toContain(name);
        if ((name == '_lb_id' || name == '_lb_ses') && maxAge > 0) {
          expect(after.store, `${label}: ${raw} set while not allowed`).toBe(true);
          expect(attrs, label).toMatchObject({ path: '/', samesite: 'lax', domain: 'example.test', 'max-age': String(name == '_lb_id' ? VISITOR_S : SESSION_S) });
        } else if (name == '_lb_id' || name == '_lb_ses') expect(hadCookies && !after.store, `${label}: ${raw} deletes only what exists`).toBe(true);
        else if (name == '_lb_probe') expect(after.store, `${label}: probe ${raw} only where cookies are allowed`).toBe(true);
        else expect(action, `${label}: ${raw}`).toBe('optOut');
      }
      if (!before.store && !after.store && !hadCookies && action != 'optOut')
        expect(row.writes, `${label}: zero attempted writes`).toEqual({ cookie: [], localStorage: [], sessionStorage: [], indexedDB: [], other: [] });
      // Opting out where no cookie of ours existed writes the flag alone (no probe: the flag is its own).
      if (action == 'optOut' && !hadCookies)
        expect({ ...row.writes, cookie: row.writes.cookie.map((raw) => parseCookieWrite(raw).name) }, `${label}: only the opt-out flag`).toEqual({
          cookie: ['_lb_optout'],
          localStorage: [],
          sessionStorage: [],
          indexedDB: [],
          other: [],
        });
      if (mode.cookies == 'never' && action != 'optOut') expect(row.writes, `${label}: cookieless mode writes nothing`).toEqual({ cookie: [], localStorage: [], sessionStorage: [], indexedDB: [], other: [] });
    }

    // ---- what the collector received: exactly what the page sent, no more ----
    const sentIds = new Set(scenarioRows.flatMap(([, ids]) => ids));
    await waitFor(() => receivedFor(site).length >= sentIds.size, `${site}: every sent event received`);
    const got = receivedFor(site);
    expect(got.map((e) => e.id).sort(), `${site}: the collector received exactly what the page sent`).toEqual([...sentIds].sort());
    for (const [row, ids] of scenarioRows) {
      const mine = got.filter((e) => ids.includes(e.id));
      row.received = { events: mine.length, withIds: mine.filter(hasIds).length };
    }
    expect(errors, `${site}: page errors`).toEqual([]);
  } finally {
    await context.close();
  }
}

describe('storage audit', () => {
  it.each(MODES.map((m) => [`cookies=${m.cookies} requireConsent=${m.requireConsent}`, m] as const))('%s', async (_, mode) => {
    await Promise.all(SCENARIOS.map((sc) => runScenario(mode, sc)));
  });
});
