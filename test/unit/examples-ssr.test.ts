// @vitest-environment node
// The React and Next.js examples on a server: they type-check (against the
// package's own types and the real @types/react and next types), and their
// modules import and render in plain Node with the real react-dom/server:
// components render, effects and event handlers never run, and the tracker
// created at module top level does nothing. The Next.js example also runs for
// real (next build + next start) in test/browser/routers.test.ts.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

// What the server does with the examples, run in a plain Node process.
const ENTRY = `
import './guard';
import { renderToString } from 'react-dom/server';
import { jsx } from 'react/jsx-runtime';
import { leadbeam } from './examples/next-ssr/lib/leadbeam';
import { App } from './examples/react/App';

const app = renderToString(jsx(App, {}));
// The module-level tracker exists on the server, and does nothing.
for (const m of ['page', 'track', 'consent', 'form', 'optOut', 'optIn', 'flush']) leadbeam[m]('granted');
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({
  app, fetches: globalThis.__fetches,
  globals: { window: typeof window, document: typeof document, localStorage: typeof localStorage },
}));
`;
// Imported first: any network use on the server would be recorded.
const GUARD = `globalThis.__fetches = []; globalThis.fetch = (url) => { globalThis.__fetches.push(String(url)); return Promise.reject(new Error('no network in SSR')); };`;

let dir: string;
beforeAll(async () => {
  // Under node_modules, so the bundle's external imports (react, react-dom) resolve to the installed packages.
  mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
  dir = mkdtempSync(join(ROOT, 'node_modules/.cache/leadbeam-ssr-'));
  // Both checks use the package as published: dist/ and dist/types.
  if (!existsSync(join(ROOT, 'dist/leadbeam.mjs'))) await run('npx', ['rollup', '-c'], { cwd: ROOT });
  if (!existsSync(join(ROOT, 'dist/types/index.d.ts'))) await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/react and examples/next-ssr', () => {
  it('type-check with tsc (examples/tsconfig.json, jsx: react-jsx, the real React and Next.js types)', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'examples/tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    const files = config.fileNames.map((f) => f.slice(ROOT.length + 1));
    for (const f of ['examples/react/leadbeam-react.tsx', 'examples/react/App.tsx', 'examples/next-ssr/app/layout.tsx', 'examples/next-ssr/app/pricing/page.tsx', 'examples/next-ssr/lib/leadbeam.ts'])
      expect(files).toContain(f);
    const program = ts.createProgram(config.fileNames, config.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.slice(ROOT.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1} ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(diagnostics).toEqual([]);
    // `leadbeam` resolved to the published types, not to src/.
    const resolved = ts.resolveModuleName('leadbeam', join(ROOT, 'examples/next-ssr/lib/leadbeam.ts'), config.options, ts.sys);
    expect(resolved.resolvedModule?.resolvedFileName).toBe(join(ROOT, 'dist/types/index.d.ts'));
  }, 60_000);

  it('import and render in plain Node with react-dom/server: leadbeam imported at module top level, no browser global, no network', async () => {
    const out = join(dir, 'ssr.mjs');
    await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'ssr-entry.ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      jsx: 'automatic',
      outfile: out,
      logLevel: 'silent',
      // The real React, as Node loads it for a server (CommonJS packages, imported from the bundle).
      external: ['react', 'react/*', 'react-dom', 'react-dom/*'],
      plugins: [
        {
          name: 'ssr-fixtures',
          setup(b) {
            b.onResolve({ filter: /^\.\/guard$/ }, () => ({ path: 'guard', namespace: 'fake' }));
            b.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({ contents: GUARD, loader: 'js' }));
            // leadbeam as published: the npm entry's ESM build.
            b.onResolve({ filter: /^leadbeam$/ }, () => ({ path: join(ROOT, 'dist/leadbeam.mjs') }));
          },
        },
      ],
    });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    // A process of its own: nothing of vitest's environment, and it must exit by itself (no timer or listener left).
    const { stdout } = await run(process.execPath, [out], { timeout: 20_000 });
    const result = JSON.parse(stdout);
    expect(result.globals).toEqual({ window: 'undefined', document: 'undefined', localStorage: 'undefined' });
    expect(result.fetches).toEqual([]);
    // Real React server output (text parts are separated by <!-- -->).
    expect(result.app.replace(/<!-- -->/g, '')).toContain('<h1>Pricing</h1><button type="button">Book a team demo</button><button type="button">Book a pro demo</button>');
    expect(result.app).toContain('<div class="consent-banner" role="dialog" aria-label="Cookie consent">');
  }, 60_000);
});
