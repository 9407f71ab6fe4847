// The cookie module (src/cookies.ts) against a fake document.cookie that
// behaves like a browser's cookie jar: Domain matching, public suffixes
// refused, host-only vs domain cookies, Secure only on https, Max-Age=0 deletes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { candidates, createCookies, read } from '../../src/cookies';

const PUBLIC_SUFFIXES = new Set(['test', 'com', 'uk', 'co.uk', 'de', 'nl', 'github.io']);

interface Stored {
  name: string;
  value: string;
  /** The host for a host-only cookie, else the Domain attribute without its dot. */
  domain: string;
  hostOnly: boolean;
  path: string;
  maxAge: number;
  sameSite?: string;
  secure: boolean;
  created: number;
}

interface Write {
  raw: string;
  name: string;
  value: string;
  attrs: Record<string, string>;
  accepted: boolean;
}

class FakeJar {
  cookies = new Map<string, Stored>();
  writes: Write[] = [];
  private seq = 0;
  constructor(
    public host: string,
    public https: boolean,
  ) {}

  set(raw: string): void {
    const [pair, ...rest] = raw.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const attrs: Record<string, string> = {};
    for (const a of rest) {
      const i = a.indexOf('=');
      attrs[(i < 0 ? a : a.slice(0, i)).trim().toLowerCase()] = i < 0 ? '' : a.slice(i + 1).trim();
    }
    const write: Write = { raw, name, value, attrs, accepted: false };
    this.writes.push(write);
    const secure = 'secure' in attrs;
    if (secure && !this.https) return;
    let hostOnly = true;
    let domain = this.host;
    if (attrs.domain) {
      const d = attrs.domain.replace(/^\./, '').toLowerCase();
      if (this.host != d && !this.host.endsWith('.' + d)) return; // not a parent: refused
      if (PUBLIC_SUFFIXES.has(d)) {
        if (d != this.host) return; // a public suffix: refused
      } else {
        hostOnly = false;
        domain = d;
      }
    }
    const path = attrs.path || '/';
    const key = `${name}|${domain}|${hostOnly}|${path}`;
    write.accepted = true;
    const maxAge = 'max-age' in attrs ? Number(attrs['max-age']) : Infinity;
    if (maxAge <= 0) return void this.cookies.delete(key);
    const old = this.cookies.get(key);
    this.cookies.set(key, { name, value, domain, hostOnly, path, maxAge, sameSite: attrs.samesite, secure, created: old ? old.created : this.seq++ });
  }

  visible(path = '/'): Stored[] {
    return [...this.cookies.values()]
      .filter((c) => (c.hostOnly ? c.domain == this.host : this.host == c.domain || this.host.endsWith('.' + c.domain)))
      .filter((c) => path.startsWith(c.path))
      .filter((c) => !c.secure || this.https)
      .sort((a, b) => b.path.length - a.path.length || a.created - b.created);
  }

  get(): string {
    return this.visible()
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Adds a cookie directly (as another script or an older version could have set it). */
  plant(c: Partial<Stored> & { name: string; value: string }): void {
    const s: Stored = { domain: this.host, hostOnly: true, path: '/', maxAge: 1000, secure: false, created: this.seq++, ...c };
    this.cookies.set(`${s.name}|${s.domain}|${s.hostOnly}|${s.path}`, s);
  }

  named(name: string): Stored[] {
    return [...this.cookies.values()].filter((c) => c.name == name);
  }
}

let jar: FakeJar;

function install(url: string, j?: FakeJar): FakeJar {
  (window as any).happyDOM.setURL(url);
  const u = new URL(url);
  jar = j || new FakeJar(u.hostname, u.protocol == 'https:');
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => jar.get(),
    set: (v: string) => jar.set(String(v)),
  });
  return jar;
}

