// tsc emits extensionless relative imports in dist/types (the source uses
// bundler resolution); TypeScript under node16/nodenext needs them to name the
// file. Rewrite `from './x'` to `from './x.js'` in every emitted .d.ts.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(/(from |import\()(['"])(\.\.?\/[^'"]+?)(\2)/g, (m, kw, q, spec) =>
        /\.(js|mjs|cjs|json)$/.test(spec) ? m : `${kw}${q}${spec}.js${q}`,
      );
      if (fixed != text) writeFileSync(path, fixed);
    }
  }
}
walk('dist/types');
