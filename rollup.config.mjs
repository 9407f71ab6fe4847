// Builds: the script-tag IIFEs (minified), the npm entry as ESM + CJS,
// each CMP adapter as its own entry, and the JSON Schema.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

// The licence notice every built file carries (MIT asks for it in copies); `/*!` so terser keeps it.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const banner = `/*! leadbeam v${version} | MIT License */`;

const ts = () => typescript({ tsconfig: './tsconfig.json', compilerOptions: { noEmit: false, declaration: false, types: [] }, include: ['src/**/*.ts'] });
const min = () =>
  terser({
    ecma: 2019,
    compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
    format: { comments: /^!/ },
  });

const copySchema = {
  name: 'copy-schema',
  writeBundle() {
    mkdirSync('dist', { recursive: true });
    copyFileSync('src/schema.json', 'dist/schema.json');
    // leadbeam's own Iglu schemas for the Snowplow transport: a static Iglu registry to host.
    if (existsSync('src/transport/iglu')) cpSync('src/transport/iglu', 'dist/transport/iglu', { recursive: true });
  },
};

// Chunk names carry a content hash: without this, chunks of earlier builds pile up in dist and get published.
const cleanChunks = { name: 'clean-chunks', buildStart: () => rmSync('dist/chunks', { recursive: true, force: true }) };

/** Each vendor transport (src/transport/<vendor>.ts) is its own entry: leadbeam/transport/<vendor>. */
const transports = readdirSync('src/transport')
  .filter((f) => f.endsWith('.ts') && !['util.ts', 'index.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));

const adapters = readdirSync('src/cmp')
  .filter((f) => f.endsWith('.ts') && !['types.ts', 'util.ts', 'index.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));

/**
 * One script-tag build per vendor, dist/leadbeam.<vendor>.js: the plain build plus that
 * vendor's transport, configured by data-transport-* attributes (src/iife-vendor.ts).
 * Each entry is a two-line module made here, not a file per vendor.
 */
const vendorEntry = (name) => ({
  name: 'vendor-entry',
  resolveId: (id) => (id == `vendor:${name}` ? id : null),
  load: (id) =>
    id == `vendor:${name}`
      ? `import { bootVendor } from ${JSON.stringify(resolve('src/iife-vendor.ts'))};\nimport { ${name} } from ${JSON.stringify(resolve(`src/transport/${name}.ts`))};\nbootVendor(${name});\n`
      : null,
});

export default [
  ...transports.map((name) => ({
    input: `vendor:${name}`,
    output: { file: `dist/leadbeam.${name}.js`, format: 'iife', banner, plugins: [min()] },
    plugins: [vendorEntry(name), ts()],
  })),
  {
    input: 'src/iife.ts',
    output: { file: 'dist/leadbeam.js', format: 'iife', banner, plugins: [min()] },
    plugins: [ts(), copySchema],
  },
  {
    input: 'src/iife-cmp.ts',
    output: { file: 'dist/leadbeam.cmp.js', format: 'iife', banner, plugins: [min()] },
    plugins: [ts()],
  },
  {
    input: {
      leadbeam: 'src/index.ts',
      ...Object.fromEntries(adapters.map((name) => [`cmp/${name}`, `src/cmp/${name}.ts`])),
      ...Object.fromEntries(transports.map((name) => [`transport/${name}`, `src/transport/${name}.ts`])),
    },
    output: [
      { dir: 'dist', format: 'es', banner, entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      { dir: 'dist', format: 'cjs', banner, entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
    ],
    plugins: [cleanChunks, ts()],
  },
];
