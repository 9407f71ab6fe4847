// `npm run examples`: the reference collector plus a static server for the
// example pages, on loopback. Open the printed URLs and watch events arrive here.
// (npm run examples builds first; examples/react needs a React app to run in,
// examples/next-ssr runs with `npx next build examples/next-ssr && npx next start examples/next-ssr`.)

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector, formatEvent } from '../collector/src/server.mjs';
import { createProxy } from './first-party-proxy/proxy.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PLACEHOLDER = 'http://127.0.0.1:8787/e';
// Only these folders are served: the examples, the build, and the two CMPs that run from node_modules.
const SERVED = ['examples', 'dist', 'node_modules/klaro/dist', 'node_modules/vanilla-cookieconsent/dist'].map((d) => join(ROOT, d) + sep);
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

const log = (event) => console.log(formatEvent(event));
let collector;
try {
  collector = await startCollector({ port: 8787, log });
} catch {
  collector = await startCollector({ port: 0, log }); // 8787 taken: any port, and rewrite the pages
}
const proxy = createProxy({ target: collector.url });

const server = createServer(async (req, res) => {
  try {
    if (await proxy(req, res)) return;
    let path = normalize(decodeURIComponent(new URL(req.url || '/', 'http://x').pathname));
    if (path == '/') path = '/examples/index.html';
    if (path.endsWith('/')) path += 'index.html';
    const file = join(ROOT, path);
    if (!SERVED.some((dir) => file.startsWith(dir))) throw new Error('not served');
    let body = await readFile(file);
    // The pages name the collector's default address; point them at the real one.
    if (/\.(html|js)$/.test(file) && file.startsWith(join(ROOT, 'examples'))) body = body.toString().split(PLACEHOLDER).join(collector.url);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
});
await new Promise((r) => server.listen(+(process.env.PORT || 8080), '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const pages = [
  'script-tag/index.html',
  'strict-consent/index.html',
  'esm-app/index.html',
  'first-party-proxy/index.html',
  'datalayer/index.html (events go to window.dataLayer, not here)',
  ...['tcf', 'google-consent-mode', 'cookiebot', 'onetrust', 'usercentrics', 'klaro', 'cookieconsent'].map((n) => `cmp/${n}.html`),
];
console.log(`leadbeam examples (collector: ${collector.url})\n${pages.map((p) => `  ${base}/examples/${p}`).join('\n')}\nCtrl-C to stop.\n`);

process.on('SIGINT', async () => {
  server.closeAllConnections();
  await Promise.all([new Promise((r) => server.close(r)), collector.close()]);
  process.exit(0);
});
