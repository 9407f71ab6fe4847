// The real database: PostgreSQL through the `pg` client.
//
// One table, created on start. De-duplication is the database's: `id` is the
// primary key and every batch is one multi-row INSERT … ON CONFLICT (id) DO
// NOTHING, so several collector processes can share the database and an event
// that reaches two of them is still stored once. Each INSERT is its own
// transaction: the write resolves after COMMIT (durable with the default
// synchronous_commit = on). There is no IP column, and none may be added.
//
// When the database cannot be reached (down, refusing, timing out), write()
// rejects within connectTimeoutMs with a storeUnavailable error (code
// STORE_UNAVAILABLE, status 503),
// which the HTTP layer answers as 503 so the SDK retries later.
import pg from 'pg';
import { storeUnavailable } from './store-error.mjs';

const TABLE = 'leadbeam_events';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${TABLE} (
  id       text   PRIMARY KEY,
  site     text   NOT NULL,
  received bigint NOT NULL,  -- server receive time, ms since the epoch
  ts       bigint NOT NULL,  -- client event time (skew-corrected), ms
  pv       text   NOT NULL,
  vid      text,
  type     text   NOT NULL,
  data     jsonb  NOT NULL   -- the whole event as validated (and enriched)
);
CREATE INDEX IF NOT EXISTS ${TABLE}_vid ON ${TABLE} (vid);
CREATE INDEX IF NOT EXISTS ${TABLE}_pv ON ${TABLE} (pv);
CREATE INDEX IF NOT EXISTS ${TABLE}_site_received ON ${TABLE} (site, received);
CREATE INDEX IF NOT EXISTS ${TABLE}_received ON ${TABLE} (received);
`;

// SQLSTATE classes that mean "try again later": connection exception, transaction
// rollback (serialization, deadlock), insufficient resources, operator intervention
// (shutdown), system error. Anything without a SQLSTATE is a socket/timeout error.
const transient = (err) => !/^[0-9A-Z]{5}$/.test(err && err.code) || /^(08|40|53|57|58)/.test(err.code);
const wrap = (err) => (transient(err) ? storeUnavailable(err) : err);

/**
 * @param {string} url postgres://user@host:port/db
 * @param {{ now?: () => number, max?: number, connectTimeoutMs?: number, queryTimeoutMs?: number }} [opts]
 */
export async function openPostgresStore(url, { now = Date.now, max = 10, connectTimeoutMs = 2000, queryTimeoutMs = 10_000 } = {}) {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
  });
  // An idle connection the server closes (restart, failover) emits here; without
  // a listener it would crash the process. The next query opens a new one.
  pool.on('error', () => {});
  try {
    // Two collectors starting together must not race on CREATE TABLE IF NOT EXISTS
    // (it is not atomic against itself), so the schema is created under a lock.
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('leadbeam schema'))");
      await c.query(SCHEMA);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw wrap(err);
  }

  const query = async (text, values) => {
    try {
      return await pool.query(text, values);
    } catch (err) {
      throw wrap(err);
    }
  };

  return {
    kind: 'postgres',
    pool,

    async write(site, events) {
      const received = now();
      const unique = new Map();
      for (const e of events) if (!unique.has(e.id)) unique.set(e.id, e);
      if (!unique.size) return { stored: 0, duplicates: events.length };
      const values = [];
      const rows = [];
      for (const e of unique.values()) {
        const i = values.length;
        rows.push(`($${i + 1},$${i + 2},$${i + 3},$${i + 4},$${i + 5},$${i + 6},$${i + 7},$${i + 8})`);
        values.push(e.id, site, received, e.ts, e.pv, e.vid ?? null, e.type, JSON.stringify(e));
      }
      const r = await query(
        `INSERT INTO ${TABLE} (id, site, received, ts, pv, vid, type, data) VALUES ${rows.join(',')} ON CONFLICT (id) DO NOTHING`,
        values,
      );
      return { stored: r.rowCount, duplicates: events.length - r.rowCount };
    },

    /** Deletes the visitor's events and every event sharing one of their page views. */
    async erase(visitorId) {
      const r = await query(
        `DELETE FROM ${TABLE} WHERE vid = $1 OR pv IN (SELECT pv FROM ${TABLE} WHERE vid = $1)`,
        [visitorId],
      );
      return r.rowCount;
    },

    /** Deletes events received more than `ms` ago. */
    async purgeOlderThan(ms) {
      const r = await query(`DELETE FROM ${TABLE} WHERE received < $1`, [now() - ms]);
      return r.rowCount;
    },

    /** Stored events (`{ site, received, ...event }`), oldest first, read in pages. */
    async *events({ site, since = 0, pageSize = 1000 } = {}) {
      let after = [since, ''];
      for (;;) {
        const r = await query(
          `SELECT id, site, received, data FROM ${TABLE}
           WHERE ($1::text IS NULL OR site = $1) AND (received, id) > ($2, $3) AND received >= $4
           ORDER BY received, id LIMIT $5`,
          [site ?? null, after[0], after[1], since, pageSize],
        );
        for (const row of r.rows) yield { site: row.site, received: Number(row.received), ...row.data };
        if (r.rows.length < pageSize) return;
        const last = r.rows[r.rows.length - 1];
        after = [last.received, last.id];
      }
    },

    close: () => pool.end(),
  };
}
