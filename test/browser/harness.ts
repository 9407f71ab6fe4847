// Shared helpers for the real-Chromium tests: one browser per test file,
// a static server for the repo (dist/, test/fixtures/, examples/), and the
// reference collector on a random loopback port.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

export const ROOT = resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** `ignoreDefaultArgs` e.g. `['--disable-back-forward-cache']`, which Playwright passes by default. */
export function launchBrowser(extraArgs: string[] = [], ignoreDefaultArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // Real subdomains for cookie tests: www.example.test, shop.example.test → loopback.
      '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP example.test 127.0.0.1',
      ...extraArgs,
    ],
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css',
  '.map': 'application/json',
};

export type Route = (req: IncomingMessage, res: ServerResponse) => boolean | void | Promise<boolean | void>;

export interface StaticServer {
  /** e.g. http://127.0.0.1:1234 */
  url: string;
  port: number;
  /** Same server under a mapped test domain, e.g. http://www.example.test:1234 */
  hostUrl(host?: string): string;
  /** Serve an HTML string (or other body) at a path. */
  page(path: string, body: string, headers?: Record<string, string>): void;
  /** Add a route handler; returning true means handled. */
  route(handler: Route): void;
  close(): Promise<void>;
}

/** Serves the repository root read-only, plus in-memory pages added with page(). */
export async function startStaticServer(root = ROOT): Promise<StaticServer> {
  const pages = new Map<string, { body: string; headers: Record<string, string> }>();
  const routes: Route[] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      for (const r of routes) if (await r(req, res)) return;
      const path = decodeURIComponent((req.url || '/').split('?')[0]);
      if (path == '/favicon.ico') return void res.writeHead(204).end();
      const mem = pages.get(path);
      if (mem) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...mem.headers });
        res.end(mem.body);
        return;
      }
      const file = normalize(join(root, path));
      if (!file.startsWith(root)) {
        res.writeHead(403).end();
        return;
      }
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(data);
    } catch {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hostUrl: (host = 'www.example.test') => `http://${host}:${port}`,
    page: (path, body, headers = {}) => void pages.set(path, { body, headers }),
    route: (h) => void routes.push(h),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/** Polls until fn returns a truthy value (never a fixed sleep); throws with the label on timeout. */
export async function waitFor<T>(fn: () => T | Promise<T>, label = 'condition', timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${label}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Collects page errors and console warnings of a page, for "no uncaught error" assertions. */
export function watchPage(page: Page): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
    if (m.type() === 'error') errors.push(m.text());
  });
  return { errors, warnings };
}

export type { Browser, BrowserContext, Page };

type SiteBatch = { site: string; events: { id: string; type: string }[] };

/**
 * The events the collector accepted for one site, each id once. Tests give
 * every test its own site id: a page closed by an earlier test may still
 * deliver a late beacon to the shared collector.
 */
export function eventsOf<B extends SiteBatch>(collector: { batches: B[] }, site: string): B['events'] {
  const seen = new Set<string>();
  return collector.batches
    .filter((b) => b.site == site)
    .flatMap((b) => b.events)
    .filter((e) => !seen.has(e.id) && !!seen.add(e.id));
}

/** A request body as text (for the capturing servers that stand in for a vendor). */
export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk)).on('end', () => resolve(body));
  });

/** Bundles `source` (TypeScript, imports resolved from the repository) into one script for a page. */
export async function bundleForPage(source: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({ stdin: { contents: source, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'iife', write: false, target: 'es2019', logLevel: 'silent' });
  return out.outputFiles[0].text;
}
