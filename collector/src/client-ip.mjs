// The visitor's IP address for one request: the socket's peer, or — only when
// that peer is a proxy the operator configured — the right-most
// X-Forwarded-For hop that is not itself a trusted proxy. Hops to the left of
// it were written by the client and can say anything. The address is returned
// for an in-memory lookup; nothing here keeps it.

import { normaliseIp, parseIp } from './ip.mjs';

/** At most this many X-Forwarded-For hops are read, right to left. */
const MAX_HOPS = 20;

/** Both families as 128 bits: IPv4 a.b.c.d is ::ffff:a.b.c.d, so one matcher serves both. */
function words(p) {
  return p.v == 4 ? Uint32Array.of(0, 0, 0xffff, p.n) : p.words;
}

/**
 * Compiles `trustProxy` (addresses and CIDR ranges, IPv4 or IPv6) into a test.
 * @param {string[]} list
 * @returns {(ip: string) => boolean}
 * @throws when an entry is not an address or range (a start-up configuration error)
 */
export function trustTest(list = []) {
  const nets = list.map((entry) => {
    const text = String(entry);
    const slash = text.indexOf('/');
    const addr = slash < 0 ? text : text.slice(0, slash);
    const p = parseIp(addr);
    const v6Text = addr.includes(':'); // "::ffff:10.0.0.0/104" counts its bits in 128
    const max = v6Text ? 128 : 32;
    const bitsText = slash < 0 ? String(max) : text.slice(slash + 1);
    const bits = bitsText.length > 0 && bitsText.length <= 3 && /^[0-9]+$/.test(bitsText) ? Number(bitsText) : NaN;
    if (!p || !(bits <= max)) throw new Error(`trustProxy: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    return { w: words(p), bits: bits + (v6Text ? 0 : 96) };
  });
  return (ip) => {
    const p = parseIp(ip);
    if (!p) return false;
    const w = words(p);
    return nets.some((net) => inPrefix(w, net.w, net.bits));
  };
}

function inPrefix(a, b, bits) {
  for (let k = 0; k < 4 && bits > 0; k++, bits -= 32) {
    const mask = bits >= 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
    if (((a[k] & mask) >>> 0) != ((b[k] & mask) >>> 0)) return false;
  }
  return true;
}

const compiled = new WeakMap();

/**
 * The client's IP address, normalised (IPv4-mapped IPv6 becomes dotted IPv4),
 * or null when the socket has no usable address.
 *
 * @param {{ socket?: { remoteAddress?: string }, headers?: Record<string, string | string[] | undefined> }} req
 * @param {{ trustProxy?: string[] }} [options]  Proxy addresses/CIDRs whose X-Forwarded-For is believed.
 * @returns {string | null}
 */
export function clientIp(req, { trustProxy = [] } = {}) {
  const peer = normaliseIp(req && req.socket && req.socket.remoteAddress);
  if (!peer || !trustProxy.length) return peer;
  let trusted = compiled.get(trustProxy);
  if (!trusted) compiled.set(trustProxy, (trusted = trustTest(trustProxy)));
  if (!trusted(peer)) return peer;
  let xff = req.headers && req.headers['x-forwarded-for'];
  if (Array.isArray(xff)) xff = xff.join(','); // a repeated header: its lines in order
  if (typeof xff != 'string') return peer;
  let ip = peer;
  let end = xff.length;
  for (let hops = 0; end > 0 && hops < MAX_HOPS; hops++) {
    const comma = xff.lastIndexOf(',', end - 1);
    const hop = normaliseIp(xff.slice(comma + 1, end).trim());
    if (!hop) return ip; // junk: the nearest hop a trusted proxy vouched for is all we know
    ip = hop;
    if (!trusted(hop)) return hop;
    end = comma < 0 ? 0 : comma;
  }
  return ip;
}
