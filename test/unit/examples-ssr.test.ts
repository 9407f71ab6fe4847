// @vitest-environment node
// The React and Next.js examples: they type-check (against the package's own
// types, with examples/react/react-shim.d.ts standing in for @types/react), and
// their modules import and render on a server. React itself is not installed,
// so the render uses a minimal server renderer with React's SSR semantics:
// components render, effects and event handlers never run.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

// React's server-side semantics in a few lines: function components are
// called, context providers scope their value, useEffect/handlers never run.
const FAKE_REACT = `
const contexts = new Map();
export const Fragment = Symbol.for('react.fragment');
export function createContext(defaultValue) {
  const context = { defaultValue };
  context.Provider = function Provider(props) { return props.children; };
  context.Provider.context = context;
  return context;
}
export const useContext = (context) => (contexts.has(context) ? contexts.get(context) : context.defaultValue);
export const effects = [];
export function useEffect(effect) { effects.push(effect); } // recorded, never run: this is the server
export const useMemo = (factory) => factory();
export const jsx = (type, props) => ({ type, props });
export const jsxs = jsx;
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => '&#' + c.charCodeAt(0) + ';');
export function renderToString(node) {
  if (node == null || typeof node == 'boolean') return '';
  if (Array.isArray(node)) return node.map(renderToString).join('');
  if (typeof node != 'object') return escape(node);
  const { type, props } = node;
  if (type === Fragment) return renderToString(props.children);
  if (typeof type == 'function') {
    const context = type.context;
    if (!context) return renderToString(type(props));
    const had = contexts.has(context), previous = contexts.get(context);
    contexts.set(context, props.value);
    try { return renderToString(props.children); } finally { had ? contexts.set(context, previous) : contexts.delete(context); }
  }
  let attributes = '';
  for (const [k, v] of Object.entries(props))
    if (k != 'children' && typeof v != 'function' && v != null && v !== false) attributes += ' ' + (k == 'className' ? 'class' : k) + '="' + escape(v) + '"';
  return '<' + type + attributes + '>' + renderToString(props.children) + '</' + type + '>';
}
`;

// What the server does with the examples, run in a plain Node process.
const ENTRY = `
import './guard';
import { renderToString, effects } from 'react-dom/server';
import { jsx } from 'react/jsx-runtime';
import Pricing, { getServerSideProps } from './examples/next-ssr/pages/pricing';
import { leadbeam } from './examples/next-ssr/lib/leadbeam';
import { App } from './examples/react/App';

const { props } = await getServerSideProps();
const pricing = renderToString(jsx(Pricing, props));
const app = renderToString(jsx(App, {}));
// The module-level tracker exists on the server, and does nothing.
for (const m of ['page', 'track', 'consent', 'form', 'optOut', 'optIn', 'flush']) leadbeam[m]('granted');
await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({
  pricing, app, effects: effects.length, fetches: globalThis.__fetches,
  globals: { window: typeof window, document: typeof document, localStorage: typeof localStorage },
}));
`;
// Imported first: any network use on the server would be recorded.
const GUARD = `globalThis.__fetches = []; globalThis.fetch = (url) => { globalThis.__fetches.push(String(url)); return Promise.reject(new Error('no network in SSR')); };`;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadbeam-ssr-'));
  // Both checks use the package as published: dist/ and dist/types.
  if (!existsSync(join(ROOT, 'dist/leadbeam.mjs'))) await run('npx', ['rollup', '-c'], { cwd: ROOT });
  if (!existsSync(join(ROOT, 'dist/types/index.d.ts'))) await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/react and examples/next-ssr', () => {
  it('type-check with tsc (examples/tsconfig.json, jsx: react-jsx, the local React type shim)', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'examples/tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    const files = config.fileNames.map((f) => f.slice(ROOT.length + 1));
    for (const f of ['examples/react/leadbeam-react.tsx', 'examples/react/App.tsx', 'examples/next-ssr/pages/pricing.tsx', 'examples/next-ssr/lib/leadbeam.ts'])
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

  it('import and render in plain Node: leadbeam imported at module top level, no browser global, no network, no effect run', async () => {
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
      plugins: [
        {
          name: 'ssr-fixtures',
          setup(b) {
            // React, react/jsx-runtime and react-dom/server are one fake module (shared context state).
            b.onResolve({ filter: /^react(-dom\/server|\/jsx-runtime)?$/ }, () => ({ path: 'react', namespace: 'fake' }));
            b.onResolve({ filter: /^\.\/guard$/ }, () => ({ path: 'guard', namespace: 'fake' }));
            b.onLoad({ filter: /.*/, namespace: 'fake' }, (a) => ({ contents: a.path == 'guard' ? GUARD : FAKE_REACT, loader: 'js' }));
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
    // The provider's effect is registered (it starts leadbeam in the browser) but a server never runs it.
    expect(result.effects).toBe(1);
    expect(result.pricing).toBe(
      '<main><h1>Pricing</h1>' +
        '<section><h2>Team</h2><p>€49/month</p><button type="button">Book a Team demo</button></section>' +
        '<section><h2>Pro</h2><p>€199/month</p><button type="button">Book a Pro demo</button></section></main>',
    );
    expect(result.app).toContain('<h1>Pricing</h1><button type="button">Book a team demo</button><button type="button">Book a pro demo</button>');
    expect(result.app).toContain('<div class="consent-banner" role="dialog" aria-label="Cookie consent">');
  }, 60_000);
});
