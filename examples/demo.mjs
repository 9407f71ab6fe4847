// `npm run demo`: the reference collector plus a static server for the demo page,
// entirely on loopback (no internet). Open the printed URL, click around, and watch
// the events arrive here.

import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector, formatEvent } from '../collector/src/server.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PAGE_DIR = join(ROOT, 'examples', 'basic');
const DIST_DIR = join(ROOT, 'dist');
const SDK = join(DIST_DIR, 'leadbeam.js');
const HOST = '127.0.0.1';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

const BUILD_HINT = 'dist/leadbeam.js not found: run `npm run build` (or `npm run demo`, which builds first). The page will load but not track until then.';

/** Tries the preferred port, then any free one if it is taken. */
async function withFallback(preferred, start) {
  try {
    return await start(preferred);
  } catch (err) {
    if (err && (err.code === 'EADDRINUSE' || err.code === 'EACCES')) return start(0);
    throw err;
  }
}

function listen(server, port) {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolvePromise(server.address().port);
    });
  });
}

// --- collector -------------------------------------------------------------
const out = join(tmpdir(), `leadbeam-demo-${process.pid}.ndjson`);
const collector = await withFallback(8787, (port) =>
  startCollector({ port, host: HOST, out, log: (event) => console.log(formatEvent(event)) }),
);

// --- static server ---------------------------------------------------------
// Serves the demo page (index.html for / and any extension-less route, so a
// reload after pushState works), its style.css and app.js, and the repo's dist/.
// The page gets a strict CSP: the SDK must work without inline code or eval.
const csp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' ${collector.origin}`,
  `connect-src ${collector.origin}`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

let warnedMissingSdk = false;
const site = createServer(async (req, res) => {
  try {
    const path = decodeURIComponent(new URL(req.url || '/', 'http://x').pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }

    let file;
    if (path.startsWith('/dist/')) file = resolve(DIST_DIR, '.' + path.slice('/dist'.length));
    else if (path === '/style.css' || path === '/app.js') file = join(PAGE_DIR, path);
    else if (!extname(path)) {
      // The page itself: point the endpoint at the collector's actual port.
      const html = (await readFile(join(PAGE_DIR, 'index.html'), 'utf8')).replaceAll(
        'http://127.0.0.1:8787/e',
        collector.url,
      );
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store', 'content-security-policy': csp });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }

    // Never serve anything outside the page folder or dist/.
    if (!file || !(file.startsWith(DIST_DIR + sep) || file.startsWith(PAGE_DIR + sep)) || !(await isFile(file))) {
      if (file === SDK && !warnedMissingSdk) {
        warnedMissingSdk = true;
        console.log(`! ${BUILD_HINT}`);
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : await readFile(file));
  } catch {
    if (!res.headersSent) res.writeHead(400);
    res.end();
  }
});

async function isFile(file) {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

const sitePort = await withFallback(8080, (port) => listen(site, port));
const pageUrl = `http://${HOST}:${sitePort}/`;

console.log(`leadbeam demo
  page:      ${pageUrl}
  collector: ${collector.url}
  events:    ${out} (NDJSON)
Open the page, accept or decline cookies, book a demo, visit Pricing, send the contact form.
Press Ctrl-C to stop.
`);
if (!existsSync(SDK)) console.log(`! ${BUILD_HINT}\n`);

// --- shutdown ----------------------------------------------------------------
let stopping = false;
async function stop() {
  if (stopping) process.exit(1); // second Ctrl-C: don't wait
  stopping = true;
  const n = collector.events.length;
  console.log(`\nstopping: ${n} event(s) accepted, ${collector.duplicates} duplicate(s) dropped${n ? `; kept in ${out}` : ''}`);
  site.closeAllConnections();
  await Promise.all([new Promise((r) => site.close(r)), collector.close()]);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