let now = 1_700_000_000_000;
beforeEach(() => {
  now = 1_700_000_000_000;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => {
  vi.restoreAllMocks();
  delete (document as any).cookie;
});

const ID = /^[A-Za-z0-9_-]{22}$/;
const SID = /^[A-Za-z0-9_-]{16}$/;

describe('read()', () => {
  it('finds a cookie among others, also ones whose names share a prefix', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: 'x_lb_id', value: 'A'.repeat(22) });
    jar.plant({ name: '_lb_id_old', value: 'B'.repeat(22) });
    jar.plant({ name: '_lb_id', value: 'C'.repeat(22) });
    jar.plant({ name: 'other', value: 'a=b; c' });
    expect(read('_lb_id', 22)).toBe('C'.repeat(22));
    expect(read('_lb_ses', 16)).toBeUndefined();
  });

  it('malformed or foreign values read as missing: wrong length, wrong alphabet, empty', () => {
    install('https://www.example.co.uk/');
    for (const bad of ['', 'A'.repeat(21), 'A'.repeat(23), 'A'.repeat(21) + '.', 'A'.repeat(21) + '=', 'A'.repeat(20) + '%20', 'ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ', '"' + 'A'.repeat(20) + '"']) {
      jar.cookies.clear();
      jar.plant({ name: '_lb_id', value: bad });
      expect(read('_lb_id', 22), JSON.stringify(bad)).toBeUndefined();
      expect(createCookies('_lb', '').exists()).toBe(false);
    }
  });

  it('skips a malformed copy to the first valid one (another path or domain can hold a foreign value)', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: '_lb_id', value: 'garbage' });
    jar.plant({ name: '_lb_id', value: 'D'.repeat(22), domain: 'example.co.uk', hostOnly: false });
    expect(document.cookie.startsWith('_lb_id=garbage')).toBe(true);
    expect(read('_lb_id', 22)).toBe('D'.repeat(22));
  });
});

describe('candidates()', () => {
  it('lists parent domains shortest first, without the top-level label', () => {
    expect(candidates('a.b.example.com')).toEqual(['example.com', 'b.example.com', 'a.b.example.com']);
    expect(candidates('www.example.co.uk')).toEqual(['co.uk', 'example.co.uk', 'www.example.co.uk']);
    expect(candidates('example.test')).toEqual(['example.test']);
  });
  it('IP addresses and single-label hosts get host-only cookies', () => {
    expect(candidates('localhost')).toEqual([]);
    expect(candidates('127.0.0.1')).toEqual([]);
    expect(candidates('[::1]')).toEqual([]);
    expect(candidates('[2001:db8::abcd]')).toEqual([]);
  });
});

