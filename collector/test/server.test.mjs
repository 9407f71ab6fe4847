// The collector server with a store: no IP in anything it writes, company
// recognition and opt-out, retention, erasure (command and forget request),
// 503 when the store is down, the report page's token, rate limits.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startCollector } from '../src/server.mjs';
import { openStore, storeUnavailable } from '../src/store.mjs';
import { startPostgres, findPostgresBin } from './pg.mjs';
import { resolve as testResolver } from './fixtures/test-resolver.mjs';

const BIN = new URL('../bin/leadbeam-collector.mjs', import.meta.url).pathname;
const RESOLVER = new URL('./fixtures/test-resolver.mjs', import.meta.url).pathname;
const TOKEN = 'report-token-0123456789';
const DAY = 86_400_000;
const VID_A = 'visitorAAAAAAAAAAAAAAAAAA';
const VID_B = 'visitorBBBBBBBBBBBBBBBBBB';
// Every spelling of the test addresses that could end up in a file.
const IP_TEXTS = ['198.51.100.7', 'c6336407', 'c633:6407', '2001:db8::7', '2001:0db8', '2001:db8:0:0:0:0:0:7', '127.0.0.2', '203.0.113.9'];

let cluster;
let dbIndex = 0;
const dirs = [];
const children = new Set();

beforeAll(async () => {
  cluster = await startPostgres();
}, 180_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cluster?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freshDatabase() {
  const name = `s${process.pid}_${dbIndex++}`;
  const c = new pg.Client(cluster.url);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return { url: cluster.url.replace(/\/postgres$/, `/${name}`), name };
}
function freshDir() {
  const d = mkdtempSync(join(tmpdir(), 'leadbeam-server-'));
  dirs.push(d);
  return d;
}

let seq = 0;
const id = (p) => `${p}${String(seq++).padStart(16, '0')}`;
const page = (vid, extra = {}) => ({ type: 'page', id: id('p'), ts: Date.now(), pv: id('v'), vid, url: 'https://example.com/pricing', ...extra });
const form = (vid, pv, domain) => ({ type: 'form', id: id('f'), ts: Date.now(), pv, vid, domain });

/** A raw HTTP request (so the socket's local address and headers are ours to choose). */
function http(url, { method = 'POST', body, headers = {}, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const send = (url, events, opts = {}) => http(url, { ...opts, body: JSON.stringify({ v: 1, site: 'LB-TEST', events }) });
const all = async (store) => {
  const out = [];
  for await (const e of store.events()) out.push(e);
  return out;
};

/** Starts `leadbeam-collector <args>`; resolves once it prints where it listens. */
function startBin(args) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((r) => child.once('exit', r));
  const ready = new Promise((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/[\d.:]+)\/e/.exec(out.stdout);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`collector exited ${code}: ${out.stderr}`)));
  });
  return { child, out, ready, exited, stop: () => (child.kill('SIGTERM'), exited.then(() => children.delete(child))) };
}

const run = (args) => promisify(execFile)(process.execPath, [BIN, ...args]);

