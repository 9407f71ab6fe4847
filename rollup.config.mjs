// Builds: the script-tag IIFEs (minified), the npm entry as ESM + CJS,
// each CMP adapter as its own entry, and the JSON Schema.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const ts = () => typescript({ tsconfig: './tsconfig.json', compilerOptions: { noEmit: false, declaration: false, types: [] }, include: ['src/**/*.ts'] });
const min = () =>
  terser({
    ecma: 2019,
    compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
    format: { comments: false },
  });

const copySchema = {
  name: 'copy-schema',
  writeBundle() {
    mkdirSync('dist', { recursive: true });
    copyFileSync('src/schema.json', 'dist/schema.json');
  },
};

const adapters = readdirSync('src/cmp')
  .filter((f) => f.endsWith('.ts') && !['types.ts', 'util.ts', 'index.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));

export default [
  {
    input: 'src/iife.ts',
    output: { file: 'dist/leadbeam.js', format: 'iife', plugins: [min()] },
    plugins: [ts(), copySchema],
  },
  {
    input: 'src/iife-cmp.ts',
    output: { file: 'dist/leadbeam.cmp.js', format: 'iife', plugins: [min()] },
    plugins: [ts()],
  },
  {
    input: {
      leadbeam: 'src/index.ts',
      ...Object.fromEntries(adapters.map((name) => [`cmp/${name}`, `src/cmp/${name}.ts`])),
    },
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
    ],
    plugins: [ts()],
  },
];