describe('ensure(): the two cookies', () => {
  it('probes for the registrable domain (public suffix refused) and sets both cookies there with every attribute', () => {
    install('https://www.example.co.uk/pricing');
    const ids = createCookies('_lb', '').ensure();
    expect(ids.vid).toMatch(ID);
    expect(ids.sid).toMatch(SID);
    const [vid] = jar.named('_lb_id');
    const [sid] = jar.named('_lb_ses');
    expect(vid).toMatchObject({ value: ids.vid, domain: 'example.co.uk', hostOnly: false, path: '/', maxAge: 396 * 86400, sameSite: 'lax', secure: true });
    expect(sid).toMatchObject({ value: ids.sid, domain: 'example.co.uk', hostOnly: false, path: '/', maxAge: 1800, sameSite: 'lax', secure: true });
    expect(jar.named('_lb_probe')).toEqual([]);
    // The probe tried co.uk (refused), then example.co.uk (accepted), then removed itself.
    const probes = jar.writes.filter((w) => w.name == '_lb_probe');
    expect(probes.map((w) => [w.attrs.domain, w.accepted, w.attrs['max-age']])).toEqual([
      ['co.uk', false, '10'],
      ['example.co.uk', true, '10'],
      ['example.co.uk', true, '0'],
    ]);
    // 13 months ≥ 395 days, and the visitor id carries ≥ 128 random bits (22 × 6 = 132).
    expect(vid.maxAge).toBeGreaterThanOrEqual(395 * 86400);
  });

  it('no Secure attribute on http; the domain of a two-label host is the host itself', () => {
    install('http://example.test/');
    createCookies('_lb', '').ensure();
    expect(jar.named('_lb_id')[0]).toMatchObject({ domain: 'example.test', hostOnly: false, secure: false });
    expect(jar.writes.every((w) => !('secure' in w.attrs))).toBe(true);
  });

  it('www. and shop. share the ids (they read the registrable-domain cookies)', () => {
    const www = install('https://www.example.test/');
    const ids = createCookies('_lb', '').ensure();
    const shop = new FakeJar('shop.example.test', true);
    shop.cookies = www.cookies;
    install('https://shop.example.test/', shop);
    const again = createCookies('_lb', '').ensure();
    expect(again).toEqual(ids);
  });

  it('localhost and IP hosts: host-only cookies, no probe', () => {
    for (const url of ['http://localhost:8080/', 'http://127.0.0.1:3000/']) {
      install(url);
      const ids = createCookies('_lb', '').ensure();
      expect(ids.vid).toMatch(ID);
      expect(jar.writes.map((w) => w.name)).toEqual(['_lb_id', '_lb_ses']);
      expect(jar.writes.every((w) => !('domain' in w.attrs))).toBe(true);
    }
  });

  it('cookieDomain overrides the probe', () => {
    install('https://www.example.co.uk/');
    createCookies('_lb', 'www.example.co.uk').ensure();
    expect(jar.writes.map((w) => [w.name, w.attrs.domain])).toEqual([
      ['_lb_id', 'www.example.co.uk'],
      ['_lb_ses', 'www.example.co.uk'],
    ]);
  });

  it('the prefix is configurable', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('acme', '');
    c.ensure();
    c.setOptOut(true);
    expect([...jar.cookies.values()].map((s) => s.name).sort()).toEqual(['acme_id', 'acme_optout', 'acme_ses']);
    expect(jar.writes.some((w) => w.name == 'acme_probe')).toBe(true);
    expect(jar.writes.some((w) => w.name.startsWith('_lb'))).toBe(false);
  });

  it('ids are stable; the cookies are rewritten at most once a minute (rolling session, renewed visitor)', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    const first = c.ensure();
    const writes = jar.writes.length;
    now += 30_000;
    expect(c.ensure()).toEqual(first);
    expect(jar.writes.length).toBe(writes); // no write within the minute
    now += 31_000;
    expect(c.ensure()).toEqual(first);
    const renewed = jar.writes.slice(writes);
    expect(renewed.map((w) => [w.name, w.value, w.attrs['max-age']])).toEqual([
      ['_lb_id', first.vid, '34214400'],
      ['_lb_ses', first.sid, '1800'],
    ]);
    // The domain is probed once per page.
    expect(renewed.some((w) => w.name == '_lb_probe')).toBe(false);
  });

  it('a new page renews both cookies on its first event (renewed on visit)', () => {
    install('https://www.example.co.uk/');
    const first = createCookies('_lb', '').ensure();
    const writes = jar.writes.length;
    now += 5_000;
    expect(createCookies('_lb', '').ensure()).toEqual(first);
    expect(jar.writes.slice(writes).filter((w) => w.name != '_lb_probe').map((w) => w.name)).toEqual(['_lb_id', '_lb_ses']);
  });

  it('an expired session gets a new session id and keeps the visitor id', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    const first = c.ensure();
    for (const [k, v] of jar.cookies) if (v.name == '_lb_ses') jar.cookies.delete(k); // 30 minutes passed
    now += 1000;
    const next = c.ensure();
    expect(next.vid).toBe(first.vid);
    expect(next.sid).toMatch(SID);
    expect(next.sid).not.toBe(first.sid);
  });

  it('malformed or foreign values are replaced, never trusted', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: '_lb_id', value: 'not-an-id!', domain: 'example.co.uk', hostOnly: false });
    jar.plant({ name: '_lb_ses', value: 'x'.repeat(40), domain: 'example.co.uk', hostOnly: false });
    const c = createCookies('_lb', '');
    expect(c.exists()).toBe(false);
    const ids = c.ensure();
    expect(ids.vid).toMatch(ID);
    expect(ids.sid).toMatch(SID);
    // Same domain and path: the foreign values were overwritten.
    expect(jar.named('_lb_id').map((s) => s.value)).toEqual([ids.vid]);
    expect(jar.named('_lb_ses').map((s) => s.value)).toEqual([ids.sid]);
    expect(c.exists()).toBe(true);
  });

  it('a malformed copy that cannot be overwritten (host-only, older, listed first) does not make the ids unstable', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: '_lb_id', value: 'garbage' });
    jar.plant({ name: '_lb_ses', value: '%%%' });
    const c = createCookies('_lb', '');
    const first = c.ensure();
    expect(first.vid).toMatch(ID);
    now += 120_000;
    expect(c.ensure()).toEqual(first);
    expect(createCookies('_lb', '').ensure()).toEqual(first);
  });

  it('when the browser refuses cookies, no ids are reported (ids only while the cookies exist)', () => {
    install('https://www.example.co.uk/');
    Object.defineProperty(document, 'cookie', { configurable: true, get: () => '', set: () => {} });
    const c = createCookies('_lb', '');
    expect(c.ensure()).toEqual({ vid: undefined, sid: undefined });
    expect(JSON.stringify({ type: 'page', ...c.ensure() })).toBe('{"type":"page"}');
  });

  it('a sandboxed document that throws on cookie access never throws out of the module', () => {
    install('https://www.example.co.uk/');
    const boom = () => {
      throw new DOMException('The document is sandboxed', 'SecurityError');
    };
    Object.defineProperty(document, 'cookie', { configurable: true, get: boom, set: boom });
    const c = createCookies('_lb', '');
    expect(c.ensure()).toEqual({ vid: undefined, sid: undefined });
    expect(c.exists()).toBe(false);
    expect(c.optedOut()).toBe(false);
    expect(() => (c.clear(), c.setOptOut(true), c.setOptOut(false))).not.toThrow();
  });
});

