// First-party relay for the reference collector: the browser posts wire v1 to the
// site's own origin, the collector validates it, and this module forwards it through
// a vendor mapping (dist/transport/<vendor>.mjs, the same pure code the browser
// transports use) to the vendor host the operator configured.
//
// Safe by construction: the target origin and path prefix come only from the
// configuration, every mapped URL is checked against them before it is fetched,
// redirects are not followed, and no header of the browser's request is passed on
// (no cookie, no Host, no X-Forwarded-*): only what the mapping returns. The
// visitor's IP exists in memory for the mapping (RelayContext) and is never written:
// the rate limiter keys its buckets by a keyed hash of it.
import { BlockList, isIP } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/**
 * Vendors that do not drop duplicates by an id leadbeam gives them: an event whose
 * request got any HTTP status is never forwarded again (a 5xx may have counted it).
 */
const NO_DEDUP = new Set(['plausible', 'umami', 'matomo']);

/** Ids to never forward again are remembered up to this many (oldest forgotten first). */
const MAX_SETTLED = 200_000;

/** Headers a mapping may not set: the transport owns them. */
const OWN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade']);

/** Loads the vendor mapping named in the configuration: dist/transport/<vendor>.mjs, export to<Vendor>. */
async function loadMapping(vendor) {
  if (typeof vendor != 'string' || !/^[a-z][a-z0-9]*$/.test(vendor)) {
    throw new Error(`relay: vendor must be a lowercase vendor name such as 'posthog' (got ${JSON.stringify(vendor)})`);
  }
  const file = new URL('../../dist/transport/' + vendor + '.mjs', import.meta.url);
  let mod;
  try {
    mod = await import(file.href);
  } catch (err) {
    throw new Error(`relay: cannot load the ${vendor} mapping from ${fileURLToPath(file)} (${err && err.message}); build it with \`npx rollup -c\``);
  }
  const name = 'to' + vendor[0].toUpperCase() + vendor.slice(1);
  if (typeof mod[name] != 'function') {
    throw new Error(`relay: ${fileURLToPath(file)} has no function export ${name} (it exports: ${Object.keys(mod).join(', ') || 'nothing'})`);
  }
  // Vendors that want the page on every event get it from a page memory, as in the browser, but sized for a
  // server: a page view's url, title… go with the events of that page view that arrive in later batches.
  return typeof mod.withPages == 'function' ? mod.withPages(mod[name], 50_000) : mod[name];
}

/** The configured vendor base: http(s), no credentials, query or fragment; kept without a trailing slash. */
function parseHost(host) {
  let u;
  try {
    u = new URL(host);
  } catch {
    throw new Error(`relay: host must be an absolute http(s) URL such as https://eu.i.posthog.com (got ${JSON.stringify(host)})`);
  }
  if ((u.protocol != 'https:' && u.protocol != 'http:') || u.username || u.password || u.search || u.hash) {
    throw new Error('relay: host must be an http(s) URL without credentials, query or fragment');
  }
  return { origin: u.origin, prefix: u.pathname.replace(/\/+$/, '') };
}

/**
 * Makes the relay from the operator's configuration (never from a request).
 * forward(batch, { ip, userAgent }) maps and sends one validated batch and tells
 * the collector how to answer and which events the vendor took.
 */
