// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, formatEvent, type Collector } from '../../collector/src/server.mjs';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** A plain HTTP request (node:http gives full control over headers, unlike fetch). */
function send(
  url: string,
  { method = 'POST', headers = {}, body, signal }: { method?: string; headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

let n = 0;
/** A fresh, valid 22-character base64url id. */
const newId = () => `id${String(++n).padStart(20, '0')}`;
const PV = 'Hn7xW2kQe9RtY5uIo0pAsD';
const TS = 1732280000000;
const page = (extra: object = {}) => ({ type: 'page', id: newId(), ts: TS, pv: PV, url: 'https://example.com/', ...extra });
const batch = (...events: unknown[]) => JSON.stringify({ v: 1, site: 'LB-TEST', events });
const post = (c: Collector, body: string, headers: Record<string, string> = { 'content-type': 'text/plain;charset=UTF-8' }) =>
  send(c.url, { body, headers });

let c: Collector;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-collector-'));
  c = await startCollector({ out: join(dir, 'events.ndjson'), maxBody: 4096, requestTimeout: 400 });
});
afterEach(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reference collector', () => {
  it('exposes its address', () => {
    expect(c.url).toBe(`http://127.0.0.1:${c.port}/e`);
    expect(c.origin).toBe(`http://127.0.0.1:${c.port}`);
    expect(c.port).toBeGreaterThan(0);
  });

  it('accepts a text/plain (beacon) and an application/json batch with 200 {accepted, rejected}', async () => {
    const a = page();
    const b = { type: 'event', id: newId(), ts: TS, pv: PV, name: 'demo_booked', props: { plan: 'pro' } };
    const first = await post(c, batch(a));
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(first.text)).toEqual({ accepted: 1, rejected: [] });
    expect((await post(c, batch(b), { 'content-type': 'application/json' })).status).toBe(200);
    expect(c.events).toEqual([a, b]);
    expect(c.batches).toHaveLength(2);
    expect(c.batches[1]).toEqual({ v: 1, site: 'LB-TEST', events: [b] });
  });

  it('counts each event id once across and within batches; a duplicate counts as accepted', async () => {
    const a = page();
    const b = page();
    await post(c, batch(a));
    const retry = await post(c, batch(a, b)); // retry of a, plus a new one
    expect(JSON.parse(retry.text)).toEqual({ accepted: 2, rejected: [] });
    await post(c, batch(b, b));
    expect(c.events.map((e) => e.id)).toEqual([a.id, b.id]);
    expect(c.duplicates).toBe(3);
    expect(c.batches).toHaveLength(3); // every accepted batch is kept, duplicates or not
    const lines = readFileSync(join(dir, 'events.ndjson'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([a.id, b.id]);
  });

  it('one out-of-range event is rejected alone: 200, the others stored, the bad one listed with its reason', async () => {
    const before = page();
    const long = { type: 'engage', id: newId(), ts: TS, pv: PV, ms: 90_000_000 }; // a laptop asleep for 25 h
    const early = { type: 'event', id: newId(), ts: 1_400_000_000_000, pv: PV, name: 'x' }; // clock set to 2014
    const extra = page({ email: 'jan@acme.nl' });
    const form = { type: 'form', id: newId(), ts: TS, pv: PV };
    const after = { type: 'engage', id: newId(), ts: TS, pv: PV, ms: 1200 };
    const res = await post(c, batch(before, long, early, extra, form, null, { type: 'page' }, after));
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.text);
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((r: { id: string | null }) => r.id)).toEqual([long.id, early.id, extra.id, form.id, null, null]);
    const [ms, ts, email, domain] = answer.rejected.map((r: { error: string }) => r.error);
    expect(ms).toMatch(/\/ms .*86400000/);
    expect(ts).toMatch(/\/ts .*1500000000000/);
    expect(email).toMatch(/email/);
    expect(domain).toMatch(/domain/);
    expect(c.events).toEqual([before, after]);
    const lines = readFileSync(join(dir, 'events.ndjson'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([before.id, after.id]);

    // A batch of only invalid events still has a valid wrapper: 200, nothing stored.
    const none = await post(c, batch(long));
    expect(none.status).toBe(200);
    expect(JSON.parse(none.text)).toEqual({ accepted: 0, rejected: [{ id: long.id, error: expect.any(String) }] });
    expect(c.events).toHaveLength(2);
  });

  it('ignores unknown top-level fields (the format can grow) but keeps events closed', async () => {
    const a = page();
    const res = await post(c, JSON.stringify({ v: 1, site: 'LB-TEST', events: [a], future: { x: 1 }, ip: 'n/a' }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ accepted: 1, rejected: [] });
    expect(c.events).toEqual([a]);
  });

  it('sent: a client clock off by more than a minute has its ts corrected to server time, so its events are kept', async () => {
    const now = Date.now();
    const sent = now - 10 * 365 * 86_400_000; // the client thinks it is ten years ago (before 2017)
    const old = page({ ts: sent - 5000 });
    const res = await post(c, JSON.stringify({ v: 1, site: 'LB-TEST', sent, events: [old] }));
    expect(JSON.parse(res.text)).toEqual({ accepted: 1, rejected: [] });
    expect(c.events[0].ts).toBeGreaterThanOrEqual(now - 5000);
    expect(c.events[0].ts).toBeLessThan(Date.now() - 4000);
    expect(c.batches[0].events[0]).toEqual(old); // the batch is kept as received

    // Within a minute it is latency, not skew: ts is stored as sent.
    const fine = page();
    await post(c, JSON.stringify({ v: 1, site: 'LB-TEST', sent: Date.now() - 2000, events: [fine] }));
    expect(c.events[1]).toEqual(fine);
  });

  it('answers 400 with a reason only for an invalid wrapper or malformed JSON, accepting nothing', async () => {
    for (const wrapper of [
      { v: 2, site: 'x', events: [page()] },
      { v: 1, site: '', events: [page()] },
      { v: 1, events: [page()] },
      { v: 1, site: 'x', events: [] },
      { v: 1, site: 'x', events: page() },
      { v: 1, site: 'x', events: Array.from({ length: 501 }, () => 0) }, // over 500 (tiny, to stay under maxBody)
      { v: 1, site: 'x', events: [page()], dropped: -1 },
      { v: 1, site: 'x', events: [page()], sent: 'now' },
    ]) {
      const res = await post(c, JSON.stringify(wrapper));
      expect(res.status, JSON.stringify(wrapper).slice(0, 80)).toBe(400);
      expect(JSON.parse(res.text)).toEqual({ error: expect.any(String) });
    }
    const v2 = await post(c, JSON.stringify({ v: 2, site: 'x', events: [page()] }));
    expect(JSON.parse(v2.text).error).toMatch(/^\/v /);

    const bad = await post(c, '{"v":1,"site":');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(bad.text)).toEqual({ error: expect.any(String) });

    expect((await post(c, '')).status).toBe(400);
    expect(c.events).toEqual([]);
    expect(c.batches).toEqual([]);
    expect(existsSync(join(dir, 'events.ndjson'))).toBe(false);
  });

  it('answers 413 to a body over maxBody, announced or streamed, without accepting it', async () => {
    const big = batch(page({ title: 'x'.repeat(300) }), ...Array.from({ length: 30 }, () => page()));
    expect(Buffer.byteLength(big)).toBeGreaterThan(4096);
    expect((await post(c, big)).status).toBe(413);

    // Chunked upload without Content-Length: the limit is enforced while reading.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(c.url, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('{"v":1,"site":"x","events":[');
      req.write(' '.repeat(8000));
      // Never end the request: the server must not wait for the rest.
    });
    expect(streamed).toBe(413);
    expect(c.events).toEqual([]);
    expect(c.received.filter((r) => r.status === 413)).toHaveLength(2);
  });

  it('drops a request whose body trickles in slower than requestTimeout (slowloris)', async () => {
    const socket = connect(c.port, '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    socket.write('POST /e HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"v":1');
    const start = Date.now();
    const data = await answer;
    expect(Date.now() - start).toBeLessThan(5000);
    expect(data).toMatch(/^HTTP\/1\.1 408/);
    expect(c.events).toEqual([]);
  });

  it('sends CORS headers for any origin without credentials, and answers the preflight', async () => {
    const res = await post(c, batch(page()), { 'content-type': 'application/json', origin: 'https://shop.example.com' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();

    const pre = await send(c.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(pre.headers['access-control-allow-methods']).toMatch(/GET/);
    expect(pre.headers['access-control-allow-methods']).toMatch(/OPTIONS/);
    expect(pre.headers['access-control-allow-headers']).toMatch(/content-type/i);
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();

    const err = await post(c, 'nope', { origin: 'https://shop.example.com' });
    expect(err.headers['access-control-allow-origin']).toBe('*'); // errors are readable cross-origin too

    expect(c.received.map((r) => [r.method, r.status])).toEqual([['POST', 200], ['OPTIONS', 204], ['POST', 400]]);
    expect(c.received[1].headers.origin).toBe('https://shop.example.com');
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await send(`${c.origin}/other`, { body: batch(page()) })).status).toBe(404);
    expect((await send(`${c.origin}/`, { method: 'GET' })).status).toBe(404);
    const put = await send(c.url, { method: 'PUT', body: batch(page()) });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toMatch(/POST/);
    expect(c.events).toEqual([]);
  });

  it('accepts the GET image pixel (URI-encoded or base64url JSON) with a 1x1 GIF', async () => {
    const a = page();
    const res = await send(`${c.url}?d=${encodeURIComponent(batch(a))}`, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.body.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(res.body.readUInt16LE(6)).toBe(1); // width
    expect(res.body.readUInt16LE(8)).toBe(1); // height

    const b = page();
    const b64 = Buffer.from(batch(b)).toString('base64url');
    expect((await send(`${c.url}?d=${b64}`, { method: 'GET' })).status).toBe(200);
    expect(c.events).toEqual([a, b]);
    expect(c.received[0]).toMatchObject({ method: 'GET', path: '/e', body: batch(a), status: 200 });

    // A bad event in a valid wrapper: still the GIF (an image cannot read a body), the rest stored.
    const good = page();
    const mixed = await send(`${c.url}?d=${encodeURIComponent(batch({ type: 'engage', id: newId(), ts: TS, pv: PV, ms: 90_000_000 }, good))}`, { method: 'GET' });
    expect([mixed.status, mixed.headers['content-type']]).toEqual([200, 'image/gif']);
    expect(c.events).toEqual([a, b, good]);

    expect((await send(`${c.url}?d=${encodeURIComponent('{"v":1}')}`, { method: 'GET' })).status).toBe(400);
    expect((await send(c.url, { method: 'GET' })).status).toBe(400);
    expect((await send(`${c.url}?d=${'x'.repeat(5000)}`, { method: 'GET' })).status).toBe(413);
  });

  it('fault hook: answers a chosen status without accepting, with the request index and body', async () => {
    const seen: { method: string; body: string; index: number }[] = [];
    c.fault((req) => {
      seen.push(req);
      if (req.index < 3) return { status: 500 };
      if (req.index === 3) return { status: 429, headers: { 'Retry-After': '2' }, body: { error: 'slow down' } };
      if (req.index === 4) return { status: 408 };
      return undefined;
    });
    const body = batch(page());
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(c, body)).status);
    expect(statuses).toEqual([500, 500, 500, 429, 408, 200]);
    expect(seen.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen[0]).toEqual({ method: 'POST', body, index: 0 });
    expect(c.events).toHaveLength(1); // only the last one was accepted
    expect(c.batches).toHaveLength(1);

    const limited = await (c.fault(() => ({ status: 429, headers: { 'Retry-After': '2' } })), post(c, body));
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.headers['access-control-allow-origin']).toBe('*');
    expect(limited.headers['access-control-expose-headers']).toMatch(/Retry-After/i);

    c.fault(() => ({ status: 400, body: { error: 'rejected' } }));
    const rejected = await post(c, batch(page()));
    expect(rejected.status).toBe(400);
    expect(JSON.parse(rejected.text)).toEqual({ error: 'rejected' });

    c.fault(null);
    expect((await post(c, batch(page()))).status).toBe(200);
  });

  it('fault hook: delayMs accepts normally after the delay', async () => {
    c.fault(() => ({ delayMs: 150 }));
    const start = Date.now();
    const res = await post(c, batch(page()));
    expect(res.status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    expect(c.events).toHaveLength(1);
  });

  it('fault hook: hang never answers, accepts nothing, and close() ends the socket', async () => {
    c.fault(() => ({ hang: true }));
    const pending = post(c, batch(page()));
    let settled = false;
    pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Longer than requestTimeout (400 ms): a fully received request is not timed out.
    await new Promise((r) => setTimeout(r, 700));
    expect(settled).toBe(false);
    expect(c.events).toEqual([]);
    expect(c.received[0].status).toBeNull();
    await c.close();
    await expect(pending).rejects.toThrow();
  });

  it('appends each new event to the NDJSON file, in order, with its site', async () => {
    const a = page();
    const b = { type: 'form', id: newId(), ts: TS, pv: PV, domain: 'acme.nl' };
    const d = { type: 'engage', id: newId(), ts: TS, pv: PV, ms: 1200 };
    await Promise.all([post(c, batch(a, b)), post(c, batch(a))]);
    await post(c, batch(d));
    const lines = readFileSync(join(dir, 'events.ndjson'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual([a, b, d].map((e) => ({ site: 'LB-TEST', ...e })));
  });

  it('never records an IP address', async () => {
    await post(c, batch(page()), {
      'content-type': 'text/plain',
      origin: 'https://acme.example',
      'x-forwarded-for': '203.0.113.7',
      'x-real-ip': '203.0.113.8',
      'user-agent': 'test-agent',
    });
    await send(`${c.url}?d=${encodeURIComponent(batch(page()))}`, { method: 'GET', headers: { 'x-forwarded-for': '203.0.113.9' } });
    const dump = JSON.stringify([c.received, c.batches, c.events]) + readFileSync(join(dir, 'events.ndjson'), 'utf8');
    expect(dump).not.toMatch(/127\.0\.0\.1|::1|::ffff|203\.0\.113|test-agent/);
    expect(Object.keys(c.received[0]).sort()).toEqual(['body', 'headers', 'method', 'path', 'status']);
    expect(Object.keys(c.received[0].headers).sort()).toEqual(['content-type', 'origin']);
  });

  it('reset() forgets requests, events, seen ids and the fault hook', async () => {
    const a = page();
    c.fault(({ index }) => (index === 0 ? { status: 503 } : undefined));
    await post(c, batch(a));
    await post(c, batch(a));
    c.reset();
    expect([c.received, c.batches, c.events, c.duplicates]).toEqual([[], [], [], 0]);
    expect((await post(c, batch(a))).status).toBe(200); // hook cleared, id no longer seen
    expect(c.events).toEqual([a]);
  });

  it('logs one compact line per event when asked to', async () => {
    const lines: string[] = [];
    const logged = await startCollector({ log: (e, b) => lines.push(formatEvent(e, b.site)) });
    try {
      await post(logged, batch(page({ url: 'https://example.com/pricing' }), { type: 'form', id: newId(), ts: TS, pv: PV, domain: 'acme.nl' }));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/page .*pv=Hn7xW2kQ .*https:\/\/example\.com\/pricing/);
      expect(lines[1]).toMatch(/form .*acme\.nl$/);
    } finally {
      await logged.close();
    }
  });
});
