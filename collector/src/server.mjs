// leadbeam reference collector: a compatible collection endpoint for wire format v1.
//
// Plain Node (node:http) + ajv. Used by the demo, the unit tests and the
// real-browser tests, and meant to be read by anyone writing their own endpoint:
//
//   POST /e            body = JSON batch (any content type: sendBeacon sends text/plain)
//   GET  /e?d=<json>   image-pixel transport, `d` = URI-encoded (or base64url) JSON batch
//   OPTIONS /e         CORS preflight
//   POST /e {"v": 1, "site": …, "forget": "<vid>"}  erasure (the SDK's forget()): 202 always; deletes
//                      that visitor's events and those sharing their page views; 10 at once per client, then 1/min
//
// It validates the batch's wrapper and then each event against src/schema.json:
// a valid wrapper is answered 200 {"accepted": n, "rejected": [{"id", "error"}]}
// (one bad event never costs the others), 400 only for an invalid wrapper. Unknown
// top-level fields are ignored, so the format can grow. It counts each event id once
// (delivery is at-least-once, counting must be exactly-once), and never looks at,
// logs or stores the client's IP address.
//
// Relay mode (`relay: { vendor, host, options }`): the same validation, then each
// batch is forwarded through the vendor mapping (dist/transport/<vendor>.mjs) to the
// configured vendor host, with the visitor's IP where that vendor looks for it; the
// vendor's answer decides ours. See relay.mjs and the README.
//
// CLI: node collector/src/server.mjs [--port 8787] [--host 127.0.0.1] [--out events.ndjson]
//      [--path /t/e] [--relay posthog --relay-host https://eu.i.posthog.com --relay-option apiKey=phc_…]

