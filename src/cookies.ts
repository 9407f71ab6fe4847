// The two first-party cookies: <prefix>_id (visitor, 13 months, renewed on
// visit unless renewVisitorId is false) and <prefix>_ses (session, 30 minutes of inactivity, rolling), on the
// registrable domain found by probing; plus the opt-out flag, written only
// when the visitor opts out (and then its own probe). Only called once a document exists.
import { doc, win } from './env';
import { isId, randomId } from './ids';

const VISITOR_AGE = 34_214_400; // 396 days ≈ 13 months, in seconds
const SESSION_AGE = 1800; // 30 minutes
/** Rewrite the rolling cookies at most this often (ms), not on every event. */
const RENEW_MS = 60_000;

/** Visitor and session id; both missing when the browser refuses the cookies (ids only while the cookies are active). */
export interface Ids {
  vid?: string;
  sid?: string;
}

export interface Cookies {
  /**
   * The ids, creating or renewing both cookies. Only call when storing is allowed,
   * and right after lost() said no (in the same task): a visitor cookie deleted
   * outside this tab must never be recreated here.
   */
  ensure(): Ids;
  /** True if a valid visitor cookie exists (a grant remembered from an earlier page). */
  exists(): boolean;
  /** True if the visitor cookie this tab set or saw has gone since (deleted outside this tab). */
  lost(): boolean;
  /** Deletes both cookies at once, on every domain they could have been set on. */
  clear(): void;
  /** The `_optout` flag says opted out: '1', or any value but 'd' (a foreign flag errs on the side of privacy). */
  optedOut(): boolean;
  setOptOut(on: boolean): void;
  /** The flag says forgotten ('d', written by forget()): consent counts as denied until a fresh grant. */
  forgotten(): boolean;
  /** Marks the visitor as forgotten, or (off) removes that mark; an opt-out flag is never touched. */
  setForgotten(on: boolean): void;
  /** The visitor id in the cookie, if valid (read only: nothing is written). */
  vid(): string | undefined;
}

/**
 * The first value of the cookie that is a base64url id of `length` characters,
 * optionally followed by `.<base36>` (the visitor cookie's first expiry, kept
 * with `renewVisitorId: false`; plain ids of older versions stay valid).
 * Malformed or foreign values (also copies on another path or domain) are
 * never trusted: they read as missing, and ensure() writes a fresh id over them.
 */
export function read(name: string, length: number): string | undefined {
  try {
    for (const pair of doc!.cookie.split('; ')) {
      const value = pair.slice(name.length + 1);
      if (pair == name + '=' + value && isId(value.slice(0, length), length) && /^(\.[a-z\d]{1,9})?$/.test(value.slice(length))) return value;
    }
  } catch {
    // A sandboxed document throws on cookie access: no cookie.
  }
}

function write(name: string, value: string, maxAge: number, domain: string): void {
  try {
    doc!.cookie =
      name + '=' + value + ';path=/;max-age=' + maxAge + ';samesite=lax' +
      (domain ? ';domain=' + domain : '') +
      (win!.location.protocol == 'https:' ? ';secure' : '');
  } catch {
    // Sandboxed: nothing is stored.
  }
}

/** Parent domains of the host, shortest first: a.b.example.com → example.com, b.example.com, a.b.example.com. */
export function candidates(host: string): string[] {
  // IP addresses and single-label hosts (localhost) take host-only cookies.
  if (!/[a-z]/i.test(host.replace(/^\[.*\]$/, '')) || host.indexOf('.') < 0) return [];
  const labels = host.split('.');
  const out: string[] = [];
  for (let i = labels.length - 2; i >= 0; i--) out.push(labels.slice(i).join('.'));
  return out;
}

export function createCookies(prefix: string, fixedDomain: string, renew = true): Cookies {
  const ID = prefix + '_id';
  const SES = prefix + '_ses';
  const OUT = prefix + '_optout';
  const PROBE = prefix + '_probe';
  let domain: string | undefined = fixedDomain || undefined;
  let lastWrite = 0;
  /** This tab set or saw the visitor cookie (until it deletes it itself). */
  let known = false;

  /** Deletes the cookies on every domain they could have been set on. */
  function drop(...names: string[]): void {
    for (const d of [''].concat(fixedDomain || candidates(win!.location.hostname))) for (const name of names) write(name, '', 0, d);
  }

  /**
   * The registrable domain: the shortest parent on which the browser accepts a
   * cookie (public suffixes refuse). The probe is the probe cookie, deleted at
   * once, or the opt-out flag itself, kept where it stuck.
   */
  function registrable(probe = PROBE, age = 10, value = '1'): string {
    if (domain == null) {
      domain = '';
      for (const d of candidates(win!.location.hostname)) {
        write(probe, value, age, d);
        // The value written, not any: an opt-out may replace a forgotten mark that is already there.
        if (read(probe, 1) == value) {
          if (probe == PROBE) write(probe, '', 0, d);
          domain = d;
          break;
        }
      }
    }
    return domain;
  }

  return {
    ensure() {
      const now = Date.now();
      if (!read(ID, 22) || !read(SES, 16) || now - lastWrite > RENEW_MS) {
        const d = registrable();
        const [id, first] = (read(ID, 22) || randomId(22)).split('.');
        // renewVisitorId: false keeps the first expiry (in seconds), carried in the value:
        // a visit never extends it (CNIL's audience-measurement exemption asks for that).
        const end = renew ? 0 : first ? parseInt(first, 36) : Math.round(now / 1000) + VISITOR_AGE;
        write(ID, renew ? id : id + '.' + end.toString(36), renew ? VISITOR_AGE : end - Math.round(now / 1000), d);
        write(SES, read(SES, 16) || randomId(16), SESSION_AGE, d);
        lastWrite = now;
      }
      const vid = (read(ID, 22) || '').slice(0, 22) || undefined;
      known = !!vid;
      return { vid, sid: read(SES, 16) };
    },
    exists: () => (known = !!read(ID, 22)),
    lost: () => known && !read(ID, 22),
    clear() {
      known = false;
      if (read(ID, 22) || read(SES, 16)) drop(ID, SES);
    },
    // Any value but 'd' counts: a foreign flag errs on the side of privacy.
    optedOut,
    setOptOut(on) {
      // An opt-out replaces a forgotten mark; opting in never removes one.
      if (on != optedOut()) on ? set('1') : drop(OUT);
    },
    forgotten: () => flag() == 'd',
    // Never over an opt-out, and a grant removes only this mark.
    setForgotten(on) {
      if (flag() == (on ? '' : 'd')) on ? set('d') : drop(OUT);
    },
    vid: () => (read(ID, 22) || '').slice(0, 22) || undefined,
  };

  function flag(): string {
    return read(OUT, 1) || '';
  }

  function optedOut(): boolean {
    return flag() > '' && flag() != 'd';
  }

  /** Writes the flag: '1' opted out, 'd' forgotten. */
  function set(value: string): void {
    // The flag may be the only write of a cookieless page, and only the flag may be
    // written there: unless the domain is known, the flag is its own probe and stays where it stuck.
    if (domain != null || !registrable(OUT, VISITOR_AGE, value)) write(OUT, value, VISITOR_AGE, domain!);
  }
}