export async function createRelay({ vendor, host, options = {}, map, dedupes, timeout = 5000 } = {}) {
  const base = parseHost(host);
  const mapping = map || (await loadMapping(vendor));
  if (typeof mapping != 'function') throw new Error('relay: map must be a function (batch, options, relay) => VendorRequest[]');
  const noDedup = dedupes === undefined ? NO_DEDUP.has(vendor) || !!map : !dedupes;
  const settled = new Set();
  const settle = (id) => {
    settled.add(id);
    if (settled.size > MAX_SETTLED) settled.delete(settled.values().next().value);
  };

  /** One mapped request: its HTTP status, or 'timeout' / 'unreachable' / 'refused' (never sent). */
  async function send(r) {
    if (!r || typeof r.path != 'string' || r.path[0] != '/' || (r.method != 'POST' && r.method != 'GET')) return { r, result: 'refused' };
    const target = new URL(base.origin + base.prefix + r.path);
    // The mapping is trusted code, but its path may embed event data: the target must stay on the configured host.
    if (target.origin != base.origin || !(target.pathname + '/').startsWith(base.prefix + '/')) return { r, result: 'refused' };
    const headers = {};
    for (const [k, v] of Object.entries(r.headers || {})) if (!OWN_HEADERS.has(k.toLowerCase()) && typeof v == 'string') headers[k] = v;
    if (r.contentType) headers['content-type'] = r.contentType;
    try {
      const res = await fetch(target, {
        method: r.method,
        body: r.method == 'POST' ? r.body ?? '' : undefined,
        headers,
        redirect: 'manual', // a redirect must not take the batch (and the IP) to another host
        signal: AbortSignal.timeout(timeout),
      });
      await res.body?.cancel().catch(() => {});
      return { r, result: res.status, retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      return { r, result: err && (err.name == 'TimeoutError' || err.name == 'AbortError') ? 'timeout' : 'unreachable' };
    }
  }

  return {
    /** Events already taken by the vendor (or, without de-duplication, answered at all): never forwarded again. */
    settled: (id) => settled.has(id),
    async forward(batch, relay) {
      let requests;
      try {
        requests = mapping(batch, options, relay);
      } catch (err) {
        // Retrying the same batch would throw again: the browser drops it (400).
        const summary = `mapping threw: ${err && err.message}`;
        return { status: 400, body: { error: 'vendor mapping failed' }, delivered: [], summary };
      }
      const results = await Promise.all((Array.isArray(requests) ? requests : []).map(send));
      const failed = new Set();
      for (const { r, result } of results) {
        const ok = typeof result == 'number' && result >= 200 && result < 300;
        const ids = Array.isArray(r && r.ids) ? r.ids : [];
        if (!ok) ids.forEach((id) => failed.add(id));
        if (ok || (noDedup && typeof result == 'number')) ids.forEach(settle);
      }
      // Events in no request (a type the vendor has no place for) are done too.
      const delivered = batch.events.filter((e) => !failed.has(e.id));
      for (const e of delivered) settle(e.id);
      const bad = results.filter((x) => typeof x.result != 'number' || x.result < 200 || x.result > 299);
      const status = (x) => typeof x.result == 'number' && x.result;
      const summary = bad.map((x) => x.result).join(', ');
      // As the browser's vendor transports read a status: 4xx (not 408/429) = refused for good.
      if (bad.some((x) => x.result == 'refused' || (status(x) >= 400 && status(x) < 500 && status(x) != 408 && status(x) != 429))) {
        return { status: 400, body: { error: `vendor refused the batch (${summary})` }, delivered, summary };
      }
      const busy = bad.find((x) => status(x) == 429 || status(x) == 408);
      if (busy) {
        const wait = /^\d{1,6}$/.test(busy.retryAfter || '') ? busy.retryAfter : '5';
        return { status: 503, headers: { 'retry-after': wait }, body: { error: `vendor busy (${summary})` }, delivered, summary };
      }
      if (bad.some((x) => x.result == 'timeout')) return { status: 504, body: { error: 'vendor did not answer in time' }, delivered, summary };
      if (bad.length) return { status: 502, body: { error: `vendor unavailable (${summary})` }, delivered, summary };
      return { status: 200, delivered };
    },
  };
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is 1.2.3.4. */
const plain = (ip) => (typeof ip == 'string' && ip.startsWith('::ffff:') && isIP(ip.slice(7)) == 4 ? ip.slice(7) : ip);

/**
 * The visitor's IP: the socket's address, or — only when that address is a configured
 * proxy — the right-most X-Forwarded-For hop that is not itself a trusted proxy
 * (hops to its left were written by the client and can say anything).
 */
export function createClientIp(trustProxy = []) {
  const list = new BlockList();
  for (const entry of trustProxy) {
    const [addr, bits] = String(entry).split('/');
    const v = isIP(addr);
    if (!v || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`trustProxy: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    const type = v == 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  const trusted = (ip) => {
    const v = isIP(ip);
    return !!v && list.check(ip, v == 6 ? 'ipv6' : 'ipv4');
  };
  return (req) => {
    let ip = plain(req.socket.remoteAddress) || '';
    if (!trustProxy.length || !trusted(ip)) return ip;
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff != 'string') return ip;
    const hops = xff.split(',');
    for (let i = hops.length - 1; i >= 0 && i >= hops.length - 20; i--) {
      const hop = plain(hops[i].trim());
      if (!isIP(hop)) return ip; // junk: the last trusted hop is all we know
      ip = hop;
      if (!trusted(hop)) return hop;
    }
    return ip;
  };
}

/**
 * A token bucket per client: `burst` requests at once, refilled at `rate` per second.
 * take(ip) → 0 when allowed, else the seconds to wait (for Retry-After). Buckets are
 * keyed by an HMAC of the IP with a per-process random key, so not even memory holds
 * the addresses; idle (full) buckets are swept when there are `maxClients`.
 */
export function createRateLimit({ rate = 5, burst = 60, maxClients = 10_000 } = {}) {
  if (!(rate > 0) || !(burst >= 1)) throw new Error('rateLimit: rate (per second) must be > 0 and burst >= 1');
  const key = randomBytes(32);
  const buckets = new Map();
  const refill = (b, now) => {
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
    b.at = now;
  };
  return (ip, now = Date.now()) => {
    const id = createHmac('sha256', key).update(String(ip)).digest('base64');
    let b = buckets.get(id);
    if (b) refill(b, now);
    else {
      if (buckets.size >= maxClients) {
        for (const [k, old] of buckets) if ((refill(old, now), old.tokens >= burst)) buckets.delete(k);
        if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value);
      }
      buckets.set(id, (b = { tokens: burst, at: now }));
    }
    if (b.tokens >= 1) return (b.tokens--, 0);
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  };
}