describe('clear(): withdrawal', () => {
  it('deletes both cookies at once, on every domain they could have been set on', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    c.ensure();
    // An older copy host-only (e.g. set before the domain was probed) goes too.
    jar.plant({ name: '_lb_id', value: 'E'.repeat(22) });
    const before = jar.writes.length;
    c.clear();
    expect(jar.named('_lb_id')).toEqual([]);
    expect(jar.named('_lb_ses')).toEqual([]);
    const deletions = jar.writes.slice(before);
    expect(deletions.every((w) => w.attrs['max-age'] == '0' && w.attrs.path == '/')).toBe(true);
    expect(deletions.map((w) => `${w.name}@${w.attrs.domain ?? ''}`).sort()).toEqual(
      ['', 'co.uk', 'example.co.uk', 'www.example.co.uk'].flatMap((d) => [`_lb_id@${d}`, `_lb_ses@${d}`]).sort(),
    );
    expect(document.cookie).toBe('');
  });

  it('writes nothing when there is nothing to delete (cookieless pages stay write-free)', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: 'site_cookie', value: '1' });
    createCookies('_lb', '').clear();
    expect(jar.writes).toEqual([]);
  });

  it('with cookieDomain: deletes host-only and on that domain', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', 'example.co.uk');
    c.ensure();
    const before = jar.writes.length;
    c.clear();
    expect(jar.writes.slice(before).map((w) => `${w.name}@${w.attrs.domain ?? ''}`)).toEqual(['_lb_id@', '_lb_ses@', '_lb_id@example.co.uk', '_lb_ses@example.co.uk']);
    expect(jar.cookies.size).toBe(0);
  });

  it('after clear(), ensure() starts a new visitor', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    const first = c.ensure();
    c.clear();
    const next = c.ensure();
    expect(next.vid).toMatch(ID);
    expect(next.vid).not.toBe(first.vid);
  });

  it('leaves the opt-out flag and the site’s own cookies alone', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: 'site_cookie', value: '1' });
    const c = createCookies('_lb', '');
    c.setOptOut(true);
    c.ensure();
    c.clear();
    expect([...jar.cookies.values()].map((s) => s.name).sort()).toEqual(['_lb_optout', 'site_cookie']);
  });
});

