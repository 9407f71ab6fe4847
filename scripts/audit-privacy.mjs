#!/usr/bin/env node
// Privacy audit: drives real Chromium over every mode and consent state against
// the reference collector and reports what was stored and what left the page.
//
//   npm run audit:privacy            # writes audit/privacy-audit.md and .json
//   npm run audit:privacy -- --readme  # also rewrites the README table from it
//
// The README section "What is stored and what leaves the page" is generated
// from this audit; test/browser/privacy-audit.test.ts fails when they disagree.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../collector/src/server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const MODES = [
  { cookies: 'consent', requireConsent: false },
  { cookies: 'always', requireConsent: false },
  { cookies: 'never', requireConsent: false },
  { cookies: 'consent', requireConsent: true },
  { cookies: 'always', requireConsent: true },
  { cookies: 'never', requireConsent: true },
];

/** What the visitor (or the CMP) does on the first page; a second page load follows each. */
export const STATES = {
  'no answer': [],
  granted: ["leadbeam('consent','granted')"],
  denied: ["leadbeam('consent','denied')"],
  'granted, then withdrawn': ["leadbeam('consent','granted')", "leadbeam('consent','denied')"],
  'opted out': ['leadbeam("optOut")'],
};

const DAY = 86400;

function pageHtml(site, mode, endpoint) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Audit</title>
<script async src="/dist/leadbeam.js" data-site="${site}" data-endpoint="${endpoint}"
  data-cookies="${mode.cookies}"${mode.requireConsent ? ' data-require-consent' : ''} data-batch-ms="50"></script>
</head><body><form id="f"><input type="email" name="email" value="jan@acme.nl"><button id="send">Send</button></form></body></html>`;
}

async function startPageServer(pages) {
  const server = createServer(async (req, res) => {
    const path = (req.url || '/').split('?')[0];
    if (pages.has(path)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(pages.get(path));
    }
    if (path == '/dist/leadbeam.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(await readFile(join(ROOT, 'dist/leadbeam.js')));
    }
    res.writeHead(path == '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

/** Everything the browser holds for the page: cookie jar, storage, IndexedDB. */
async function storageOf(context, page) {
  const cookies = (await context.cookies()).map((c) => ({
    name: c.name,
    domain: c.domain,
    path: c.path,
    lifetime: c.expires < 0 ? 'session' : Math.round((c.expires - Date.now() / 1000) / DAY) >= 1 ? `${Math.round((c.expires - Date.now() / 1000) / DAY)} days` : `${Math.round((c.expires - Date.now() / 1000) / 60)} min`,
    sameSite: c.sameSite,
    secure: c.secure,
    httpOnly: c.httpOnly,
  }));
  const web = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage),
    sessionStorage: Object.keys(sessionStorage),
    indexedDB: indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [],
  }));
  return { cookies, ...web };
}

async function auditOne(browser, server, collector, mode, stateName, actions, n) {
  const site = `AUDIT-${n}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  // Every write attempt, not only what is left behind.
  await page.addInitScript(() => {
    const w = (window.__writes = []);
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get() {
        return cookie.get.call(this);
      },
      set(v) {
        w.push('cookie ' + String(v).split(';')[0].split('=')[0]);
        cookie.set.call(this, v);
      },
    });
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      w.push((this === window.localStorage ? 'localStorage ' : 'sessionStorage ') + k);
      return setItem.call(this, k, v);
    };
  });
  const requests = [];
  let pending = 0;
  context.on('request', (r) => {
    if (!r.url().startsWith(collector.origin)) return;
    pending++;
    requests.push({ host: new URL(r.url()).host, method: r.method(), transport: r.resourceType() });
  });
  const settle = () => pending--;
  context.on('requestfinished', (r) => r.url().startsWith(collector.origin) && settle());
  context.on('requestfailed', (r) => r.url().startsWith(collector.origin) && settle());

  const url = `http://www.example.test:${server.port}/audit-${n}.html`;
  const writes = new Set();
  const collectWrites = async () => (await page.evaluate(() => window.__writes)).forEach((w) => writes.add(w.replace(/^cookie _lb_probe.*/, 'cookie _lb_probe (domain probe)')));
  await page.goto(url);
  await page.waitForFunction(() => window.leadbeam && window.leadbeam.v);
  for (const a of actions) await page.evaluate(a);
  await page.evaluate(() => {
    document.getElementById('f').addEventListener('submit', (e) => e.preventDefault());
    window.leadbeam('track', 'audit_event', { plan: 'pro' });
  });
  await page.click('#send');
  await page.evaluate(() => window.leadbeam('flush'));
  await collectWrites();
  const afterFirst = await storageOf(context, page);
  // The second page: what is remembered across a reload.
  await page.reload();
  await page.waitForFunction(() => window.leadbeam && window.leadbeam.v);
  await page.evaluate(() => window.leadbeam('flush'));
  await collectWrites();
  const afterReload = await storageOf(context, page);
  // Let every request the pages started finish (beacons from pagehide included).
  const start = Date.now();
  while (pending > 0 && Date.now() - start < 10000) await new Promise((r) => setTimeout(r, 25));
  await context.close();

  const batches = collector.batches.filter((b) => b.site == site);
  const seen = new Set();
  const events = batches.flatMap((b) => b.events).filter((e) => !seen.has(e.id) && seen.add(e.id));
  const fields = {};
  for (const e of events) fields[e.type] = [...new Set([...(fields[e.type] || []), ...Object.keys(e)])].sort();
  return {
    mode,
    state: stateName,
    requests: requests.length,
    hosts: [...new Set(requests.map((r) => r.host.replace(/:\d+$/, ':<port>')))],
    transports: [...new Set(requests.map((r) => `${r.method} ${r.transport}`))].sort(),
    events: events.map((e) => e.type),
    fields,
    withIds: events.filter((e) => e.vid || e.sid).map((e) => e.type),
    writes: [...writes].sort(),
    afterFirst,
    afterReload,
  };
}

