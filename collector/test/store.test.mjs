// The event stores (collector/src/store.mjs) against real disks and a real
// PostgreSQL (a throwaway cluster from test/pg.mjs): de-duplication, erasure
// (with shared page views), retention, several processes, SIGKILL, database down.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, isStoreUnavailable } from '../src/store.mjs';
import { startPostgres, freePort } from './pg.mjs';
import { batchIds, pageEvent } from './store-events.mjs';

const WRITER = new URL('./store-writer.mjs', import.meta.url).pathname;
const DAY = 86_400_000;
const A = 'visitorAAAAAAAAAAAAAAAAAA';
const B = 'visitorBBBBBBBBBBBBBBBBBB';

let cluster;
let dbIndex = 0;
const dirs = [];
const children = new Set(); // writer processes, killed after a failed test

beforeAll(async () => {
  cluster = await startPostgres();
  console.log(`[store tests] PostgreSQL cluster started in ${cluster.startMs} ms`);
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cluster?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh database on the cluster, so each test starts empty. */
async function freshDatabase() {
  const name = `t${process.pid}_${dbIndex++}`;
  const c = new pg.Client(cluster.url);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return cluster.url.replace(/\/postgres$/, `/${name}`);
}

function freshDir() {
  const d = mkdtempSync(join(tmpdir(), 'leadbeam-ndjson-'));
  dirs.push(d);
  return `ndjson:${d}`;
}

const all = async (store, q) => {
  const out = [];
  for await (const e of store.events(q)) out.push(e);
  return out;
};
const ids = async (store, q) => (await all(store, q)).map((e) => e.id).sort();

/** Runs the writer child; resolves with it and a line reader once it printed `ready`. */
function writer(spec, cfg) {
  const child = spawn(process.execPath, [WRITER, spec, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let buf = '';
  const lines = [];
  const waiters = [];
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  /** Resolves when pred(lines) holds. */
  const until = (pred) =>
    new Promise((resolve, reject) => {
      const check = () => (pred(lines) ? resolve(lines) : waiters.push(check));
      exited.then(() => pred(lines) || reject(new Error(`writer exited; printed: ${lines.slice(-3).join(' | ')}`)));
      check();
    });
  return until((l) => l.includes('ready')).then(() => ({ child, lines, until, exited }));
}

const stores = [
  ['NDJSON', () => freshDir()],
  ['PostgreSQL', () => freshDatabase()],
];

describe.each(stores)('%s store', (_name, newSpec) => {
  it('stores each event once: a repeated id, in a later write, the same batch or a concurrent write, counts as a duplicate', async () => {
    const store = await openStore(await newSpec());
    try {
      expect(await store.write('LB-1', [pageEvent('id-aaaaaaaaaaaaaaaa1'), pageEvent('id-aaaaaaaaaaaaaaaa2')])).toEqual({
        stored: 2,
        duplicates: 0,
      });
      expect(await store.write('LB-1', [pageEvent('id-aaaaaaaaaaaaaaaa2'), pageEvent('id-aaaaaaaaaaaaaaaa3'), pageEvent('id-aaaaaaaaaaaaaaaa3')])).toEqual({
        stored: 1,
        duplicates: 2,
      });
      const batch = Array.from({ length: 10 }, (_, i) => pageEvent(`concurrent-aaaaaa${i}`));
      const answers = await Promise.all(Array.from({ length: 8 }, () => store.write('LB-1', batch)));
      expect(answers.reduce((n, a) => n + a.stored, 0)).toBe(10);
      expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(70);

      const stored = await all(store);
      expect(stored).toHaveLength(13);
      expect(new Set(stored.map((e) => e.id)).size).toBe(13);
      const one = stored.find((e) => e.id === 'id-aaaaaaaaaaaaaaaa1');
      expect(one).toMatchObject({ site: 'LB-1', type: 'page', url: 'https://example.com/pricing', vid: 'visitor-aaaaaaaaaaaaaaaaaa' });
      expect(typeof one.received).toBe('number');
      expect(await ids(store, { site: 'LB-other' })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('keeps de-duplicating after a restart (NDJSON rebuilds its ids from the files)', async () => {
    const spec = await newSpec();
    let store = await openStore(spec);
    await store.write('LB-1', [pageEvent('restart-aaaaaaaaaa1')]);
    await store.close();
    store = await openStore(spec);
    try {
      expect(await store.write('LB-1', [pageEvent('restart-aaaaaaaaaa1'), pageEvent('restart-aaaaaaaaaa2')])).toEqual({
        stored: 1,
        duplicates: 1,
      });
      expect(await ids(store)).toEqual(['restart-aaaaaaaaaa1', 'restart-aaaaaaaaaa2']);
    } finally {
      await store.close();
    }
  });

  it("erase deletes the visitor's events and those sharing their page views, nobody else's", async () => {
    const store = await openStore(await newSpec());
    try {
      await store.write('LB-1', [
        pageEvent('a-page-1aaaaaaaaaaa', { vid: A, pv: 'pv-A-1aaaaaaaaaaaa' }),
        pageEvent('a-page-2aaaaaaaaaaa', { vid: A, pv: 'pv-A-2aaaaaaaaaaaa' }),
        // Sent cookieless before consent, so without vid, but in A's page view.
        { ...pageEvent('a-cookieless-aaaaaa', { pv: 'pv-A-1aaaaaaaaaaaa' }), vid: undefined },
        pageEvent('b-page-1bbbbbbbbbbb', { vid: B, pv: 'pv-B-1bbbbbbbbbbbb' }),
      ]);
      await store.write('LB-1', [pageEvent('a-page-3aaaaaaaaaaa', { vid: A, pv: 'pv-A-3aaaaaaaaaaaa' })]);
      expect(await store.erase(A)).toBe(4);
      expect(await ids(store)).toEqual(['b-page-1bbbbbbbbbbb']);
      expect(await store.erase(A)).toBe(0);
      expect(await store.erase('visitorUNKNOWNxxxxxxxxxx')).toBe(0);
      // Still writable after the rewrite (NDJSON reopens its file).
      expect((await store.write('LB-1', [pageEvent('after-erase-aaaaaa')])).stored).toBe(1);
      expect(await ids(store)).toEqual(['after-erase-aaaaaa', 'b-page-1bbbbbbbbbbb']);
    } finally {
      await store.close();
    }
  });

  it('purgeOlderThan deletes events received before the retention period, by the receive clock', async () => {
    let clock = Date.UTC(2026, 0, 1, 12);
    const store = await openStore(await newSpec(), { now: () => clock });
    try {
      await store.write('LB-1', [pageEvent('old-1aaaaaaaaaaaaa'), pageEvent('old-2aaaaaaaaaaaaa')]);
      clock += 20 * DAY;
      await store.write('LB-1', [pageEvent('mid-1aaaaaaaaaaaaa')]);
      clock += 20 * DAY;
      await store.write('LB-1', [pageEvent('new-1aaaaaaaaaaaaa')]);
      expect(await store.purgeOlderThan(30 * DAY)).toBe(2);
      expect(await ids(store)).toEqual(['mid-1aaaaaaaaaaaaa', 'new-1aaaaaaaaaaaaa']);
      expect(await store.purgeOlderThan(30 * DAY)).toBe(0);
      expect(await ids(store, { since: clock - DAY })).toEqual(['new-1aaaaaaaaaaaaa']);
      clock += 20 * DAY;
      expect(await store.purgeOlderThan(30 * DAY)).toBe(1);
      // A purged id may arrive again later (a very late retry) and is stored again.
      expect((await store.write('LB-1', [pageEvent('old-1aaaaaaaaaaaaa')])).stored).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('nothing acknowledged is lost when the writing process is killed with SIGKILL mid-load', async () => {
    const spec = await newSpec();
    // The loop writer creates the schema; for NDJSON the directory exists already.
    const w = await writer(spec, { mode: 'loop', prefix: 'kill', size: 5, inFlight: 8 });
    await w.until((l) => l.length > 300);
    w.child.kill('SIGKILL');
    const { signal } = await w.exited;
    expect(signal).toBe('SIGKILL');
    const acked = w.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
    expect(acked.length).toBeGreaterThanOrEqual(300);

    if (spec.startsWith('ndjson:')) {
      // Every complete line on disk parses; at most the last one is torn.
      const dir = spec.slice(7);
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8');
        const lines = text.split('\n');
        const tail = lines.pop(); // '' when the file ends on a newline
        for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
        if (tail) expect(() => JSON.parse(tail)).toThrow();
      }
    }
    const store = await openStore(spec);
    try {
      const have = new Set(await ids(store));
      const missing = acked.flatMap((b) => batchIds('kill', b, 5)).filter((id) => !have.has(id));
      expect(missing).toEqual([]);
      expect((await store.write('LB-TEST', [pageEvent('after-kill-aaaaaaa')])).stored).toBe(1);
    } finally {
      await store.close();
    }
  }, 30_000);
});

describe('NDJSON store', () => {
  it('cuts a torn last line at start, so the next append starts on a clean line', async () => {
    const spec = freshDir();
    let store = await openStore(spec);
    await store.write('LB-1', [pageEvent('torn-1aaaaaaaaaaaa')]);
    await store.close();
    const dir = spec.slice(7);
    const [file] = readdirSync(dir);
    appendFileSync(join(dir, file), '{"site":"LB-1","id":"torn-2aaaaa'); // a crash mid-append
    store = await openStore(spec);
    try {
      await store.write('LB-1', [pageEvent('torn-3aaaaaaaaaaaa')]);
      expect(await ids(store)).toEqual(['torn-1aaaaaaaaaaaa', 'torn-3aaaaaaaaaaaa']);
      const lines = readFileSync(join(dir, file), 'utf8').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l).id)).toEqual(['torn-1aaaaaaaaaaaa', 'torn-3aaaaaaaaaaaa']);
    } finally {
      await store.close();
    }
  });

  it('an erasure right after a write (not yet flushed) erases that write too', async () => {
    const store = await openStore(freshDir());
    try {
      const w = store.write('LB-1', [pageEvent('pending-aaaaaaaaaaa', { vid: A })]);
      expect(await store.erase(A)).toBe(1);
      expect(await w).toEqual({ stored: 1, duplicates: 0 });
      expect(await ids(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('a write resolves only after its lines are fsynced', async () => {
    const spec = freshDir();
    let synced = 0;
    const store = await openStore(spec, {
      sync: async (fh) => {
        await new Promise((r) => setTimeout(r, 50)); // a slow disk
        await fh.sync();
        synced++;
      },
    });
    try {
      const order = [];
      const w1 = store.write('LB-1', [pageEvent('sync-1aaaaaaaaaaaa')]).then(() => order.push(`write1 after ${synced} fsync(s)`));
      const w2 = store.write('LB-1', [pageEvent('sync-2aaaaaaaaaaaa')]).then(() => order.push(`write2 after ${synced} fsync(s)`));
      await Promise.all([w1, w2]);
      expect(order).toEqual(['write1 after 1 fsync(s)', 'write2 after 1 fsync(s)']); // same tick: one group commit
      const w3 = store.write('LB-1', [pageEvent('sync-3aaaaaaaaaaaa')]).then(() => order.push(`write3 after ${synced} fsync(s)`));
      await w3;
      expect(order[2]).toBe('write3 after 2 fsync(s)');
    } finally {
      await store.close();
    }
  });

  it('group-commits: many concurrent writes share far fewer fsyncs than writes', async () => {
    const store = await openStore(freshDir());
    try {
      const t0 = performance.now();
      const n = 400;
      await Promise.all(Array.from({ length: n }, (_, i) => store.write('LB-1', [pageEvent(`group-${String(i).padStart(12, '0')}`)])));
      const ms = performance.now() - t0;
      expect(await all(store)).toHaveLength(n);
      expect(store.stats().fsyncs).toBeLessThanOrEqual(n / 10);
      console.log(`[store tests] NDJSON: ${n} concurrent single-event writes durable in ${ms.toFixed(0)} ms, ${store.stats().fsyncs} fsync(s)`);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL store', () => {
  it('two collector processes writing overlapping batches of the same ids store each id once', async () => {
    const url = await freshDatabase();
    // Schema first, so both children start writing at once.
    await (await openStore(url)).close();
    const a = await writer(url, { mode: 'range', from: 0, to: 3000, size: 25 });
    const b = await writer(url, { mode: 'range', from: 0, to: 3000, size: 25, offset: 10 }); // batches straddle a's
    a.child.stdin.write('go\n');
    b.child.stdin.write('go\n');
    const done = async (w) => (await w.until((l) => l.some((x) => x.startsWith('done')))).find((x) => x.startsWith('done')).split(' ').slice(1).map(Number);
    const [[sa, da], [sb, db]] = await Promise.all([done(a), done(b)]);
    expect(sa + sb).toBe(3000);
    expect(da + db).toBe(3000);
    // Both did real work: the rows are split between them, not all won by one.
    expect(Math.min(sa, sb)).toBeGreaterThan(0);
    const c = new pg.Client(url);
    await c.connect();
    const r = await c.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM leadbeam_events');
    await c.end();
    expect(r.rows[0]).toEqual({ n: 3000, d: 3000 });
    console.log(`[store tests] two processes: stored ${sa} + ${sb}, duplicates ${da} + ${db}`);
  }, 30_000);

  it('when the database is down a write rejects promptly as unavailable (503), and works again once it is back', async () => {
    const store = await openStore(await freshDatabase());
    try {
      expect((await store.write('LB-1', [pageEvent('down-1aaaaaaaaaaaa')])).stored).toBe(1);
      await cluster.stop();
      const t0 = Date.now();
      const err = await store.write('LB-1', [pageEvent('down-2aaaaaaaaaaaa')]).catch((e) => e);
      const ms = Date.now() - t0;
      expect(isStoreUnavailable(err)).toBe(true);
      expect(err.status).toBe(503);
      expect(ms).toBeLessThan(3000);
      await cluster.start();
      expect((await store.write('LB-1', [pageEvent('down-2aaaaaaaaaaaa')])).stored).toBe(1);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('opening a store on a database that refuses, or accepts and never answers, fails promptly as unavailable', async () => {
    const port = await freePort();
    let t0 = Date.now();
    let err = await openStore(`postgres://postgres@127.0.0.1:${port}/postgres`).catch((e) => e);
    expect(isStoreUnavailable(err)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);

    const sockets = new Set();
    const silent = createServer((s) => sockets.add(s)); // takes the connection, says nothing
    await new Promise((r) => silent.listen(0, '127.0.0.1', r));
    t0 = Date.now();
    err = await openStore(`postgres://postgres@127.0.0.1:${silent.address().port}/postgres`).catch((e) => e);
    const ms = Date.now() - t0;
    for (const s of sockets) s.destroy();
    silent.close();
    expect(isStoreUnavailable(err)).toBe(true);
    expect(ms).toBeLessThan(4000); // the 2 s connect timeout, not a hang
  });

  it('has no IP column: the table holds exactly the documented columns', async () => {
    const url = await freshDatabase();
    await (await openStore(url)).close();
    const c = new pg.Client(url);
    await c.connect();
    const r = await c.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'leadbeam_events' ORDER BY ordinal_position");
    await c.end();
    expect(r.rows.map((x) => x.column_name)).toEqual(['id', 'site', 'received', 'ts', 'pv', 'vid', 'type', 'data']);
  });
});

it('openStore rejects a spec it does not know, naming the two it does', async () => {
  await expect(openStore('mysql://x')).rejects.toThrow(/ndjson:<dir> or postgres:\/\//);
  await expect(openStore('ndjson:')).rejects.toThrow(/unknown store/);
});
