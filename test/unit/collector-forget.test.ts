// @vitest-environment node
// The reference collector's erasure request ({"v": 1, "site", "forget": vid}, the SDK's forget()):
// 202 whether or not it knew the id; the visitor's events, and those sharing their page views,
// leave memory, the request log and the NDJSON file; late arrivals are not stored; rate-limited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../collector/src/server.mjs';

let n = 0;
const newId = () => `id${String(++n).padStart(20, '0')}`;
const VID = 'VisitorToForget_000001';
const OTHER = 'SomeoneElse_0000000001';
const TS = 1732280000000;
const post = (c: Collector, body: object) =>
  fetch(c.url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8' } });
const batch = (...events: object[]) => ({ v: 1, site: 'LB-TEST', events });
const forget = (vid = VID) => ({ v: 1, site: 'LB-TEST', forget: vid });

let c: Collector;
let dir: string;
let file: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-forget-'));
  file = join(dir, 'events.ndjson');
  c = await startCollector({ out: file });
});
afterEach(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reference collector: erasure', () => {
  it('202; deletes the visitor’s events and the cookieless ones of the same page view, in memory, the request log and the NDJSON file; others stay', async () => {
    const pv = newId();
    const cookieless = { type: 'page', id: newId(), ts: TS, pv, url: 'https://example.com/' }; // before consent: no vid
    const tied = { type: 'consent', id: newId(), ts: TS + 1, pv, state: 'granted', vid: VID, sid: 'Session_00000001' };
    const later = { type: 'event', id: newId(), ts: TS + 2, pv: newId(), name: 'x', vid: VID };
    const other = { type: 'page', id: newId(), ts: TS, pv: newId(), vid: OTHER };
    await post(c, batch(cookieless));
    await post(c, batch(tied, later, other));
    expect(readFileSync(file, 'utf8')).toContain(VID);

    const res = await post(c, forget());
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(c.events).toEqual([other]);
    expect(c.batches.flatMap((b) => b.events)).toEqual([other]);
    expect(JSON.stringify(c.received)).not.toContain(VID);
    expect(JSON.stringify(c.received)).not.toContain(pv);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ site: 'LB-TEST', ...other }]);
  });

  it('answers an unknown id the same (202, empty), and a late event of the erased visitor or page view is accepted but never stored', async () => {
    const unknown = await post(c, forget(OTHER));
    const pv = newId();
    await post(c, batch({ type: 'page', id: newId(), ts: TS, pv, vid: VID }));
    const known = await post(c, forget());
    expect([unknown.status, await unknown.text()]).toEqual([known.status, await known.text()]);
    // Still in flight when the visitor asked: it arrives after the erasure.
    const late = await post(c, batch({ type: 'event', id: newId(), ts: TS, pv, name: 'late' }, { type: 'engage', id: newId(), ts: TS, pv: newId(), vid: VID, ms: 5 }));
    expect(await late.json()).toEqual({ accepted: 2, rejected: [] });
    expect(c.events).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('a request with both events and forget, or a forget that is no visitor id, is a 400 that erases nothing', async () => {
    const e = { type: 'page', id: newId(), ts: TS, pv: newId(), vid: VID };
    await post(c, batch(e));
    expect((await post(c, { ...batch({ ...e, id: newId() }), forget: VID })).status).toBe(400);
    expect((await post(c, forget('short'))).status).toBe(400);
    expect(c.events).toEqual([e]);
  });

  it('is rate-limited per client even when ingest is not: 10 at once, then 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await post(c, forget(`Guess_${String(i).padStart(16, '0')}`)));
    expect(answers.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(answers[10].status).toBe(429);
    expect(Number(answers[10].headers.get('retry-after'))).toBeGreaterThan(0);
    // Ingest is not limited by it.
    expect((await post(c, batch({ type: 'page', id: newId(), ts: TS, pv: newId() }))).status).toBe(200);
  });
});