describe('a visitor cookie deleted outside this tab (withdrawn in another tab)', () => {
  const deleteOutside = () => {
    for (const [k, v] of jar.cookies) if (v.name == '_lb_id' || v.name == '_lb_ses') jar.cookies.delete(k);
  };

  it('lost() says so (the tracker checks it before every ensure(), and then never calls ensure())', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    expect(c.ensure().vid).toMatch(ID);
    expect(c.lost()).toBe(false);
    deleteOutside();
    expect(c.lost()).toBe(true);
    expect(c.lost()).toBe(true); // until this tab clears or a fresh grant writes again
    c.clear();
    expect(c.lost()).toBe(false);
  });

  it('a visitor cookie seen at load (the remembered grant) counts the same', () => {
    install('https://www.example.co.uk/');
    createCookies('_lb', '').ensure(); // an earlier page
    const c = createCookies('_lb', '');
    expect(c.exists()).toBe(true);
    deleteOutside();
    expect(c.lost()).toBe(true);
  });

  it('an expired session cookie is no withdrawal: a new session, same visitor', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    const first = c.ensure();
    for (const [k, v] of jar.cookies) if (v.name == '_lb_ses') jar.cookies.delete(k); // 30 minutes idle
    expect(c.lost()).toBe(false);
    const next = c.ensure();
    expect(next.vid).toBe(first.vid);
    expect(next.sid).toMatch(SID);
  });

  it("this tab's own withdrawal is no loss: after clear() a fresh grant writes a new visitor", () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    const first = c.ensure();
    c.clear();
    expect(c.lost()).toBe(false);
    expect(c.ensure().vid).not.toBe(first.vid);
  });

  it('a cookie this tab never saw is never lost (a cookieless page)', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    expect(c.exists()).toBe(false);
    expect(c.lost()).toBe(false);
  });
});

describe('opt-out flag', () => {
  it('setOptOut(true) stores only the flag, on the registrable domain, for 13 months; setOptOut(false) removes it', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    expect(c.optedOut()).toBe(false);
    c.setOptOut(true);
    expect(jar.named('_lb_optout')).toMatchObject([{ value: '1', domain: 'example.co.uk', maxAge: 34214400, path: '/', sameSite: 'lax' }]);
    expect([...jar.cookies.values()].map((s) => s.name)).toEqual(['_lb_optout']);
    expect(createCookies('_lb', '').optedOut()).toBe(true);
    createCookies('_lb', '').setOptOut(false);
    expect(jar.cookies.size).toBe(0);
    expect(c.optedOut()).toBe(false);
  });

  it('on a cookieless page (no domain probed yet) only the flag is ever written: it is its own probe', () => {
    install('https://www.example.co.uk/');
    const c = createCookies('_lb', '');
    c.setOptOut(true);
    // co.uk refused the flag, example.co.uk kept it: no probe cookie.
    expect(jar.writes.map((w) => [w.name, w.attrs.domain, w.accepted])).toEqual([
      ['_lb_optout', 'co.uk', false],
      ['_lb_optout', 'example.co.uk', true],
    ]);
    c.setOptOut(true);
    expect(jar.writes.length).toBe(2); // already opted out: nothing more written
    c.setOptOut(false);
    expect(jar.writes.slice(2).every((w) => w.name == '_lb_optout' && w.attrs['max-age'] == '0')).toBe(true);
    expect(jar.cookies.size).toBe(0);
    // Later writes use the domain the flag found: no probe either.
    c.ensure();
    expect(jar.writes.some((w) => w.name == '_lb_probe')).toBe(false);
    expect(jar.named('_lb_id')[0].domain).toBe('example.co.uk');
  });

  it('opting in on a cookieless page writes only deletions of the flag, and nothing without a flag', () => {
    install('https://www.example.co.uk/');
    createCookies('_lb', '').setOptOut(false);
    expect(jar.writes).toEqual([]);
    jar.plant({ name: '_lb_optout', value: '1', domain: 'example.co.uk', hostOnly: false });
    createCookies('_lb', '').setOptOut(false);
    expect(jar.writes.map((w) => w.name + '=' + w.attrs['max-age'])).toEqual(Array(jar.writes.length).fill('_lb_optout=0'));
    expect(jar.cookies.size).toBe(0);
  });

  it('on a host where no parent domain takes it, the flag is host-only', () => {
    install('http://localhost:8080/');
    createCookies('_lb', '').setOptOut(true);
    expect(jar.writes.map((w) => [w.name, w.attrs.domain])).toEqual([['_lb_optout', undefined]]);
    expect(jar.named('_lb_optout')).toMatchObject([{ hostOnly: true }]);
  });
});

