// Seeded fuzzing of emailDomain: whatever a form field holds, the output is
// either nothing or the normalised domain part, a valid host name, and never
// anything taken from the local part.
import { describe, expect, it } from 'vitest';
import { domainToASCII } from 'node:url';
import { emailDomain } from '../../src/email-domain';

// mulberry32: small, seedable, good enough to spread inputs.
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A marker only local parts ever contain (domain pieces never hold a 'q').
const MARK = 'qzq';
const ASCII = 'abcdefghijklmnoprstuvwxyz0123456789';
const UNI = ['ü', 'ö', 'é', 'ß', 'ç', 'ñ', 'ø', 'å', 'ł', 'ı', 'İ', 'Σ', 'ς', 'я', 'ж', 'ب', 'א', '日', '本', '中', '한', 'ไ', '🎉', 'ａ', 'Ｂ', '．', '。', '\u00ad', '\u200b', '\u200d', '\u0301', 'ﬁ', 'Ⅷ', '²'];
const JUNK = [' ', '\t', '\n', '\u00a0', '\u3000', '\ufeff', '\0', '\u0001', '\u007f', '/', '?', '#', ':', '[', ']', '\\', '%', '%41', '<', '>', '^', '|', '"', "'", '`', '{', '}', '!', '$', '&', '(', ')', '*', '+', ',', ';', '=', '~', '_', '..', '-', '@', '\ud800', '\udfff', '＠', '／', '？', '＃', '：'];
const TLDS = ['nl', 'de', 'be', 'fr', 'com', 'co.uk', 'com.br', 'museum', 'xn--p1ai', 'рф', 'ﾃｽﾄ', 'NL', 'n1', '1', 'x', 'localhost', '0x7f'];
const CONSUMER = ['gmail.com', 'hotmail.co.uk', 'yahoo.fr', 'ziggo.nl', 'web.de', 'orange.fr', 'telenet.be', 'GMX.at'];

function gen(r: () => number) {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T,>(a: T[]) => a[int(a.length)];
  const str = (alpha: string | string[], min: number, max: number) => {
    let s = '';
    for (let n = min + int(max - min + 1); n > 0; n--) s += pick(alpha as string[]);
    return s;
  };
  const label = () => {
    switch (int(8)) {
      case 0:
        return str([...ASCII, ...UNI], 1, 12);
      case 1:
        return str(ASCII + '-', 1, 10);
      case 2:
        return str(ASCII, 60, 66); // around the 63 limit
      case 3:
        return str(UNI, 1, 4);
      default:
        return str(ASCII, 1, 12);
    }
  };
  const domain = () => {
    switch (int(12)) {
      case 0:
        return pick(CONSUMER);
      case 1:
        return pick(['1.2.3.4', '[::1]', '[1.2.3.4]', '127.1', '0x7f.0.0.1', 'localhost', 'localhost.', 'a.localhost', '[IPv6:2001:db8::1]']);
      case 2: {
        // very long: around 253
        const parts: string[] = [];
        while (parts.join('.').length < 240) parts.push(str(ASCII, 20, 63));
        return parts.join('.') + '.nl';
      }
      case 3: {
        // junk sprinkled into a plausible domain
        const d = label() + '.' + pick(TLDS);
        const at = int(d.length + 1);
        return d.slice(0, at) + pick(JUNK) + d.slice(at);
      }
      case 4:
        return str([...ASCII, ...UNI, ...JUNK, '.'], 0, 20);
      default: {
        let d = '';
        for (let n = 1 + int(3); n > 0; n--) d += label() + '.';
        d += pick(TLDS);
        if (r() < 0.1) d = d.toUpperCase();
        if (r() < 0.1) d += '.';
        if (r() < 0.05) d += '..';
        if (r() < 0.05) d = '.' + d;
        return d;
      }
    }
  };
  const local = () => {
    const base = str(ASCII + '.', 1, 10) + MARK + str(ASCII, 0, 5);
    switch (int(8)) {
      case 0:
        return `"${base}@${domain()}"`; // quoted local part holding an @ and a domain
      case 1:
        return `${base}+${str(ASCII, 1, 8)}`;
      case 2:
        return `"${base} x"`;
      case 3:
        return base + str([...UNI, ...JUNK], 1, 5);
      case 4:
        return `${base}.${domain()}`; // looks like a domain itself
      default:
        return base;
    }
  };
  const ws = () => (r() < 0.15 ? pick([' ', '  ', '\t', '\n', '\u00a0', '\ufeff']) : '');
  switch (int(10)) {
    case 0:
      return ws() + domain() + ws(); // bare domain
    case 1:
      return `${local()}@${domain()}@${domain()}`; // several @
    case 2:
      return str([...ASCII, ...UNI, ...JUNK, '@', '.'], 0, 40); // random junk
    case 3:
      return local() + '@' + str([...JUNK, ...UNI, '.', 'a'], 300, 600); // very long junk
    default:
      return ws() + local() + ws() + '@' + ws() + domain() + ws();
  }
}

