// @vitest-environment node
// What `npm publish` would ship, and whether its "exports" resolve: in Node
// (ESM and CJS, by package self-reference, as an installed package would) and
// in TypeScript (moduleResolution node16 and bundler).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const ADAPTERS = readdirSync(join(ROOT, 'src/cmp'))
  .filter((f) => f.endsWith('.ts') && !['types.ts', 'util.ts', 'index.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();

const TRANSPORTS = readdirSync(join(ROOT, 'src/transport'))
  .filter((f) => f.endsWith('.ts') && !['util.ts', 'index.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();

let files: string[] = [];

beforeAll(async () => {
  // The package as built: build what is missing (npm test builds before the unit tests).
  if (!existsSync(join(ROOT, 'dist/leadbeam.mjs'))) await run('npx', ['rollup', '-c'], { cwd: ROOT });
  if (!existsSync(join(ROOT, 'dist/types/index.d.ts'))) await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
  // What `npm run build` does after tsc (idempotent): .js specifiers, internal module types removed.
  await run(process.execPath, ['scripts/fix-dts.mjs'], { cwd: ROOT });
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
  files = JSON.parse(stdout)[0].files.map((f: { path: string }) => f.path).sort();
}, 180_000);

describe('npm pack', () => {
  it('holds only dist/, README.md, LICENSE and package.json', () => {
    expect(files.filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f))).toEqual([]);
    for (const dir of ['src/', 'test/', 'examples/', 'node_modules/', 'docs/', '.ci/']) expect(files.filter((f) => f.startsWith(dir))).toEqual([]);
    expect(files.filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('holds every build output: script tags, npm entries, schema, types, and each CMP adapter', () => {
    const expected = [
      'README.md',
      'LICENSE',
      'package.json',
      'dist/leadbeam.js',
      'dist/leadbeam.cmp.js',
      'dist/leadbeam.mjs',
      'dist/leadbeam.cjs',
      'dist/schema.json',
      'dist/types/index.d.ts',
      ...ADAPTERS.flatMap((a) => [`dist/cmp/${a}.mjs`, `dist/cmp/${a}.cjs`, `dist/types/cmp/${a}.d.ts`]),
      ...TRANSPORTS.flatMap((t) => [`dist/transport/${t}.mjs`, `dist/transport/${t}.cjs`, `dist/types/transport/${t}.d.ts`]),
    ];
    expect(files).toEqual(expect.arrayContaining(expected));
    expect(ADAPTERS).toEqual(['cookiebot', 'cookieconsent', 'google-consent-mode', 'klaro', 'onetrust', 'tcf', 'usercentrics']);
  });

  it('publishes only the public types: the entries and the declarations they reach, no internal module', () => {
    const types = files.filter((f) => f.startsWith('dist/types/'));
    expect(types).toEqual(
      [
        'dist/types/index.d.ts',
        // What index.d.ts imports: Options and friends, Tracker, WireBatch/WireEvent.
        'dist/types/options.d.ts',
        'dist/types/tracker.d.ts',
        'dist/types/event.d.ts',
        // What the adapters import: ConsentTarget, WaitOptions.
        'dist/types/cmp/types.d.ts',
        ...ADAPTERS.map((a) => `dist/types/cmp/${a}.d.ts`),
        // The vendor transports, and the shared request types they name.
        ...TRANSPORTS.map((t) => `dist/types/transport/${t}.d.ts`),
        ...(TRANSPORTS.length ? ['dist/types/transport/util.d.ts'] : []),
      ].sort(),
    );
    // The files kept for their types declare nothing internal.
    const text = types.map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    for (const internal of ['makeEvent', 'batchBody', 'resolveOptions', 'DEFAULTS', 'INERT', 'Resolved', 'emitter'])
      expect(text).not.toMatch(new RegExp(`\\b${internal}\\b`));
  });

  it('every published JavaScript file starts with the MIT licence banner (minified ones too)', () => {
    const js = files.filter((f) => /\.(js|mjs|cjs)$/.test(f));
    expect(js.length).toBeGreaterThan(10);
    for (const f of js) expect(readFileSync(join(ROOT, f), 'utf8').split('\n')[0], f).toBe(`/*! leadbeam v${pkg.version} | MIT License */`);
  });

  it('every file that "exports", "main", "module" and "types" name is in the package', () => {
    const targets: string[] = [pkg.main, pkg.module, pkg.types];
    const walk = (v: unknown): void => {
      if (typeof v == 'string') targets.push(v);
      else if (v && typeof v == 'object') Object.values(v).forEach(walk);
    };
    walk(pkg.exports);
    for (const t of targets) {
      const path = t.replace(/^\.\//, '');
      if (path.includes('*')) {
        // A subpath pattern: each adapter (or vendor transport) must have its file.
        for (const a of path.includes('/transport/') ? TRANSPORTS : ADAPTERS) expect(files).toContain(path.replace('*', a));
      } else expect(files).toContain(path);
    }
  });
});

describe('exports resolve', () => {
  it('in Node: leadbeam (ESM + CJS), leadbeam/schema.json, leadbeam/cmp/<name> (ESM + CJS), and they import on a server', async () => {
    // --eval resolves from the working directory, so `leadbeam` is this package by self-reference.
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/');
      const adapters = ${JSON.stringify(ADAPTERS)};
      const out = { resolved: {}, types: {} };
      const rel = (u) => u.replace(/^file:\\/\\//, '').slice(process.cwd().length + 1);
      for (const s of ['leadbeam', 'leadbeam/schema.json', ...adapters.map((a) => 'leadbeam/cmp/' + a)]) {
        out.resolved[s] = { import: rel(import.meta.resolve(s)), require: rel('file://' + require.resolve(s)) };
      }
      out.types.esm = typeof (await import('leadbeam')).createTracker;
      out.types.cjs = typeof require('leadbeam').createTracker;
      out.types.schema = (await import('leadbeam/schema.json', { with: { type: 'json' } })).default.$schema ? 'schema' : 'none';
      for (const a of adapters) {
        const name = a.replace(/-(\\w)/g, (_, c) => c.toUpperCase());
        out.types[a] = [typeof (await import('leadbeam/cmp/' + a))[name], typeof require('leadbeam/cmp/' + a)[name]];
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '--eval', script], { cwd: ROOT });
    const out = JSON.parse(stdout);
    expect(out.resolved.leadbeam).toEqual({ import: 'dist/leadbeam.mjs', require: 'dist/leadbeam.cjs' });
    expect(out.resolved['leadbeam/schema.json']).toEqual({ import: 'dist/schema.json', require: 'dist/schema.json' });
    for (const a of ADAPTERS) {
      expect(out.resolved[`leadbeam/cmp/${a}`]).toEqual({ import: `dist/cmp/${a}.mjs`, require: `dist/cmp/${a}.cjs` });
      expect(out.types[a]).toEqual(['function', 'function']);
    }
    expect(out.types).toMatchObject({ esm: 'function', cjs: 'function', schema: 'schema' });
  }, 30_000);

  /** Type-checks an app file that imports the package by name; returns the diagnostics. */
  function checkTypes(resolution: 'node16' | 'bundler'): string[] {
    // A virtual file inside the package, importing it by name as an app would.
    const file = join(ROOT, '__exports_check__.mts');
    const source = `
      import { createTracker, type Options, type Tracker, type WireBatch } from 'leadbeam';
      ${ADAPTERS.map((a, i) => `import { ${a.replace(/-(\w)/g, (_, c) => c.toUpperCase())} as a${i} } from 'leadbeam/cmp/${a}';`).join('\n')}
      const options: Options = { site: 'LB-1', endpoint: 'https://collect.example.com/e', cookies: 'never' };
      const tracker: Tracker = createTracker(options);
      const stops: Array<() => void> = [${ADAPTERS.map((_, i) => `a${i}(tracker)`).join(', ')}];
      const batch: WireBatch | undefined = undefined;
      export { stops, batch };
      // @ts-expect-error: a wrong option value must not type-check
      createTracker({ site: 'x', endpoint: 'y', cookies: 'sometimes' });`;
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      // The published .d.ts files themselves are checked too: a pruned import would show here.
      skipLibCheck: false,
      types: [],
      lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
      target: ts.ScriptTarget.ES2020,
      ...(resolution == 'node16'
        ? { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }
        : { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }),
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => f == file || fileExists(f);
    host.readFile = (f) => (f == file ? source : readFile(f));
    host.getSourceFile = (f, v, ...rest) => (f == file ? ts.createSourceFile(f, source, v) : getSourceFile(f, v, ...rest));
    const resolvedTo = (spec: string) => ts.resolveModuleName(spec, file, options, host).resolvedModule?.resolvedFileName.slice(ROOT.length + 1);
    expect(resolvedTo('leadbeam')).toBe('dist/types/index.d.ts');
    expect(resolvedTo('leadbeam/cmp/tcf')).toBe('dist/types/cmp/tcf.d.ts');
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  // A full type-check takes seconds (~4.4 s measured, more under load): far past vitest's 5 s default.
  it('in TypeScript (moduleResolution bundler: Vite, Next.js, esbuild): typed leadbeam and leadbeam/cmp/<name>', () => {
    expect(checkTypes('bundler')).toEqual([]);
  }, 60_000);

  it('in TypeScript (moduleResolution node16/nodenext): typed leadbeam and leadbeam/cmp/<name>', () => {
    expect(checkTypes('node16')).toEqual([]);
  }, 60_000);
});