export async function runAudit() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--host-resolver-rules=MAP *.example.test 127.0.0.1'],
  });
  const collector = await startCollector();
  const pages = new Map();
  const server = await startPageServer(pages);
  const results = [];
  try {
    let n = 0;
    for (const mode of MODES)
      for (const [state, actions] of Object.entries(STATES)) {
        n++;
        pages.set(`/audit-${n}.html`, pageHtml(`AUDIT-${n}`, mode, collector.url));
        results.push(await auditOne(browser, server, collector, mode, state, actions, n));
      }
  } finally {
    await Promise.all([browser.close(), collector.close(), server.close()]);
  }
  return results;
}

const modeName = (m) => `\`cookies: '${m.cookies}'\`${m.requireConsent ? ', `requireConsent`' : ''}`;
const list = (a) => (a.length ? a.map((x) => `\`${x}\``).join(', ') : '—');

/** The README table: one row per mode and consent state. */
export function readmeTable(results) {
  const rows = [
    '| mode | visitor | cookies after reload | storage writes (any attempt) | events received | with `vid`/`sid` |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const cookies = r.afterReload.cookies.map((c) => `${c.name} (${c.domain}, ${c.lifetime})`);
    const counts = {};
    // engage events leave when a page is hidden; whether the last one arrives
    // before the browser closes is a race, so the table leaves them out.
    r.events.filter((t) => t != 'engage').forEach((t) => (counts[t] = (counts[t] || 0) + 1));
    const events = Object.entries(counts).map(([t, k]) => `${t}×${k}`);
    rows.push(`| ${modeName(r.mode)} | ${r.state} | ${list(cookies)} | ${list(r.writes)} | ${events.length ? events.join(', ') : 'nothing'} | ${list([...new Set(r.withIds)].filter((t) => t != 'engage'))} |`);
  }
  return rows.join('\n');
}

export function markdownReport(results) {
  const L = ['# leadbeam privacy audit', '', `Generated by \`npm run audit:privacy\` in real Chromium against the reference collector. Page served from \`www.example.test\`; each row: first page (consent action, a custom event, a form submit with \`jan@acme.nl\`), then a reload.`, ''];
  L.push('## Summary', '', readmeTable(results), '');
  L.push('## Details', '');
  for (const r of results) {
    L.push(`### ${modeName(r.mode)} — ${r.state}`, '');
    L.push(`- requests to the endpoint: ${r.requests} (${list(r.transports)}) to ${list(r.hosts)}; no other host`);
    L.push(`- write attempts: ${list(r.writes)}`);
    for (const [when, s] of [['after the first page', r.afterFirst], ['after the reload', r.afterReload]]) {
      L.push(`- ${when}: cookies ${s.cookies.length ? s.cookies.map((c) => `\`${c.name}\` (Domain ${c.domain}, Path ${c.path}, ${c.lifetime}, SameSite ${c.sameSite}${c.secure ? ', Secure' : ''}${c.httpOnly ? ', HttpOnly' : ''})`).join(', ') : '—'}; localStorage ${list(s.localStorage)}; sessionStorage ${list(s.sessionStorage)}; IndexedDB ${list(s.indexedDB)}`);
    }
    for (const [type, keys] of Object.entries(r.fields)) L.push(`- \`${type}\` fields: ${keys.join(', ')}`);
    L.push('');
  }
  return L.join('\n');
}

export const README_START = '<!-- privacy-audit:start (generated by npm run audit:privacy -- --readme; do not edit) -->';
export const README_END = '<!-- privacy-audit:end -->';

async function main() {
  const results = await runAudit();
  await mkdir(join(ROOT, 'audit'), { recursive: true });
  await writeFile(join(ROOT, 'audit/privacy-audit.json'), JSON.stringify(results, null, 2) + '\n');
  await writeFile(join(ROOT, 'audit/privacy-audit.md'), markdownReport(results) + '\n');
  console.log(readmeTable(results));
  console.log('\nwrote audit/privacy-audit.md and audit/privacy-audit.json');
  if (process.argv.includes('--readme')) {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const a = readme.indexOf(README_START);
    const b = readme.indexOf(README_END);
    if (a < 0 || b < 0) throw new Error('README markers not found');
    await writeFile(join(ROOT, 'README.md'), readme.slice(0, a + README_START.length) + '\n' + readmeTable(results) + '\n' + readme.slice(b));
    console.log('updated README.md');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) == process.argv[1]) main().catch((e) => (console.error(e), process.exit(1)));
