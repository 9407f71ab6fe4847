// Company recognition from the visitor's IP address, in memory.
//
// A resolver is any function `(ip: string) => Company | null`. The built-in one
// loads the open @ip-location-db/asn data (IP ranges → AS number and AS
// organisation; CC BY 4.0, RouteViews, DB-IP and NRO: see README) into sorted
// typed arrays and binary-searches them. Plug in a commercial company database
// by passing your own resolver. The IP address is only ever an argument here:
// nothing in this file stores, logs or returns it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse4, parse6 } from './ip.mjs';
import { classify, isOrganisation } from './classify.mjs';

export { classify, isOrganisation };

/**
 * What the network data says about an IP address.
 * @typedef {object} Company
 * @property {number} asn            Autonomous System number.
 * @property {string} organisation   The AS organisation as registered ("Deutsche Telekom AG").
 * @property {import('./classify.mjs').Kind} kind
 *   'company' | 'education' | 'government': an organisation that runs its own network, so the
 *   visitor is (very likely) one of its people; 'access' | 'mobile' | 'hosting': a network that
 *   carries other people's traffic, so it says nothing about who the visitor works for.
 * @property {string} [name]         The organisation's name to show; only for the organisation kinds.
 * @property {string} [domain]       Its web domain, when the resolver knows it (the built-in one never
 *                                   does; a commercial company database usually does).
 */

/** @typedef {(ip: string) => Company | null} Resolver */

/** The folder of the installed @ip-location-db/asn package. */
function dataDir() {
  return dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json'));
}

/**
 * Reads one CSV line's AS organisation starting at `i` (quoted with "" escapes, or bare).
 * @returns {[string, number]} the text and the index of the line's end.
 */
function readOrg(s, i) {
  if (s.charCodeAt(i) != 34) {
    let end = s.indexOf('\n', i);
    if (end < 0) end = s.length;
    const e = s.charCodeAt(end - 1) == 13 ? end - 1 : end;
    return [s.slice(i, e), end];
  }
  let out = '';
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return [out + s.slice(j), s.length];
    out += s.slice(j, q);
    if (s.charCodeAt(q + 1) == 34) {
      out += '"';
      j = q + 2;
    } else {
      let end = s.indexOf('\n', q);
      if (end < 0) end = s.length;
      return [out, end];
    }
  }
}

/** Reads a decimal number at `i` up to the next comma. @returns {[number, number]} value and the comma's index. */
function readNum(s, i) {
  let n = 0;
  for (;; i++) {
    const c = s.charCodeAt(i);
    if (c == 44) return [n, i];
    if (!(c >= 48 && c <= 57)) throw new Error(`bad number at ${i}`);
    n = n * 10 + (c - 48);
  }
}

/**
 * Loads the AS data and returns a resolver.
 *
 * IPv4 ranges are three Uint32Arrays (start, end, AS index); IPv6 ranges are
 * start and end as four 32-bit words each, plus the AS index; both sorted by
 * start, so a lookup is one binary search and no allocation. The `Company`
 * objects are made once per AS, on its first lookup, and frozen.
 *
 * @param {object} [options]
 * @param {string} [options.dir]  Folder holding asn-ipv4-num.csv and asn-ipv6.csv (default: the installed package).
 * @param {(as: { asn: number, organisation: string, v4: number }) => import('./classify.mjs').Kind} [options.classify]
 * @returns {Resolver & { asn: (asn: number) => Company | null, stats: { v4Ranges: number, v6Ranges: number, overlaps: number, networks: number, loadMs: number } }}
 */