describe.each(['ndjson', 'postgres'])('serve with the %s store', (kind) => {
  it('stores the recognised company and network of each event, and no byte it wrote holds the client IP', async () => {
    const dir = freshDir();
    const db = kind === 'postgres' ? await freshDatabase() : null;
    const spec = db ? db.url : `ndjson:${dir}`;
    const bin = startBin(['serve', '--port', '0', '--store', spec, '--resolver', RESOLVER, '--trust-proxy', '127.0.0.1', '--report-token', TOKEN]);
    const origin = await bin.ready;
    const pv = id('v');
    // Through the trusted proxy (127.0.0.1): the client is the X-Forwarded-For hop, v4 and v6.
    expect((await send(origin + '/e', [page(VID_A, { pv }), form(VID_A, pv, 'example.org')], { headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(200);
    expect((await send(origin + '/e', [page(VID_B)], { headers: { 'x-forwarded-for': '2001:db8::7' } })).status).toBe(200);
    expect((await send(origin + '/e', [page(undefined)], { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
    // Straight from the socket, a loopback alias: no proxy, so its own address is the client's.
    expect((await send(origin + '/e', [page(undefined)], { localAddress: '127.0.0.2' })).status).toBe(200);
    // The pixel, a bad body and an unknown path: the error paths write nothing with an IP either.
    const pixel = encodeURIComponent(JSON.stringify({ v: 1, site: 'LB-TEST', events: [page(undefined)] }));
    expect((await http(`${origin}/e?d=${pixel}`, { method: 'GET', headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(200);
    expect((await http(origin + '/e', { body: 'not json', headers: { 'x-forwarded-for': '198.51.100.7' } })).status).toBe(400);
    expect((await http(origin + '/nope', { headers: { 'x-forwarded-for': '2001:db8::7' } })).status).toBe(404);
    const report = await http(`${origin}/report?token=${TOKEN}`, { method: 'GET', headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(report.status).toBe(200);
    const reportJson = await http(`${origin}/report.json`, { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
    await bin.stop();

    // The lookup happened (so the IP was there to leak): the terminal and the report name the organisations.
    expect(bin.out.stdout).toContain('recognised: example.org (form)');
    expect(bin.out.stdout).toContain('recognised: Example Corp');
    expect(bin.out.stdout).toContain('recognised: Loopback Two Ltd');
    expect(bin.out.stdout).toContain('not a company: Example Telecom (access)');
    for (const name of ['example.org', 'Example Corp', 'Loopback Two Ltd']) expect(report.text).toContain(name);

    const store = await openStore(spec);
    const events = await all(store);
    await store.close();
    const byVid = (v) => events.filter((e) => e.vid === v);
    // The form domain wins over the network; the network is kept beside it.
    expect(byVid(VID_A).find((e) => e.type === 'form')).toMatchObject({
      company: { domain: 'example.org', source: 'form' },
      network: { asn: 64501, organisation: 'Example Research Lab', kind: 'education' },
    });
    expect(byVid(VID_A).find((e) => e.type === 'page').company).toEqual({ name: 'Example Research Lab', source: 'network', asn: 64501, kind: 'education' });
    expect(byVid(VID_B)[0].company).toEqual({ name: 'Example Corp', source: 'network', asn: 64502, kind: 'company' });
    expect(events.filter((e) => e.network && e.network.kind === 'access').map((e) => e.company)).toEqual([undefined]);
    expect(events).toHaveLength(6);

    // Every byte written: the store (files, or a pg_dump and SELECT * of the database), the logs, the report.
    let written = bin.out.stdout + bin.out.stderr + report.text + reportJson.text;
    if (db) {
      const dump = await promisify(execFile)(join(findPostgresBin(), 'pg_dump'), ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', db.name]);
      expect(dump.stdout).toContain('Example Corp');
      written += dump.stdout;
      const c = new pg.Client(db.url);
      await c.connect();
      written += JSON.stringify((await c.query('SELECT * FROM leadbeam_events')).rows);
      await c.end();
    } else {
      for (const f of readdirSync(dir)) written += readFileSync(join(dir, f), 'latin1');
      expect(written).toContain('Example Corp');
    }
    for (const ip of IP_TEXTS) expect(written.toLowerCase(), `written bytes hold ${ip}`).not.toContain(ip);
  });

  it('erase <visitor-id> deletes the visitor and the page views they share; the forget request reaches the store too', async () => {
    const dir = freshDir();
    const spec = kind === 'postgres' ? (await freshDatabase()).url : `ndjson:${dir}`;
    const c = await startCollector({ store: spec });
    const shared = id('v');
    await send(c.url, [page(VID_A, { pv: shared }), page(undefined, { pv: shared }), page(VID_B)]);
    await send(c.url, [page(VID_B)]);
    await c.close();
    const { stdout } = await run(['erase', VID_A, '--store', spec]);
    expect(stdout).toContain('erased 2 event(s)');
    let store = await openStore(spec);
    expect((await all(store)).map((e) => e.vid)).toEqual([VID_B, VID_B]);
    await store.close();

    const c2 = await startCollector({ store: spec });
    expect((await http(c2.url, { body: JSON.stringify({ v: 1, site: 'LB-TEST', forget: VID_B }) })).status).toBe(202);
    await c2.close();
    store = await openStore(spec);
    expect(await all(store)).toEqual([]);
    await store.close();
  });

  it('--retention-days deletes events older than N days at start', async () => {
    const dir = freshDir();
    const spec = kind === 'postgres' ? (await freshDatabase()).url : `ndjson:${dir}`;
    const old = await openStore(spec, { now: () => Date.now() - 40 * DAY });
    await old.write('LB-TEST', [page(VID_A)]);
    await old.close();
    const recent = await openStore(spec, { now: () => Date.now() - 5 * DAY });
    await recent.write('LB-TEST', [page(VID_B)]);
    await recent.close();
    const c = await startCollector({ store: spec, retentionDays: 30 });
    await c.close();
    const store = await openStore(spec);
    expect((await all(store)).map((e) => e.vid)).toEqual([VID_B]);
    await store.close();
  });
});

describe('the collector with a store', () => {
  it('a company on the opt-out list (by AS number or domain) is stored without any company data, its form domain dropped', async () => {
    const dir = freshDir();
    const c = await startCollector({
      store: `ndjson:${dir}`,
      resolve: testResolver,
      trustProxy: ['127.0.0.1'],
      optOut: { domains: ['optout.example', 'private-holding.example'], asns: [64502] },
    });
    const pvA = id('v');
    const pvB = id('v');
    const pvC = id('v');
    // By ASN: Example Corp's own network.
    await send(c.url, [page(VID_A, { pv: pvA }), form(VID_A, pvA, 'examplecorp.example')], { headers: { 'x-forwarded-for': '2001:db8::7' } });
    // By domain: a form domain (and its subdomains) from a network that is recognised otherwise.
    await send(c.url, [page(VID_B, { pv: pvB }), form(VID_B, pvB, 'mail.optout.example')], { headers: { 'x-forwarded-for': '198.51.100.7' } });
    // By the domain a (commercial) resolver gives the network.
    await send(c.url, [page(undefined, { pv: pvC })], { headers: { 'x-forwarded-for': '203.0.113.10' } });
    // Not opted out: still recognised.
    await send(c.url, [page(undefined)], { headers: { 'x-forwarded-for': '198.51.100.7' } });
    await c.close();
    const store = await openStore(`ndjson:${dir}`);
    const events = await all(store);
    await store.close();
    const optedOut = events.filter((e) => e.pv === pvA || e.pv === pvC || (e.pv === pvB && e.type === 'form'));
    expect(optedOut).toHaveLength(4);
    for (const e of optedOut) {
      expect(e.company).toBeUndefined();
      expect(e.network).toBeUndefined();
      expect(e.domain).toBeUndefined();
    }
    const text = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    for (const s of ['examplecorp.example', 'optout.example', 'Example Corp', 'Private Holding']) expect(text).not.toContain(s);
    expect(events.filter((e) => e.company?.name === 'Example Research Lab')).toHaveLength(2);
  });

  it('answers 503 with Retry-After, not 2xx, while the store cannot take the events', async () => {
    const store = { write: () => Promise.reject(storeUnavailable(new Error('down'))), erase: async () => 0, purgeOlderThan: async () => 0, events: async function* () {}, close: async () => {} };
    const c = await startCollector({ store });
    const r = await send(c.url, [page(VID_A)]);
    await c.close();
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
  });

  it('rate-limits ingest and erasure per client with 429 and Retry-After', async () => {
    const c = await startCollector({ store: `ndjson:${freshDir()}`, rateLimit: { rate: 0.5, burst: 2 } });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await send(c.url, [page(VID_A)])).status);
    const other = await send(c.url, [page(VID_A)], { localAddress: '127.0.0.2' });
    await c.close();
    // Erasure has its own bucket (10 at once, then 1 a minute), also with the ingest limit off.
    const e = await startCollector({ store: `ndjson:${freshDir()}`, rateLimit: false });
    const erasures = [];
    for (let i = 0; i < 11; i++) erasures.push(await http(e.url, { body: JSON.stringify({ v: 1, site: 'LB-TEST', forget: VID_A }) }));
    await e.close();
    expect(codes).toEqual([200, 200, 429]);
    expect(other.status).toBe(200); // another client has its own bucket
    expect(erasures.slice(0, 10).every((r) => r.status === 202)).toBe(true);
    expect(erasures[10].status).toBe(429);
    expect(Number(erasures[10].headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the report is off without a token, and needs the token (Bearer or ?token=) when one is set', async () => {
    const off = await startCollector({ store: `ndjson:${freshDir()}` });
    expect((await http(off.origin + '/report', { method: 'GET' })).status).toBe(404);
    await off.close();
    const dir = freshDir();
    const c = await startCollector({ store: `ndjson:${dir}`, resolve: testResolver, trustProxy: ['127.0.0.1'], reportToken: TOKEN });
    await send(c.url, [page(VID_A)], { headers: { 'x-forwarded-for': '2001:db8::7' } });
    const get = (path, headers) => http(c.origin + path, { method: 'GET', headers });
    expect((await get('/report')).status).toBe(401);
    expect((await get('/report?token=wrong-token-0123456789')).status).toBe(401);
    expect((await get('/report.json', { authorization: 'Bearer wrong' })).status).toBe(401);
    const html = await get(`/report?token=${TOKEN}`);
    expect(html.status).toBe(200);
    expect(html.headers['access-control-allow-origin']).toBeUndefined();
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    const json = JSON.parse((await get('/report.json', { authorization: `Bearer ${TOKEN}` })).text);
    expect(json.companies.map((x) => x.name)).toEqual(['Example Corp']);
    expect(json.companies[0]).toMatchObject({ pageViews: 1, pages: ['/pricing'], networks: ['Example Corp (AS64502, company)'] });
    await c.close();
    // The report command prints the same table from the store.
    const { stdout } = await run(['report', '--store', `ndjson:${dir}`]);
    expect(stdout).toContain('1 company recognised');
    expect(stdout).toMatch(/Example Corp\s+—\s+Example Corp \(AS64502, company\)/);
  });
});
