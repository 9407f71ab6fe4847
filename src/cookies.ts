// The two first-party cookies: <prefix>_id (visitor, 13 months, renewed on
// visit) and <prefix>_ses (session, 30 minutes of inactivity, rolling), on the
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
  optedOut(): boolean;
  setOptOut(on: boolean): void;
}

/**
 * The first value of the cookie that is a base64url id of `length` characters.
 * Malformed or foreign values (also copies on another path or domain) are
 * never trusted: they read as missing, and ensure() writes a fresh id over them.
 */
export function read(name: string, length: number): string | undefined {
  try {
    for (const pair of doc!.cookie.split('; ')) {
      const value = pair.slice(name.length + 1);
      if (pair == name + '=' + value && isId(value, length)) return value;
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

export function createCookies(prefix: string, fixedDomain: string): Cookies {
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
  function registrable(probe = PROBE, age = 10): string {
    if (domain == null) {
      domain = '';
      for (const d of candidates(win!.location.hostname)) {
        write(probe, '1', age, d);
        if (read(probe, 1)) {
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
        write(ID, read(ID, 22) || randomId(22), VISITOR_AGE, d);
        write(SES, read(SES, 16) || randomId(16), SESSION_AGE, d);
        lastWrite = now;
      }
      const vid = read(ID, 22);
      known = !!vid;
      return { vid, sid: read(SES, 16) };
    },
    exists: () => (known = !!read(ID, 22)),
    lost: () => known && !read(ID, 22),
    clear() {
      known = false;
      if (read(ID, 22) || read(SES, 16)) drop(ID, SES);
    },
    // Any value counts: a foreign flag errs on the side of privacy.
    optedOut: () => !!read(OUT, 1),
    setOptOut(on) {
      if (!on == !read(OUT, 1)) return;
      if (!on) return drop(OUT);
      // Opting out may be the only write of a cookieless page, and only the flag may be
      // written there: unless the domain is known, the flag is its own probe and stays where it stuck.
      if (domain != null || !registrable(OUT, VISITOR_AGE)) write(OUT, '1', VISITOR_AGE, domain!);
    },
  };
}