export function createAsnResolver({ dir = dataDir(), classify: kindOf = classify } = {}) {
  const t0 = performance.now();
  const asIndex = new Map(); // asn → index into asns/orgs/sizes
  const asns = [];
  const orgs = [];
  const sizes = []; // IPv4 addresses per AS (the size rule of classify)
  const indexOf = (asn, s, i) => {
    let k = asIndex.get(asn);
    if (k === undefined) {
      k = asns.length;
      asIndex.set(asn, k);
      asns.push(asn);
      const [org, end] = readOrg(s, i);
      orgs.push(org);
      sizes.push(0);
      return [k, end];
    }
    let end = s.indexOf('\n', i);
    return [k, end < 0 ? s.length : end];
  };

  // IPv4, numeric file: start,end,asn,org
  const s4 = readFileSync(join(dir, 'asn-ipv4-num.csv'), 'utf8');
  let cap = 1 << 19;
  let start4 = new Uint32Array(cap);
  let end4 = new Uint32Array(cap);
  let as4 = new Uint32Array(cap);
  let n4 = 0;
  let overlaps = 0;
  for (let i = 0; i < s4.length; ) {
    if (s4.charCodeAt(i) == 10) { i++; continue; }
    const [a, c1] = readNum(s4, i);
    const [b, c2] = readNum(s4, c1 + 1);
    const [asn, c3] = readNum(s4, c2 + 1);
    const [k, end] = indexOf(asn, s4, c3 + 1);
    if (n4 == cap) {
      cap *= 2;
      start4 = grow(start4, cap);
      end4 = grow(end4, cap);
      as4 = grow(as4, cap);
    }
    if (n4 > 0 && a <= end4[n4 - 1]) {
      // One overlap in the 2026 data (two DoD ranges): the later, narrower row wins where they meet.
      if (a <= start4[n4 - 1]) throw new Error('asn-ipv4-num.csv: ranges are not sorted by start');
      end4[n4 - 1] = a - 1;
      overlaps++;
    }
    start4[n4] = a;
    end4[n4] = b;
    as4[n4++] = k;
    sizes[k] += b - a + 1;
    i = end + 1;
  }

  // IPv6, text file: start,end,asn,org (the numeric file needs 128-bit numbers)
  const s6 = readFileSync(join(dir, 'asn-ipv6.csv'), 'utf8');
  cap = 1 << 17;
  let start6 = new Uint32Array(cap * 4);
  let end6 = new Uint32Array(cap * 4);
  let as6 = new Uint32Array(cap);
  let n6 = 0;
  for (let i = 0; i < s6.length; ) {
    if (s6.charCodeAt(i) == 10) { i++; continue; }
    const c1 = s6.indexOf(',', i);
    const c2 = s6.indexOf(',', c1 + 1);
    if (n6 == cap) {
      cap *= 2;
      start6 = grow(start6, cap * 4);
      end6 = grow(end6, cap * 4);
      as6 = grow(as6, cap);
    }
    if (!parse6(s6, start6, n6 * 4, i, c1) || !parse6(s6, end6, n6 * 4, c1 + 1, c2)) {
      throw new Error(`asn-ipv6.csv: bad address near ${JSON.stringify(s6.slice(i, c2))}`);
    }
    if (n6 > 0 && cmp6(start6, n6 * 4, end6, (n6 - 1) * 4) <= 0) throw new Error('asn-ipv6.csv: ranges are not sorted and disjoint');
    const [asn, c3] = readNum(s6, c2 + 1);
    const [k, end] = indexOf(asn, s6, c3 + 1);
    as6[n6++] = k;
    i = end + 1;
  }

  const companies = new Array(asns.length);
  const company = (k) => {
    let c = companies[k];
    if (!c) {
      const organisation = orgs[k];
      const kind = kindOf({ asn: asns[k], organisation, v4: sizes[k] });
      c = companies[k] = Object.freeze(
        isOrganisation(kind) ? { asn: asns[k], organisation, kind, name: organisation } : { asn: asns[k], organisation, kind },
      );
    }
    return c;
  };

  const q = new Uint32Array(4); // the IPv6 being looked up
  const resolve = (ip) => {
    if (typeof ip != 'string' || ip.length == 0 || ip.length > 64) return null;
    let n = parse4(ip);
    if (n < 0) {
      if (!parse6(ip, q)) return null;
      if (q[0] == 0 && q[1] == 0 && q[2] == 0xffff) n = q[3]; // IPv4-mapped
      else {
        // the last range whose start ≤ q
        let lo = 0;
        let hi = n6 - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          if (cmp6(start6, mid * 4, q, 0) <= 0) lo = mid + 1;
          else hi = mid - 1;
        }
        return hi >= 0 && cmp6(q, 0, end6, hi * 4) <= 0 ? company(as6[hi]) : null;
      }
    }
    let lo = 0;
    let hi = n4 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (start4[mid] <= n) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && n <= end4[hi] ? company(as4[hi]) : null;
  };
  /** The same record by AS number (for reports, opt-out lists and the accuracy measurement). */
  resolve.asn = (asn) => {
    const k = asIndex.get(asn);
    return k === undefined ? null : company(k);
  };
  resolve.stats = { v4Ranges: n4, v6Ranges: n6, overlaps, networks: asns.length, loadMs: Math.round(performance.now() - t0) };
  return resolve;
}

function grow(a, size) {
  const b = new a.constructor(size);
  b.set(a);
  return b;
}

/** Compares two 128-bit numbers held as four words at a[i] and b[j]. */
function cmp6(a, i, b, j) {
  for (let k = 0; k < 4; k++) {
    const x = a[i + k];
    const y = b[j + k];
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Who the visitor's company is, from the strongest signal available.
 *
 * A domain the visitor typed into a form (the SDK sends only the part after
 * the @, and drops consumer mail domains by default) names the company and
 * wins; the AS data then only adds what network the visit came from. Without a
 * form domain, the AS names the company only when its kind is an organisation.
 *
 * @param {object} input
 * @param {string|null} [input.ip]          Used for the lookup only; never copied into the result.
 * @param {string|null} [input.formDomain]  Lower-case domain from a form event.
 * @param {Resolver|null} [input.resolve]   The resolver (default: none, so only the form domain counts).
 * @returns {{ company: { name?: string, domain?: string, source: 'form' | 'network' } | null, network: Company | null }}
 */
export function recognise({ ip = null, formDomain = null, resolve = null } = {}) {
  let network = null;
  if (resolve && ip) {
    try {
      network = resolve(ip) || null;
    } catch {
      network = null; // a third-party resolver's failure costs the recognition, never the event
    }
  }
  const domain = cleanDomain(formDomain);
  if (domain) {
    const company = { domain, source: 'form' };
    // The network's name is added only when it is plainly the same organisation.
    if (network && isOrganisation(network.kind) && network.domain === domain && network.name) company.name = network.name;
    return { company, network };
  }
  if (network && isOrganisation(network.kind)) {
    const company = { name: network.name || network.organisation, source: 'network' };
    if (network.domain) company.domain = network.domain;
    return { company, network };
  }
  return { company: null, network };
}

/** A plausible host name, lower case, without a trailing dot; else null. */
function cleanDomain(d) {
  if (typeof d != 'string') return null;
  let s = d.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length < 3 || s.length > 253 || s.indexOf('.') < 1) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 46)) return null;
  }
  return s;
}