// Independent checks: Node's domainToASCII (UTS 46) for the punycode step, and
// a plain label-by-label reading of the host-name rules.
function isHostName(h: string) {
  const labels = h.split('.');
  const tld = labels[labels.length - 1];
  return (
    h.length <= 253 &&
    labels.length >= 2 &&
    labels.every((l) => l.length >= 1 && l.length <= 63 && /^[a-z0-9-]+$/.test(l) && l[0] != '-' && l[l.length - 1] != '-') &&
    (/^[a-z]{2,}$/.test(tld) || tld.startsWith('xn--')) &&
    tld != 'localhost'
  );
}
// (Non-ASCII is left to UTS 46, which maps Σ to σ; String#toLowerCase would
// give a word-final ς and so a different punycode.)
function normalise(domainPart: string) {
  const d = domainPart.trim().replace(/\.$/, '');
  return /^[\x00-\x7f]*$/.test(d) ? d.toLowerCase() : domainToASCII(d);
}

const N = 12_000;
const SEEDS = [1, 0xc0ffee, 20250101];

describe('emailDomain fuzz', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${N} values`, () => {
      const r = rng(seed);
      const stats = { defined: 0, idn: 0, consumer: 0, multiAt: 0, quoted: 0 };
      for (let i = 0; i < N; i++) {
        const value = gen(r);
        const parts = value.split('@');
        const out = emailDomain(value, { allowConsumerDomains: true });
        const filtered = emailDomain(value);
        const ctx = `input ${JSON.stringify(value)} → ${JSON.stringify(out)}`;
        if (parts.length > 2) stats.multiAt++;
        if (value.includes('"')) stats.quoted++;
        // The consumer filter only ever removes.
        if (filtered !== undefined) expect(filtered, ctx).toBe(out);
        else if (out !== undefined) stats.consumer++;
        if (out === undefined) continue;
        stats.defined++;
        if (out.includes('xn--')) stats.idn++;
        expect(parts.length, ctx).toBeLessThanOrEqual(2);
        expect(isHostName(out), ctx).toBe(true);
        const domainPart = parts[parts.length - 1];
        expect(out, ctx).toBe(normalise(domainPart));
        // Nothing that only the local part held.
        if (!domainPart.includes(MARK)) expect(out.includes(MARK), ctx).toBe(false);
        // Same answer for the address and for its domain part alone.
        expect(emailDomain(domainPart, { allowConsumerDomains: true }), ctx).toBe(out);
      }
      // The generator really exercised both sides.
      expect(stats.defined).toBeGreaterThan(N * 0.15);
      expect(stats.defined).toBeLessThan(N * 0.85);
      expect(stats.idn).toBeGreaterThan(50);
      expect(stats.consumer).toBeGreaterThan(50);
      expect(stats.multiAt).toBeGreaterThan(500);
      expect(stats.quoted).toBeGreaterThan(300);
    });
  }
});
