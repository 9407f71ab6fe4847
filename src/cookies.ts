// The two first-party cookies: <prefix>_id (visitor, 13 months, renewed on
// visit) and <prefix>_ses (session, 30 minutes of inactivity, rolling), on the
// registrable domain found by probing; plus the opt-out flag, written only
// when the visitor opts out.
import { doc, win } from './env';
import { isId, randomId } from './ids';

const VISITOR_AGE = 34_214_400; // 396 days ≈ 13 months, in seconds
const SESSION_AGE = 1800; // 30 minutes
/** Rewrite the rolling cookies at most this often (ms), not on every event. */
const RENEW_MS = 60_000;

export interface Ids {
  vid: string;
  sid: string;
}

export interface Cookies {
  /** The ids, creating or renewing both cookies (only call when storing is allowed). */
  ensure(): Ids;
  /** True if a valid visitor cookie exists (a grant remembered from an earlier page). */
  exists(): boolean;
  /** Deletes both cookies at once, on every domain they could have been set on. */
  clear(): void;
  optedOut(): boolean;
  setOptOut(on: boolean): void;
}

function read(name: string): string | undefined {
  const all = '; ' + ((doc && doc.cookie) || '');
  const at = all.indexOf('; ' + name + '=');
  if (at < 0) return;
  const start = at + name.length + 3;
  const end = all.indexOf(';', start);
  return all.slice(start, end < 0 ? undefined : end);
}

function write(name: string, value: string, maxAge: number, domain: string): void {
  if (!doc) return;
  doc.cookie =
    name + '=' + value + ';path=/;max-age=' + maxAge + ';samesite=lax' +
    (domain ? ';domain=' + domain : '') +
    (win && win.location.protocol == 'https:' ? ';secure' : '');
}

/** Parent domains of the host, shortest first: a.b.example.com → example.com, b.example.com, a.b.example.com. */
function candidates(): string[] {
  const host = (win && win.location.hostname) || '';
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
  let domain: string | undefined = fixedDomain || undefined;
  let lastWrite = 0;
  let last: Ids | undefined;

  /** The registrable domain: the shortest parent on which the browser accepts a cookie (public suffixes refuse). */
  function registrable(): string {
    if (domain === undefined) {
      domain = '';
      const probe = prefix + '_probe';
      for (const d of candidates()) {
        write(probe, '1', 10, d);
        if (read(probe)) {
          write(probe, '', 0, d);
          domain = d;
          break;
        }
      }
    }
    return domain;
  }

  return {
    ensure() {
      const vid = read(ID);
      const sid = read(SES);
      // Malformed or foreign values are replaced, never trusted.
      const ids = { vid: isId(vid, 22) ? vid : randomId(22), sid: isId(sid, 16) ? sid : randomId(16) };
      const now = Date.now();
      if (!last || ids.vid != vid || ids.sid != sid || now - lastWrite > RENEW_MS) {
        const d = registrable();
        write(ID, ids.vid, VISITOR_AGE, d);
        write(SES, ids.sid, SESSION_AGE, d);
        lastWrite = now;
      }
      return (last = ids);
    },
    exists() {
      return isId(read(ID), 22);
    },
    clear() {
      last = undefined;
      if (read(ID) == null && read(SES) == null) return;
      for (const d of [''].concat(fixedDomain ? [fixedDomain] : candidates())) {
        write(ID, '', 0, d);
        write(SES, '', 0, d);
      }
    },
    optedOut() {
      return read(OUT) == '1';
    },
    setOptOut(on) {
      write(OUT, on ? '1' : '', on ? VISITOR_AGE : 0, registrable());
    },
  };
}