describe('renewVisitorId: false keeps the first expiry of the visitor cookie', () => {
  const DAY = 86_400;
  const idWrites = () => jar.writes.filter((w) => w.name == '_lb_id');

  it('a later visit rewrites the visitor cookie with what is left of the first 13 months, never more', () => {
    install('https://www.example.co.uk/');
    const first = createCookies('_lb', '', false).ensure();
    expect(first.vid).toMatch(ID); // the wire gets the plain id, never the expiry
    const end = Math.round(now / 1000) + 34_214_400;
    expect(idWrites().map((w) => [w.value, w.attrs['max-age']])).toEqual([[first.vid + '.' + end.toString(36), '34214400']]);
    now += 30 * DAY * 1000; // a visit a month later
    const writes = jar.writes.length;
    expect(createCookies('_lb', '', false).ensure()).toMatchObject({ vid: first.vid });
    expect(jar.writes.slice(writes).filter((w) => w.name == '_lb_id').map((w) => [w.value, w.attrs['max-age']])).toEqual([
      [first.vid + '.' + end.toString(36), String(34_214_400 - 30 * DAY)],
    ]);
  });

  it('the default renews the full 13 months on each visit and writes the plain id', () => {
    install('https://www.example.co.uk/');
    const first = createCookies('_lb', '').ensure();
    now += 30 * DAY * 1000;
    createCookies('_lb', '').ensure();
    expect(idWrites().map((w) => [w.value, w.attrs['max-age']])).toEqual([
      [first.vid, '34214400'],
      [first.vid, '34214400'],
    ]);
  });

  it('a plain id of an earlier version is kept and gets its expiry from now; switching back to renewing keeps the id', () => {
    install('https://www.example.co.uk/');
    jar.plant({ name: '_lb_id', value: 'E'.repeat(22), domain: 'example.co.uk', hostOnly: false });
    expect(createCookies('_lb', '', false).ensure().vid).toBe('E'.repeat(22));
    expect(jar.named('_lb_id').map((c) => c.value)).toEqual(['E'.repeat(22) + '.' + (Math.round(now / 1000) + 34_214_400).toString(36)]);
    now += 61_000;
    expect(createCookies('_lb', '').ensure().vid).toBe('E'.repeat(22));
    expect(jar.named('_lb_id').map((c) => [c.value, c.maxAge])).toEqual([['E'.repeat(22), 34_214_400]]);
  });

  it('read() accepts only an id plus one lower-case base36 suffix', () => {
    install('https://www.example.co.uk/');
    for (const bad of ['A'.repeat(22) + '.', 'A'.repeat(22) + '.x.y', 'A'.repeat(22) + '.ABC', 'A'.repeat(22) + 'x', 'A'.repeat(22) + '.' + '1'.repeat(10)]) {
      jar.cookies.clear();
      jar.plant({ name: '_lb_id', value: bad });
      expect(read('_lb_id', 22), bad).toBeUndefined();
    }
    jar.plant({ name: '_lb_id', value: 'A'.repeat(22) + '.smw0zk' });
    expect(read('_lb_id', 22)).toBe('A'.repeat(22) + '.smw0zk');
    expect(createCookies('_lb', '').exists()).toBe(true);
  });
});
