// `npm run demo`: the reference collector plus a static server for the demo page,
// entirely on loopback (no internet). Open the printed URL, click around, and watch
// the events arrive here.

import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector, formatEvent, DEMO_NETWORKS } from '../collector/src/server.mjs';
import { createAsnResolver } from '../collector/src/recognise.mjs';
import { recognition } from '../collector/src/report.mjs';

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
// The real store (NDJSON files in a temporary folder) and the real open AS data. `demo: true` lets
// the page say which public network to pretend to come from (?demo=university…): on localhost
// every visitor is 127.0.0.1, which no database can place. Never on outside the demo.
const out = join(tmpdir(), `leadbeam-demo-${process.pid}`);
const reportToken = randomBytes(18).toString('base64url');
const MEANING = {
  page: 'a page view: the visitor opened this page',
  event: 'a custom event the page tracks (here: a button click)',
  form: 'a form was sent: only the domain after the @ is kept, never the address',
  engage: 'how long the page was actually looked at before the visitor left or switched tabs',
  consent: "the visitor's cookie choice (granted: a visitor id is kept; denied: nothing is kept)",
};
const said = new Set();
const collector = await withFallback(8787, (port) =>
  startCollector({
    port,
    host: HOST,
    store: `ndjson:${out}`,
    resolve: createAsnResolver(),
    demo: true,
    reportToken,
    log: (event) => {
      console.log(formatEvent(event) + recognition(event));
      // Plain words, once per kind, so the lines above can be read without the docs.
      const explain = (key, text) => !said.has(key) && said.add(key) && console.log(`   ^ ${text}`);
      explain(event.type, MEANING[event.type] || event.type);
      if (event.company && event.company.source === 'network') {
        explain('org', `recognised: the visit came from ${event.company.name}'s own network (AS${event.company.asn}), so the visitor very likely works or studies there`);
      } else if (event.company) {
        explain('form-co', 'recognised from the form: the domain the visitor typed wins over the network');
      } else if (event.network) {
        explain('isp', `not a company: ${event.network.organisation} (${event.network.kind}) carries everyone's traffic, so it says nothing about who the visitor works for`);
      }
    },
  }),
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
      // The page itself: point the endpoint at the collector's actual port, as the chosen network.
      const as = new URL(req.url || '/', 'http://x').searchParams.get('as');
      const persona = as && DEMO_NETWORKS[as] ? as : 'university';
      const html = (await readFile(join(PAGE_DIR, 'index.html'), 'utf8')).replaceAll(
        'http://127.0.0.1:8787/e',
        `${collector.url}?demo=${persona}`,
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
  report:    ${collector.origin}/report?token=${reportToken}
  events:    ${out}/ (NDJSON files; no IP address in them)
Open the page, accept or decline cookies, book a demo, visit Pricing, send the contact form.
On localhost every visitor is 127.0.0.1, so the demo page pretends to come from a public network:
${Object.keys(DEMO_NETWORKS).map((k) => `  ${(k + ':').padEnd(12)}${pageUrl}?as=${k}`).join('\n')}
(the collector looks the network up in memory, stores the organisation, and forgets the address).
Press Ctrl-C to stop.
`);
if (!existsSync(SDK)) console.log(`! ${BUILD_HINT}\n`);

// --- shutdown ----------------------------------------------------------------
let stopping = false;
async function stop() {
  if (stopping) process.exit(1); // second Ctrl-C: don't wait
  stopping = true;
  console.log(`\nstopping; the events stay in ${out}/ (npm run collector -- report --store ndjson:${out})`);
  site.closeAllConnections();
  await Promise.all([new Promise((r) => site.close(r)), collector.close()]);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
