// @vitest-environment node
// The reference collector under abuse: malformed JSON, every content type,
// oversized and slow (slowloris) bodies, idle connections, a failing disk, and
// 1 000 concurrent requests on loopback. It must answer each correctly, stay up,
// and never lose from its NDJSON output an event it acknowledged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../collector/src/server.mjs';

const TIMEOUT = 400; // the collector's requestTimeout here: short, so slow-client tests stay fast
const MAX_BODY = 8192;

interface Res {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

function send(url: string, { method = 'POST', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

let n = 0;
const newId = () => `rb${String(++n).padStart(20, '0')}`;
const PV = 'Hn7xW2kQe9RtY5uIo0pAsD';
const TS = 1732280000000;
const page = () => ({ type: 'page', id: newId(), ts: TS, pv: PV, url: 'https://example.com/' });
const batch = (...events: unknown[]) => JSON.stringify({ v: 1, site: 'LB-ROBUST', events });

let c: Collector;
let dir: string;
let out: string;
const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'text/plain;charset=UTF-8' }) => send(c.url, { body, headers });

/** The collector is still up and accepting: a fresh valid batch gets 200 and reaches the NDJSON file. */
async function expectAlive(): Promise<void> {
  const e = page();
  expect((await post(batch(e))).status).toBe(200);
  expect(lines().some((l) => l.id == e.id)).toBe(true);
}

/** Waits until the socket is closed by the server; resolves with what the server wrote. */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(data));
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-robust-'));
  out = join(dir, 'events.ndjson');
  c = await startCollector({ out, maxBody: MAX_BODY, requestTimeout: TIMEOUT });
});
afterEach(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('malformed and odd input', () => {
  it('malformed JSON and invalid wrappers of every kind: 400 with a JSON reason, nothing accepted, still up', async () => {
    const junk: (string | Buffer)[] = [
      '',
      ' ',
      '{',
      '{"v":1,"site":"LB","events":[',
      'null',
      'true',
      '42',
      '"string"',
      '[]',
      '[' + batch(page()) + ']',
      '{}',
      '{"v":1}',
      '{"v":1,"site":"LB","events":[]}',
      '{"v":1,"site":"LB","events":{}}',
      '{"v":1,"site":"","events":[' + JSON.stringify(page()) + ']}',
      '{"v":1,"site":7,"events":[' + JSON.stringify(page()) + ']}',
      '{"v":1,"site":"LB","events":[' + JSON.stringify(page()) + '],"dropped":-1}',
      '{"v":1,"site":"LB","events":[' + JSON.stringify(page()) + '],"sent":"yesterday"}',
      '{"v":NaN}',
      "{'v':1}",
      '{"v":1,"site":"LB","events":[' + JSON.stringify(page()) + ']}garbage',
      '['.repeat(4000) + ']'.repeat(4000),
      '{"a":'.repeat(1200) + '1' + '}'.repeat(1200),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28]), // invalid UTF-8
      '\u0000\u0001\u0002',
      JSON.stringify({ v: 1, site: 'LB', events: Array.from({ length: 501 }, () => ({ type: 'engage', id: 'e'.repeat(16), ts: TS, pv: PV })) }).slice(0, 100),
    ];
    for (const body of junk) {
      const res = await post(body);
      expect(res.status, `body ${String(body).slice(0, 60)}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(JSON.parse(res.text)).toEqual({ error: expect.any(String) });
    }
    expect(c.events).toEqual([]);
    expect(lines()).toEqual([]);
    await expectAlive();
  });

  it('bad events in a valid wrapper: 200, each rejected alone with its id, the valid ones stored', async () => {
    const bad: unknown[] = [
      null,
      42,
      'page',
      [],
      { type: 'page' },
      { type: 'page', id: 'x', ts: 1, pv: 'y' },
      { ...page(), ip: '1.2.3.4' },
      { ...page(), ts: 'now' },
      { ...page(), ts: 1_400_000_000_000 },
      { ...page(), type: 'form' },
      { ...page(), type: 'engage', url: undefined, ms: 90_000_000 },
      { ...page(), ['__proto__']: { admin: true } },
    ];
    const good = [page(), page()];
    const res = await post(batch(good[0], ...bad, good[1]));
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.text);
    expect(answer.accepted).toBe(2);
    expect(answer.rejected).toHaveLength(bad.length);
    for (const [i, r] of answer.rejected.entries()) {
      const e = bad[i] as { id?: unknown } | null;
      expect(r).toEqual({ id: e && typeof e == 'object' && typeof e.id == 'string' ? e.id : null, error: expect.any(String) });
    }
    expect(lines().map((l) => l.id)).toEqual(good.map((e) => e.id));
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    await expectAlive();
  });

  it('unknown top-level fields, __proto__ included, are ignored', async () => {
    const e = page();
    const res = await post('{"v":1,"site":"LB","__proto__":{"admin":true},"next":[1,2],"events":[' + JSON.stringify(e) + ']}');
    expect([res.status, JSON.parse(res.text)]).toEqual([200, { accepted: 1, rejected: [] }]);
    expect(lines().map((l) => l.id)).toEqual([e.id]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('any content type carries a valid batch (sendBeacon sends text/plain); methods and paths are answered correctly', async () => {
    const types = [
      'text/plain;charset=UTF-8',
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'text/plain; charset=latin1',
      'image/gif',
      '',
    ];
    const ids: string[] = [];
    for (const type of types) {
      const e = page();
      ids.push(e.id);
      const res = await post(batch(e), type ? { 'content-type': type } : {});
      expect(res.status, type).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
    expect(lines().map((l) => l.id)).toEqual(ids);
    // Image pixel: GET with d=; a broken d is 400, a valid one a GIF.
    expect((await send(`${c.url}?d=${encodeURIComponent('{"v":')}`, { method: 'GET' })).status).toBe(400);
    expect((await send(c.url, { method: 'GET' })).status).toBe(400);
    const pixel = await send(`${c.url}?d=${encodeURIComponent(batch(page()))}`, { method: 'GET' });
    expect(pixel.status).toBe(200);
    expect(pixel.headers['content-type']).toBe('image/gif');
    // Other methods and paths.
    expect((await send(c.url, { method: 'PUT', body: batch(page()) })).status).toBe(405);
    expect((await send(c.url, { method: 'DELETE' })).status).toBe(405);
    expect((await send(c.origin + '/other', { body: batch(page()) })).status).toBe(404);
    expect((await send(c.url, { method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' } })).status).toBe(204);
    await expectAlive();
  });
});

describe('oversized and slow clients', () => {
  it('oversized bodies (announced, chunked, pixel): 413 without buffering them, still up', async () => {
    const big = 'x'.repeat(MAX_BODY + 1);
    expect((await post(big)).status).toBe(413);
    // Chunked (no content-length): refused once the limit is crossed.
    const chunked = await new Promise<number>((resolve) => {
      const req = request(c.url, { method: 'POST', agent, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => resolve(-1)); // the collector may close the socket once it answered
      for (let i = 0; i < 20; i++) req.write('y'.repeat(1024));
      req.end();
    });
    expect([413, -1]).toContain(chunked);
    // The pixel's d parameter has the same bound.
    expect((await send(`${c.url}?d=${'z'.repeat(MAX_BODY + 1)}`, { method: 'GET' })).status).toBe(413);
    // 10 MB announced: answered at once.
    const start = Date.now();
    const huge = await new Promise<number>((resolve) => {
      const req = request(c.url, { method: 'POST', agent, headers: { 'content-length': String(10 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => resolve(-1));
      req.write('{');
    });
    expect(huge).toBe(413);
    expect(Date.now() - start).toBeLessThan(TIMEOUT * 5);
    expect(c.events).toEqual([]);
    await expectAlive();
  });

  it('slowloris: slow headers, a trickling body and idle connections are cut off in bounded time while others are served', async () => {
    const port = c.port;
    const open = () => connect(port, '127.0.0.1');
    const sockets: Socket[] = [];
    const timers: ReturnType<typeof setInterval>[] = [];
    // 20 clients sending headers one byte at a time, 20 trickling a body, 20 saying nothing at all.
    for (let i = 0; i < 20; i++) {
      const head = open();
      const text = `POST /e HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n`;
      let k = 0;
      timers.push(setInterval(() => k < text.length && !head.destroyed && head.write(text[k++]), 20));
      const body = open();
      const payload = batch(page());
      body.write(`POST /e HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${payload.length}\r\n\r\n`);
      let j = 0;
      timers.push(setInterval(() => j < payload.length - 1 && !body.destroyed && body.write(payload[j++]), 20));
      sockets.push(head, body, open());
    }
    const start = Date.now();
    const done = Promise.all(sockets.map(closed));
    // Meanwhile, normal clients are served.
    for (let i = 0; i < 10; i++) await expectAlive();
    const answers = await done;
    const elapsed = Date.now() - start;
    timers.forEach(clearInterval);
    // Cut off within the request timeout, plus the collector's check interval and some slack; never accepted.
    expect(elapsed).toBeLessThan(TIMEOUT * 4 + 6000);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 2'))).toEqual([]);
    expect(c.events.every((e) => e.id.startsWith('rb'))).toBe(true);
    expect(c.received.filter((r) => r.status != null && r.status < 300).length).toBe(10);
    await expectAlive();
  });
});

describe('durability', () => {
  it('a failing disk: 5xx (so the client retries), never an ack; once the disk is back the retry is written', async () => {
    await c.close();
    const missing = join(dir, 'not-yet', 'events.ndjson');
    c = await startCollector({ out: missing, maxBody: MAX_BODY, requestTimeout: TIMEOUT });
    const e = page();
    const first = await post(batch(e));
    expect(first.status).toBeGreaterThanOrEqual(500);
    mkdirSync(join(dir, 'not-yet'));
    // The same batch again (a client retry): accepted and written, not taken for a duplicate.
    expect((await post(batch(e))).status).toBe(200);
    const other = page();
    expect((await post(batch(other))).status).toBe(200);
    const written = readFileSync(missing, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(written).toEqual([e.id, other.id]);
  });

  it('1 000 concurrent requests (valid, duplicate, invalid event, invalid wrapper, oversized): each answered correctly, every acknowledged event in the NDJSON exactly once', async () => {
    const acked = new Set<string>();
    const refusedIds = new Set<string>();
    const shared = page(); // the same event in many batches: counted once
    let checkedOnAck = 0;
    const jobs = Array.from({ length: 1000 }, async (_, i) => {
      const kind = i % 10;
      if (kind == 9) {
        // One bad event among good ones: rejected alone, the others acknowledged.
        const e = page();
        const ok = page();
        refusedIds.add(e.id);
        const res = await post(batch({ ...e, ip: '10.0.0.1' }, ok));
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toEqual({ accepted: 1, rejected: [{ id: e.id, error: expect.stringMatching(/ip/) }] });
        acked.add(ok.id);
      } else if (kind == 7 && i % 20 == 7) {
        const e = page();
        refusedIds.add(e.id);
        expect((await post(JSON.stringify({ v: 1, site: '', events: [e] }))).status).toBe(400);
      } else if (kind == 8) {
        const res = await post('x'.repeat(MAX_BODY + 10)).catch(() => ({ status: 413 }) as Res);
        expect(res.status).toBe(413);
      } else {
        const events = [page(), page(), ...(kind == 0 ? [shared] : [])];
        const res = await post(batch(...events));
        expect(res.status).toBe(200);
        events.forEach((e) => acked.add(e.id));
        // Acknowledged means on disk: check it at the moment of the answer, for some of them.
        if (i % 50 == 1) {
          const onDisk = new Set(lines().map((l) => l.id));
          expect(events.every((e) => onDisk.has(e.id))).toBe(true);
          checkedOnAck++;
        }
      }
    });
    const start = Date.now();
    await Promise.all(jobs);
    const elapsed = Date.now() - start;
    const written = lines().map((l) => l.id);
    expect(written.length).toBe(new Set(written).size); // exactly once
    expect(new Set(written)).toEqual(acked); // nothing lost, nothing extra
    for (const id of refusedIds) expect(acked.has(id)).toBe(false);
    expect(c.events.length).toBe(acked.size);
    expect(c.duplicates).toBeGreaterThanOrEqual(99);
    expect(checkedOnAck).toBeGreaterThan(10);
    expect(elapsed).toBeLessThan(30_000);
    await expectAlive();
  }, 40_000);
});
