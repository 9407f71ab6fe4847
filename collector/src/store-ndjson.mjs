// The zero-setup event store: NDJSON files in one directory, one file per UTC
// day of receipt (events-2026-06-17.ndjson), one stored event per line.
//
// Durability: a write resolves only after its lines are fsync'ed. Writes are
// group-committed: every write that arrives while a flush is being fsync'ed
// (or in the same tick) goes into the next flush, one append and one fsync for
// all of them, so many concurrent batches cost one disk flush, not one each.
//
// De-duplication is by event id in memory, rebuilt from the files at start;
// so one directory belongs to one collector process (several collectors behind
// a load balancer share a PostgreSQL store instead).
//
// A process killed mid-append can leave a torn last line: at start it is cut
// off (it was never acknowledged, since acknowledgement waits for the fsync),
// so the next append starts on a clean line.
import { mkdir, open, readdir, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { storeUnavailable } from './store-error.mjs';

const FILE = /^events-(\d{4}-\d{2}-\d{2})\.ndjson$/;

const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * @param {string} dir
 * @param {{ now?: () => number, sync?: (fh: import('node:fs/promises').FileHandle) => Promise<void> }} [opts]
 *        now: the receive clock; sync: how a file is flushed to disk (tests slow it down to watch the order).
 */
export async function openNdjsonStore(dir, { now = Date.now, sync = (fh) => fh.sync() } = {}) {
  await mkdir(dir, { recursive: true });
  const seen = new Set();
  // Serialises flushes, erasures and purges: each sees the files the previous one left.
  let chain = Promise.resolve();
  const serial = (fn) => {
    const p = chain.then(fn);
    chain = p.catch(() => {});
    return p;
  };
  let pending = []; // writes waiting for the next flush: { site, events, resolve, reject }
  let scheduled = false;
  let current = null; // { day, fh } the append handle of today's file
  let closed = false;
  let fsyncs = 0; // appends flushed to disk, one per group commit

  const files = async () => (await readdir(dir)).filter((f) => FILE.test(f)).sort();

  /** Complete lines of a file, parsed; a torn or corrupt line is skipped. */
  const readLines = async (path) => {
    const text = await readFile(path, 'utf8').catch((e) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    const out = [];
    const end = text.lastIndexOf('\n'); // anything after the last newline is an append in progress or torn
    for (const line of text.slice(0, end + 1).split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line));
      } catch {}
    }
    return out;
  };

  // --- start: cut torn tails, rebuild the id set ---
  for (const f of await files()) {
    const path = join(dir, f);
    const text = await readFile(path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) await truncate(path, Buffer.byteLength(text.slice(0, end)));
    for (const rec of await readLines(path)) if (rec && typeof rec.id === 'string') seen.add(rec.id);
  }

  const syncDir = async () => {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  };

  const closeCurrent = async () => {
    const c = current;
    current = null;
    if (c) await c.fh.close();
  };

  /** One group commit: dedupe, append, fsync, then answer every write in it. */
  const flush = () =>
    serial(async () => {
      scheduled = false;
      const group = pending;
      pending = [];
      if (!group.length) return;
      const received = now(); // one receive time per flush, so its lines all belong to one day's file
      const fresh = [];
      const lines = [];
      const answers = group.map(({ site, events }) => {
        let stored = 0;
        for (const e of events) {
          if (seen.has(e.id)) continue;
          seen.add(e.id);
          fresh.push(e.id);
          lines.push(JSON.stringify({ site, received, ...e }) + '\n');
          stored++;
        }
        return { stored, duplicates: events.length - stored };
      });
      const text = lines.join('');
      try {
        if (text) {
          const day = dayOf(received);
          if (!current || current.day !== day) {
            await closeCurrent();
            const path = join(dir, `events-${day}.ndjson`);
            const isNew = !(await stat(path).catch(() => null));
            current = { day, fh: await open(path, 'a') };
            if (isNew) await syncDir(); // the new file's name must survive a crash too
          }
          await current.fh.write(text);
          await sync(current.fh);
          fsyncs++;
        }
      } catch (err) {
        for (const id of fresh) seen.delete(id);
        await closeCurrent().catch(() => {});
        for (const w of group) w.reject(storeUnavailable(err));
        return;
      }
      group.forEach((w, i) => w.resolve(answers[i]));
    });

  /**
   * Rewrites each file through keep(record) (atomically: temp file, fsync, rename);
   * a file left empty is deleted. Returns the removed records' count.
   */
  const rewrite = async (names, keep) => {
    await closeCurrent(); // its file may be replaced underneath it
    let removed = 0;
    for (const f of names) {
      const path = join(dir, f);
      const recs = await readLines(path);
      const kept = [];
      for (const r of recs) {
        if (keep(r)) kept.push(r);
        else seen.delete(r.id);
      }
      if (kept.length === recs.length) continue;
      removed += recs.length - kept.length;
      if (!kept.length) {
        await unlink(path);
      } else {
        const tmp = path + '.tmp';
        const fh = await open(tmp, 'w');
        try {
          await fh.write(kept.map((r) => JSON.stringify(r) + '\n').join(''));
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
      }
      await syncDir();
    }
    return removed;
  };

  return {
    kind: 'ndjson',
    stats: () => ({ fsyncs, ids: seen.size }),

    write(site, events) {
      if (closed) return Promise.reject(new Error('store is closed'));
      return new Promise((resolve, reject) => {
        pending.push({ site, events: events.slice(), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush); // same-tick writes join this flush; later ones queue behind its fsync
        }
      });
    },

    /** Deletes the visitor's events and every event sharing one of their page views. */
    erase(visitorId) {
      if (pending.length) flush(); // writes made before the erasure go first, so it sees them
      return serial(async () => {
        const names = await files();
        const pvs = new Set();
        for (const f of names) for (const r of await readLines(join(dir, f))) if (r.vid === visitorId) pvs.add(r.pv);
        if (!pvs.size) return 0;
        return rewrite(names, (r) => r.vid !== visitorId && !pvs.has(r.pv));
      });
    },

    /** Deletes events received more than `ms` ago. */
    purgeOlderThan(ms) {
      if (pending.length) flush();
      return serial(async () => {
        const cutoff = now() - ms;
        const names = (await files()).filter((f) => f.match(FILE)[1] <= dayOf(cutoff));
        return rewrite(names, (r) => r.received >= cutoff);
      });
    },

    /** Stored events (`{ site, received, ...event }`), oldest first; `since` is a receive time in ms. */
    async *events({ site, since = 0 } = {}) {
      for (const f of await files()) {
        if (f.match(FILE)[1] < dayOf(since)) continue;
        for (const r of await readLines(join(dir, f))) {
          if ((site === undefined || r.site === site) && r.received >= since) yield r;
        }
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (pending.length) await flush().catch(() => {});
      await chain;
      await closeCurrent();
    },
  };
}
