// Builds the app into examples/esm-app/dist/app.js:
//   npx rollup -c examples/esm-app/rollup.config.mjs   (or: npm run examples:build)
// In your own app `leadbeam` comes from node_modules (@rollup/plugin-node-resolve);
// here a small plugin points it at this repository's dist/ (run `npm run build` first).
// TypeScript is only stripped here (esbuild, fast); `npm run typecheck` checks it.
import { transform } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const leadbeamFromRepo = {
  name: 'leadbeam-from-repo',
  resolveId: (id) =>
    id == 'leadbeam' ? here('../../dist/leadbeam.mjs') : id.startsWith('leadbeam/cmp/') ? here(`../../dist/cmp/${id.slice(13)}.mjs`) : null,
};

const stripTypes = {
  name: 'strip-types',
  transform: async (code, id) =>
    id.endsWith('.ts') ? { code: (await transform(code, { loader: 'ts', target: 'es2019', sourcefile: id })).code, map: null } : null,
};

export default {
  input: here('src/main.ts'),
  output: { file: here('dist/app.js'), format: 'es' },
  plugins: [leadbeamFromRepo, stripTypes],
};
