// A first-party proxy for leadbeam: the site answers POST /t/e itself and
// forwards the batch to the collection endpoint. Plain Node, no dependencies.
//
//   node examples/first-party-proxy/proxy.mjs --port 8080 --target http://127.0.0.1:8787/e
//
// serves this example (and the repo's dist/) on http://127.0.0.1:8080/ and
// forwards /t/e to the reference collector (node collector/src/server.mjs).
// In production the same few lines live in your web server or framework
// (an nginx location, a Next.js rewrite, an Express route).

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAX_BODY = 65536; // a leadbeam request stays under 64 KiB

/**
 * Returns a request handler for node:http (or a framework that passes node's
 * req/res): it handles `path` and returns true, or returns false for any
 * other request.
 *
 * - Forwards only POSTs carrying `X-Leadbeam: 1` (see tracking.js), at most 64 KiB.
 * - Sends the body unchanged, as text/plain, with the visitor's address in
 *   `X-Forwarded-For`: the endpoint recognises the company from it, so it must
 *   trust that header from this proxy (and only from it). Nothing else of the
 *   request is forwarded: no cookies, no user agent.
 * - Answers 204 when the endpoint accepted the batch, the endpoint's 4xx when
 *   it refused it, and 502 when it could not be reached (leadbeam retries).
 * - Logs nothing.
 *
 * @param {{ target: string, path?: string }} options
 */
export function createProxy({ target, path = '/t/e' }) {
  return async function handle(req, res) {
    if ((req.url || '').split('?')[0] !== path) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    if (req.headers['x-leadbeam'] !== '1') {
      res.writeHead(403).end();
      return true;
    }
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { connection: 'close' }).end();
        req.destroy();
        return true;
      }
      chunks.push(chunk);
    }
    try {
      const upstream = await fetch(target, {
        method: 'POST',
        body: Buffer.concat(chunks),
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-forwarded-for': req.socket.remoteAddress || '' },
        signal: AbortSignal.timeout(10_000),
      });
      const retryAfter = upstream.headers.get('retry-after');
      res.writeHead(upstream.ok ? 204 : upstream.status, retryAfter ? { 'retry-after': retryAfter } : {}).end();
    } catch {
      res.writeHead(502).end();
    }
    return true;
  };
}

// --- CLI: serve this example plus dist/, and proxy /t/e ----------------------
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '../..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css' };

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const port = +argument('port', '8080');
  const proxy = createProxy({ target: argument('target', 'http://127.0.0.1:8787/e') });
  createServer(async (req, res) => {
    try {
      if (await proxy(req, res)) return;
      const url = new URL(req.url || '/', 'http://x').pathname;
      const file = url.startsWith('/dist/') ? join(ROOT, url) : join(HERE, url == '/' ? 'index.html' : url);
      if (!file.startsWith(join(ROOT, 'dist') + sep) && !file.startsWith(HERE)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(body);
    } catch {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    }
  }).listen(port, '127.0.0.1', () => console.log(`first-party proxy example on http://127.0.0.1:${port}/`));
}
