// IP address parsing by hand: one pass over the characters, no regex (the
// address comes from a socket or a client-written header), no allocation on
// the hot path (lookups write into a caller's Uint32Array).

/** Longest text accepted: a full IPv6 with an embedded IPv4 is 45 characters; allow a short zone id. */
const MAX_LEN = 64;

/**
 * Parses dotted-decimal IPv4 (exactly four parts 0–255, no leading zeros, which
 * some parsers read as octal) between `from` and `to` of `s`.
 * @returns {number} the address as an unsigned 32-bit number, or -1 when invalid.
 */
export function parse4(s, from = 0, to = s.length) {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let lead = false; // the current part started with 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (lead) return -1;
      if (digits == 0 && c == 48) lead = true;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c == 46) {
      if (digits == 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = digits = 0;
      lead = false;
    } else return -1;
  }
  if (dots != 3 || digits == 0) return -1;
  return n * 256 + part; // a double: stays unsigned
}

/**
 * Parses IPv6 text (`::` shorthand, an embedded IPv4 tail such as
 * `::ffff:1.2.3.4`, an optional `%zone` which is ignored) into four 32-bit words,
 * most significant first, written to `out` at `at`.
 * @returns {boolean} false when invalid (then `out` holds garbage).
 */
export function parse6(s, out, at = 0, from = 0, to = s.length) {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) == 37) { to = i; break; } // %zone
  if (to - from < 2) return false;
  const g = GROUPS;
  let n = 0; // groups written
  let gap = -1; // index in g where '::' stood
  let i = from;
  if (s.charCodeAt(i) == 58) {
    if (s.charCodeAt(i + 1) != 58) return false;
    gap = 0;
    i += 2;
    if (i == to) return fill(g, 0, 0, out, at);
  }
  while (i < to) {
    // one group: up to 4 hex digits, or an IPv4 tail
    let v = 0;
    let d = 0;
    const start = i;
    for (; i < to; i++) {
      const c = s.charCodeAt(i);
      const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (h < 0) break;
      if (++d > 4) return false;
      v = v * 16 + h;
    }
    if (i < to && s.charCodeAt(i) == 46) {
      // IPv4 tail: takes the last two groups and ends the address
      if (n > 6) return false;
      const v4 = parse4(s, start, to);
      if (v4 < 0) return false;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      i = to;
      break;
    }
    if (d == 0 || n == 8) return false;
    g[n++] = v;
    if (i == to) break;
    if (s.charCodeAt(i) != 58) return false;
    i++;
    if (s.charCodeAt(i) == 58) {
      if (gap >= 0) return false; // a second '::'
      gap = n;
      i++;
    } else if (i == to) return false; // a trailing single ':'
  }
  if (gap < 0 ? n != 8 : n > 7) return false;
  return fill(g, n, gap, out, at);
}

const GROUPS = new Array(8).fill(0);

/** Expands the `::` gap and packs eight 16-bit groups into four words. */
function fill(g, n, gap, out, at) {
  const w = W;
  const zeros = 8 - n;
  if (gap < 0) for (let k = 0; k < 8; k++) w[k] = g[k];
  else {
    for (let k = 0; k < gap; k++) w[k] = g[k];
    for (let k = gap; k < gap + zeros; k++) w[k] = 0;
    for (let k = gap + zeros, j = gap; k < 8; k++, j++) w[k] = g[j];
  }
  for (let k = 0; k < 4; k++) out[at + k] = (w[2 * k] * 65536 + w[2 * k + 1]) >>> 0;
  return true;
}
const W = new Array(8).fill(0);

/**
 * One parse for callers that want to know what the text is.
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`, also written in hex) is an IPv4 address.
 * @param {unknown} text
 * @returns {{ v: 4, n: number } | { v: 6, words: Uint32Array } | null}
 */
export function parseIp(text) {
  if (typeof text != 'string' || text.length == 0 || text.length > MAX_LEN) return null;
  const n = parse4(text);
  if (n >= 0) return { v: 4, n };
  const words = new Uint32Array(4);
  if (!parse6(text, words)) return null;
  if (words[0] == 0 && words[1] == 0 && words[2] == 0xffff) return { v: 4, n: words[3] };
  return { v: 6, words };
}

/** The address as text: dotted IPv4 for IPv4 and IPv4-mapped IPv6, the input for other IPv6; null when invalid. */
export function normaliseIp(text) {
  const p = parseIp(text);
  if (!p) return null;
  if (p.v == 4) return `${p.n >>> 24}.${(p.n >>> 16) & 255}.${(p.n >>> 8) & 255}.${p.n & 255}`;
  const pct = text.indexOf('%');
  return (pct < 0 ? text : text.slice(0, pct)).toLowerCase();
}