import { createServer } from 'node:http';
import { appendFile, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { createClientIp, createRateLimit, createRelay } from './relay.mjs';
import { openStore, isStoreUnavailable } from './store.mjs';
import { recognise } from './recognise.mjs';
import { summarise, renderHtml, REPORT_CSS, REPORT_JS } from './report.mjs';
import { timingSafeEqual, createHash } from 'node:crypto';

const schema = JSON.parse(readFileSync(new URL('../../src/schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false });
ajv.addSchema(schema, 'wire');
/** One event, against its type's closed schema. */
const validateEvent = ajv.getSchema('wire#/definitions/event');
/** The wrapper alone: the same schema with any array items, so events are judged one by one. */
const validateWrapper = ajv.compile({
  ...schema,
  properties: { ...schema.properties, events: { ...schema.properties.events, items: true } },
});

/** A client clock off by more than this (by the batch's `sent`) has its events' ts corrected. */
const SKEW_MS = 60_000;

/** The smallest transparent GIF (43 bytes), answered to the image-pixel transport. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

// Sent on every response. `*` without Allow-Credentials: the SDK never sends
// cookies to the endpoint, and a credentialed request must not be accepted.
// Retry-After is exposed so a fetch transport can read it on a 429/503.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Retry-After',
};

/**
 * Starts a collector.
 *
 * @param {object}  [opts]
 * @param {number}  [opts.port=0]          0 = a random free port.
 * @param {string}  [opts.host='127.0.0.1']
 * @param {string|null} [opts.out=null]    NDJSON file to append each new event to (`{"site":…, ...event}` per line).
 * @param {boolean|((event: object, batch: object) => void)} [opts.log=false]
 *        true: print one compact line per accepted new event (see formatEvent); a function: called instead.
 * @param {number}  [opts.maxBody=65536]   Largest accepted body (bytes) or `d` parameter (characters).
 * @param {number}  [opts.requestTimeout=10000] ms to receive a whole request (slowloris guard).
 * @param {string}  [opts.path='/e']       The one path that takes batches (e.g. '/t/e' behind the site's own origin).
 * @param {object|null} [opts.relay=null]  Relay mode: { vendor, host, options, map?, dedupes?, timeout? } (see relay.mjs).
 * @param {string[]} [opts.trustProxy=[]]  Proxy addresses/CIDRs whose X-Forwarded-For is believed (relay IP, rate limit).
 * @param {{rate?: number, burst?: number}|false} [opts.rateLimit] Per-client token bucket; on by default in relay mode.
 * @param {string|object|null} [opts.store=null] Event store: `ndjson:<dir>`, `postgres://…`, or an opened store (see store.mjs).
 *        Given a store, a 2xx waits for it (durable), STORE_UNAVAILABLE answers 503, and events are not kept in memory.
 * @param {((ip: string) => object|null)|null} [opts.resolve=null] Company resolver (createAsnResolver()); the IP is used for
 *        the lookup only and each stored event gets `company` / `network`, never the IP.
 * @param {{domains?: string[], asns?: number[]}} [opts.optOut] Companies that asked not to be identified: no company data, form domain dropped.
 * @param {number} [opts.retentionDays=0] Purge stored events older than this at start and hourly (0 = never).
 * @param {string|null} [opts.reportToken=null] Serves GET /report (and report.json) to requests with this token; off without it.
 * @param {boolean} [opts.demo=false] Demo only: `?demo=<persona>` on the endpoint picks a public network to pretend to come from.
 */
export async function startCollector({
  port = 0,
  host = '127.0.0.1',
  out = null,
  log = false,
  maxBody = 65536,
  requestTimeout = 10000,
  path = '/e',
  relay = null,
  trustProxy = [],
  rateLimit,
  store = null,
  resolve = null,
  optOut = {},
  retentionDays = 0,
  reportToken = null,
  demo = false,
} = {}) {
  if (typeof path != 'string' || path[0] != '/') throw new Error(`path must start with / (got ${JSON.stringify(path)})`);
  // Everything about the target is read here, from the operator's configuration, once.
  const relayer = relay ? await createRelay(relay) : null;
  const clientIp = createClientIp(trustProxy);
  const limit = rateLimit === false || (!rateLimit && !relay) ? null : createRateLimit(rateLimit || {});
  // Erasure requests always have their own bucket (a guessed id is the only attack): 10 at once, then 1 a minute.
  const eraseLimit = createRateLimit({ rate: 1 / 60, burst: 10 });
  // Ids and page views erased: an event still in flight at forget() time is accepted and never stored.
  const forgotten = new Set();
  const batches = [];
  const events = [];
  const received = [];
  const seen = new Set();
  let duplicates = 0;
  let faultHook = null;
  let requestIndex = 0; // POST/GET requests to /e so far (the fault hook's `index`)
  let writeChain = Promise.resolve(); // serialises NDJSON appends so lines stay in arrival order
  const timers = new Set();
  // The store: opened here from a spec (and closed by close()), or the caller's.
  const ownStore = typeof store == 'string';
  const db = ownStore ? await openStore(store) : store;
  const memory = !db; // with a store, nothing piles up in memory (events, batches, received)
  const optDomains = new Set((optOut.domains || []).map((d) => String(d).trim().toLowerCase()).filter(Boolean));
  const optAsns = new Set((optOut.asns || []).map(Number).filter(Number.isFinite));
  if (reportToken != null && (typeof reportToken != 'string' || reportToken.length < 16)) throw new Error('reportToken must be a string of at least 16 characters');
  const tokenHash = reportToken ? createHash('sha256').update(reportToken).digest() : null;
  let purgeTimer = null;
  if (db && retentionDays > 0) {
    const purge = () => db.purgeOlderThan(retentionDays * 86_400_000).catch((err) => log && console.error('collector: retention purge failed:', err.message));
    await purge();
    purgeTimer = setInterval(purge, 3_600_000);
    purgeTimer.unref();
  }
  let reportCache = null; // { at, summary }: the store is scanned at most every 2 s

  const server = createServer(
    // Node only checks request/headers timeouts every connectionsCheckingInterval
    // (30 s by default), which would make a short requestTimeout meaningless.
    { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeout / 4))) },
    (req, res) => {
      handle(req, res).catch((err) => {
        // Never let one request crash the process; report without any client detail.
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
        else res.destroy();
        if (log) console.error('collector error:', err && err.message);
      });
    },
  );
  server.requestTimeout = requestTimeout;
  server.headersTimeout = Math.min(5000, requestTimeout);
  server.keepAliveTimeout = 5000;

  /** Writes a response with CORS headers; records the status in the request record. */
  function send(res, status, body, headers = {}, record) {
    if (record) record.status = status;
    let payload = body;
    const h = { ...CORS, 'cache-control': 'no-store', ...headers };
    if (body !== undefined && body !== null && !Buffer.isBuffer(body) && typeof body !== 'string') {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    res.writeHead(status, h);
    res.end(payload ?? undefined);
  }

  async function handle(req, res) {
    const url = new URL(req.url || '/', 'http://collector.invalid');
    // Only these two headers are kept: no IP (req.socket.remoteAddress is never
    // read), no X-Forwarded-For, no User-Agent, no cookies.
    const record = {
      method: req.method,
      path: url.pathname,
      headers: { 'content-type': req.headers['content-type'], origin: req.headers.origin },
      body: null,
      status: null,
    };
    if (memory) received.push(record);

    if (url.pathname.startsWith('/report') && req.method === 'GET') return report(req, res, url);
    if (url.pathname !== path) return send(res, 404, { error: 'not found' }, {}, record);

    if (req.method === 'OPTIONS') {
      const h = {
        'access-control-allow-methods': 'POST, GET, OPTIONS',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      };
      // Chrome's Private Network Access asks this when a public page posts to a private address.
      if (req.headers['access-control-request-private-network'] === 'true') h['access-control-allow-private-network'] = 'true';
      return send(res, 204, null, h, record);
    }
    if (req.method !== 'POST' && req.method !== 'GET') {
      return send(res, 405, { error: 'method not allowed' }, { allow: 'POST, GET, OPTIONS' }, record);
    }

    // The IP lives in this local only (for the bucket and the vendor): never in the record, a log or a file.
    let ip = limit || relayer || resolve ? clientIp(req) : undefined;
    // Demo only (never on in a normal start): the page picks one of a few fixed public networks to come from.
    if (demo && DEMO_NETWORKS[url.searchParams.get('demo')]) ip = DEMO_NETWORKS[url.searchParams.get('demo')];
    if (limit) {
      const wait = limit(ip);
      if (wait) return send(res, 429, { error: 'too many requests' }, { 'retry-after': String(wait) }, record);
    }

    const index = requestIndex++;
    const isPixel = req.method === 'GET';

    // --- read the payload, bounded ---
    let text;
    if (isPixel) {
      const d = url.searchParams.get('d'); // already URI-decoded
      if (d === null) return send(res, 400, { error: 'missing d parameter' }, {}, record);
      if (d.length > maxBody) return send(res, 413, { error: `payload over ${maxBody} bytes` }, {}, record);
      text = decodePixelParam(d);
    } else {
      const result = await readBody(req, maxBody);
      if (result.tooLarge) {
        // Answer at once and close the connection rather than reading (or buffering) the rest.
        send(res, 413, { error: `body over ${maxBody} bytes` }, { connection: 'close' }, record);
        res.on('finish', () => req.socket.destroySoon?.() ?? req.socket.end());
        return;
      }
      if (result.aborted) return; // client went away or the request timed out
      text = result.text;
    }
    record.body = text;

    // --- fault injection (tests only) ---
    const fault = faultHook ? await faultHook({ method: req.method, body: text, index }) : undefined;
    if (fault && fault.hang) {
      // Keep the socket open until close() ends it; nothing is accepted (status stays null).
      return;
    }
    if (fault && fault.delayMs) {
      await sleep(fault.delayMs);
      if (req.socket.destroyed) return; // client gave up, or close() ended the connection
    }
    if (fault && fault.status) {
      const h = { ...(fault.headers || {}) };
      return send(res, fault.status, fault.body ?? null, h, record);
    }

    // --- parse and validate ---
    let batch;
    try {
      batch = JSON.parse(text);
    } catch {
      return send(res, 400, { error: 'body is not valid JSON' }, {}, record);
    }
    if (!validateWrapper(batch)) return send(res, 400, { error: describe(validateWrapper.errors) }, {}, record);
    if (batch.forget !== undefined) {
      record.body = null; // the id leaves the request log with the events
      const wait = eraseLimit(clientIp(req));
      if (wait) return send(res, 429, { error: 'too many requests' }, { 'retry-after': String(wait) }, record);
      try {
        await erase(batch.forget);
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        return send(res, 503, { error: 'event store unavailable' }, { 'retry-after': '5' }, record);
      }
      // The same answer whether or not the id was known: knowing a random 132-bit id is the authorisation.
      return send(res, 202, null, {}, record);
    }

    // --- judge each event alone, drop duplicate ids, persist, then acknowledge ---
    // `sent` is the client's clock at this attempt: receive time minus sent is its skew
    // (plus latency). Beyond SKEW_MS the clock is wrong, so ts is moved to server time
    // before validation; a client set to 2010 still gets its events stored.
    const skew = typeof batch.sent == 'number' ? Date.now() - batch.sent : 0;
    if (memory) batches.push(batch);
    let fresh = [];
    const rejected = [];
    const inBatch = new Set();
    let accepted = 0;
    for (let event of batch.events) {
      if (Math.abs(skew) > SKEW_MS && event && typeof event.ts == 'number') event = { ...event, ts: event.ts + skew };
      if (!validateEvent(event)) {
        rejected.push({ id: event && typeof event.id == 'string' ? event.id : null, error: describe(validateEvent.errors) });
        continue;
      }
      accepted++; // a duplicate is accepted too: it is already stored (or forwarded)
      if ((memory && seen.has(event.id)) || inBatch.has(event.id) || (relayer && relayer.settled(event.id)) || forgotten.has(event.vid) || forgotten.has(event.pv)) {
        duplicates++;
        continue;
      }
      inBatch.add(event.id);
      fresh.push(event);
    }

    // --- relay: forward the valid new events; the vendor's answer decides ours ---
    let relayed;
    if (relayer && fresh.length) {
      // Only what was validated goes on (unknown top-level fields stay here); after a
      // skew correction `sent` is the server's clock, to match the corrected ts.
      const clean = { v: 1, site: batch.site, events: fresh };
      if (batch.dropped) clean.dropped = batch.dropped;
      if (typeof batch.sent == 'number') clean.sent = Math.abs(skew) > SKEW_MS ? Date.now() : batch.sent;
      const ua = req.headers['user-agent'];
      relayed = await relayer.forward(clean, { ip, userAgent: typeof ua == 'string' ? ua.slice(0, 512) : undefined });
      fresh = relayed.delivered; // stored (NDJSON, events) only once the vendor took them
      if (log && relayed.status != 200) console.error(`collector relay: ${relayed.status} (vendor: ${relayed.summary})`);
    }
    // --- recognise: the IP is looked up in memory and goes no further than this function ---
    if (resolve || optDomains.size || optAsns.size) fresh = fresh.map((e) => enrich(e, ip));
    if (db && fresh.length) {
      try {
        await db.write(batch.site, fresh); // resolves once durable (fsync'ed / committed)
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        if (log) console.error('collector: event store unavailable, answering 503');
        return send(res, 503, { error: 'event store unavailable' }, { 'retry-after': '5' }, record);
      }
    }
    if (memory) for (const e of fresh) seen.add(e.id), events.push(e);
    if (out && fresh.length) {
      const lines = fresh.map((e) => JSON.stringify({ site: batch.site, ...e }) + '\n').join('');
      // A failed append must not fail every later one (.catch), nor leave its ids "seen":
      // the client retries on the 5xx, and that retry must be written, not taken for a duplicate.
      const written = (writeChain = writeChain.catch(() => {}).then(() => appendAsync(out, lines)));
      // Acknowledge only once the events are on disk: a 2xx tells the client it may forget them.
      try {
        await written;
      } catch (err) {
        for (const e of fresh) seen.delete(e.id), events.splice(events.indexOf(e), 1);
        batches.splice(batches.indexOf(batch), 1);
        throw err;
      }
    }
    for (const e of fresh) {
      if (typeof log === 'function') log(e, batch);
      else if (log) console.log(formatEvent(e, batch.site));
    }

    if (relayed && relayed.status != 200) return send(res, relayed.status, relayed.body, relayed.headers, record);
    // An image transport cannot read a body: the pixel always gets the GIF.
    if (isPixel) return send(res, 200, PIXEL, { 'content-type': 'image/gif' }, record);
    return send(res, 200, { accepted, rejected }, {}, record);
  }

  /**
   * Deletes every event of the visitor id, and every event sharing a page view with one of them
   * (a page view sent cookieless before consent, tied to the id by its pv), from memory, the
   * request log and the NDJSON file (rewritten whole, in the write order; fine for a reference).
   */
  async function erase(vid) {
    const remember = (x) => forgotten.add(x).size > 100_000 && forgotten.delete(forgotten.values().next().value);
    const pvs = new Set();
    const mark = (list) => list.forEach((e) => e && e.vid === vid && pvs.add(e.pv));
    const gone = (e) => e && (e.vid === vid || pvs.has(e.pv));
    mark(events);
    for (const b of batches) mark(b.events);
    let text = '';
    if (out) {
      await (writeChain = writeChain.catch(() => {}).then(async () => {
        text = await readFile(out, 'utf8').catch(() => '');
        const lines = text.split('\n').filter(Boolean).map((l) => [l, JSON.parse(l)]);
        mark(lines.map(([, e]) => e));
        const kept = lines.filter(([, e]) => !gone(e)).map(([l]) => l + '\n').join('');
        if (kept.length != text.length) await writeFile(out + '.tmp', kept).then(() => rename(out + '.tmp', out));
      }));
    }
    if (db) await db.erase(vid), (reportCache = null);
    remember(vid);
    pvs.forEach(remember);
    for (let i = events.length; i--; ) if (gone(events[i])) events.splice(i, 1);
    for (const b of batches) b.events = b.events.filter((e) => !gone(e));
    for (const r of received) if (r.body && [vid, ...pvs].some((x) => r.body.includes(x))) r.body = null;
  }

  /**
   * The event as stored: `company` (the form domain wins, else an organisation's own network) and
   * `network` ({ asn, organisation, kind }), never the IP. A company that opted out gets neither,
   * and its form domain is dropped.
   */
  function enrich(e, ip) {
    const formDomain = e.type === 'form' && typeof e.domain == 'string' ? e.domain : null;
    const r = recognise({ ip, formDomain, resolve });
    const n = r.network;
    if (
      (n && optAsns.has(n.asn)) ||
      [formDomain, n && n.domain, r.company && r.company.domain].some((d) => d && optedOutDomain(d))
    ) {
      if (!formDomain) return e;
      const { domain, ...rest } = e; // the form event stays (a form was sent), not whose
      return rest;
    }
    const out = { ...e };
    if (r.company) {
      out.company = { ...r.company };
      if (n && r.company.source === 'network') (out.company.asn = n.asn), (out.company.kind = n.kind);
    }
    if (n) out.network = { asn: n.asn, organisation: n.organisation, kind: n.kind };
    return out;
  }

  /** A domain on the opt-out list, or a subdomain of one (mail.acme.com for acme.com). */
  function optedOutDomain(d) {
    for (let s = d.toLowerCase(); ; ) {
      if (optDomains.has(s)) return true;
      const dot = s.indexOf('.');
      if (dot < 0) return false;
      s = s.slice(dot + 1);
    }
  }

  /** GET /report (HTML), /report.json, /report.css, /report.js: only with the configured token. */
  async function report(req, res, url) {
    const page = { '/report': 'html', '/report/': 'html', '/report.json': 'json', '/report.css': 'css', '/report.js': 'js' }[url.pathname];
    const plain = (status, body, type = 'text/plain; charset=utf-8', extra = {}) => {
      // No CORS here: who visited is the site owner's business data, for this origin only.
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', ...extra });
      res.end(body);
    };
    if (!page || !tokenHash) return plain(404, 'not found');
    if (page === 'css') return plain(200, REPORT_CSS, 'text/css; charset=utf-8');
    if (page === 'js') return plain(200, REPORT_JS, 'text/javascript; charset=utf-8');
    if (limit) {
      const wait = limit(clientIp(req));
      if (wait) return plain(429, 'too many requests', undefined, { 'retry-after': String(wait) });
    }
    const auth = req.headers.authorization;
    const given = typeof auth == 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token') || '';
    // Constant time: both sides hashed to 32 bytes first, so not even the length leaks.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), tokenHash)) {
      return plain(401, 'report token required', undefined, { 'www-authenticate': 'Bearer' });
    }
    if (!reportCache || Date.now() - reportCache.at > 2000) {
      const source = db ? db.events() : events.map((e) => ({ received: e.ts, ...e }));
      reportCache = { at: Date.now(), summary: await summarise(source) };
    }
    if (page === 'json') return plain(200, JSON.stringify(reportCache.summary), 'application/json');
    return plain(200, renderHtml(reportCache.summary), 'text/html; charset=utf-8', {
      'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    });
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${urlHost}:${actualPort}`;

  return {
    url: origin + path,
    origin,
    port: actualPort,
    /** The request handler, to mount in your own node:http server (same origin as the site, no proxy). */
    handle(req, res) {
      server.emit('request', req, res);
    },
    batches,
    events,
    received,
    get duplicates() {
      return duplicates;
    },
    /** Sets (or with null clears) the fault hook: fn({ method, body, index }) → undefined | { status, headers?, body? } | { hang: true } | { delayMs }. */
    fault(fn) {
      faultHook = fn || null;
    },
    /** Forgets everything received (including seen ids) and clears the fault hook. */
    reset() {
      batches.length = 0;
      events.length = 0;
      received.length = 0;
      seen.clear();
      duplicates = 0;
      faultHook = null;
      requestIndex = 0;
    },
    /** Stops listening and ends every open connection, hung ones included. */
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await writeChain.catch(() => {});
      if (purgeTimer) clearInterval(purgeTimer);
      if (ownStore) await db.close();
    },
    /** The event store, when one is configured. */
    store: db,
  };
}

/**
 * Demo only (`demo: true`): public networks of real organisations the demo page may pretend to come
 * from, by name, so a visitor on localhost shows what recognition does. Fixed here: a request can
 * pick one of these, never give an address.
 */
export const DEMO_NETWORKS = Object.freeze({
  __proto__: null,
  university: '18.7.22.69', // Massachusetts Institute of Technology, AS3
  government: '198.116.144.1', // NASA, AS297
  enterprise: '194.138.39.56', // Siemens AG, AS15465
  consumer: '79.192.1.1', // Deutsche Telekom AG, AS3320: an access provider, so "not a company"
});

/** Reads a request body up to `limit` bytes without buffering more than that. */
function readBody(req, limit) {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve({ tooLarge: true });
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        chunks.length = 0;
        finish({ tooLarge: true });
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ text: Buffer.concat(chunks).toString('utf8') }));
    req.on('aborted', () => finish({ aborted: true }));
    req.on('error', () => finish({ aborted: true }));
    req.on('close', () => finish(req.complete ? { text: Buffer.concat(chunks).toString('utf8') } : { aborted: true }));
  });
}

/** The pixel's `d` is URI-encoded JSON; base64url-encoded JSON is accepted too. */
function decodePixelParam(d) {
  const trimmed = d.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return d;
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(trimmed)) return Buffer.from(trimmed, 'base64url').toString('utf8');
  return d; // let JSON.parse report it
}

/** A short, human-readable reason from ajv's first error. */
function describe(errors) {
  const e = errors && errors[0];
  if (!e) return 'invalid';
  const where = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') return `${where} has unknown field "${e.params.additionalProperty}"`;
  return `${where} ${e.message}`;
}

function appendAsync(path, text) {
  return new Promise((resolve, reject) => appendFile(path, text, (err) => (err ? reject(err) : resolve())));
}

/**
 * One compact line per event: time, type, pv, and the interesting field.
 * Only ever prints event fields (never a network address).
 */
export function formatEvent(e, site = '') {
  const time = new Date(e.ts).toISOString().slice(11, 23);
  const detail =
    e.type === 'page' ? e.url ?? '' :
    e.type === 'event' ? `${e.name ?? ''}${e.props ? ' ' + JSON.stringify(e.props) : ''}` :
    e.type === 'form' ? e.domain :
    e.type === 'engage' ? `${e.ms ?? ''}${e.ms !== undefined ? ' ms' : ''}` :
    e.type === 'consent' ? e.state ?? '' : '';
  const ids = e.vid ? ` vid=${e.vid.slice(0, 8)}` : '';
  return `${time} ${site ? site + ' ' : ''}${e.type.padEnd(7)} pv=${e.pv.slice(0, 8)}${ids} ${detail}`.trimEnd();
}

// ---------------------------------------------------------------- CLI
const USAGE = `usage: node collector/src/server.mjs [--port 8787] [--host 127.0.0.1] [--out events.ndjson] [--max-body 65536]
  [--path /e]                         the one path that takes batches, e.g. /t/e
  relay mode (forward each batch to one vendor, fixed here, never by a request):
  --relay <vendor>                    posthog, snowplow, plausible, segment, umami, matomo (dist/transport/<vendor>.mjs)
  --relay-host <url>                  the vendor's host, e.g. https://eu.i.posthog.com
  --relay-option <key>=<value>        a mapping option (string), repeatable, e.g. apiKey=phc_...
  --relay-options <json>              mapping options as one JSON object (typed values)
  --relay-timeout <ms>                per vendor request (default 5000)
  --trust-proxy <ip|cidr>[,...]       believe X-Forwarded-For only from these (repeatable)
  --rate-limit <perSecond>,<burst>|off  per-client token bucket (relay default 5,60)`;

/** The serve flags (shared with bin/leadbeam-collector.mjs, which adds --store, --report-token…). */
export function parseArgs(argv, extra = () => false) {
  const opts = {};
  const relay = { options: {} };
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    const flag = eq > 0 && argv[i].startsWith('--') ? argv[i].slice(0, eq) : argv[i];
    const inline = flag !== argv[i] ? argv[i].slice(eq + 1) : undefined;
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--port') opts.port = Number(value());
    else if (flag === '--host') opts.host = value();
    else if (flag === '--out') opts.out = value();
    else if (flag === '--max-body') opts.maxBody = Number(value());
    else if (flag === '--path') opts.path = value();
    else if (flag === '--relay') relay.vendor = value();
    else if (flag === '--relay-host') relay.host = value();
    else if (flag === '--relay-timeout') relay.timeout = Number(value());
    else if (flag === '--relay-options') Object.assign(relay.options, JSON.parse(value()));
    else if (flag === '--relay-option') {
      const kv = value() || '';
      const at = kv.indexOf('=');
      if (at < 1) fail(`--relay-option needs key=value (got ${kv})`);
      relay.options[kv.slice(0, at)] = kv.slice(at + 1);
    } else if (flag === '--trust-proxy') (opts.trustProxy ||= []).push(...value().split(',').filter(Boolean));
    else if (flag === '--rate-limit') {
      const v = value();
      const [rate, burst] = v.split(',').map(Number);
      opts.rateLimit = v === 'off' ? false : { rate, burst: burst || undefined };
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (!extra(flag, value, opts)) fail(`unknown argument: ${argv[i]}`);
  }
  if (relay.vendor || relay.host) {
    if (!relay.vendor || !relay.host) fail('--relay and --relay-host go together');
    opts.relay = relay;
  }
  return opts;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2));
  const collector = await startCollector({ port: 8787, ...opts, log: true }).catch((err) => fail(err.message));
  const relaying = opts.relay ? ` relaying to ${opts.relay.vendor} at ${opts.relay.host}` : '';
  console.log(`listening on ${collector.url}${relaying}${opts.out ? ` (appending to ${opts.out})` : ''}`);
  const stop = async () => {
    await collector.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
