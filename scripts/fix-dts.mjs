// tsc emits extensionless relative imports in dist/types (the source uses
// bundler resolution); TypeScript under node16/nodenext needs them to name the
// file. Rewrite `from './x'` to `from './x.js'` in every emitted .d.ts.
//
// Then publish only the public types: tsc emits a .d.ts for every internal module
// (delivery, cookies, the IIFE entries…). Keep the entries (index.d.ts and each
// cmp/<adapter>.d.ts, the files package.json "exports" names), and of the files
// they import only the declarations they reach (so `makeEvent` or `DEFAULTS`
// never become API by accident); delete every other file.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';

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

const ROOT = 'dist/types';
const INTERNAL_CMP = ['types', 'util', 'index']; // as rollup.config.mjs: not adapter entries
const INTERNAL_TRANSPORT = ['util', 'index']; // as rollup.config.mjs
const entries = [
  'index.d.ts',
  ...readdirSync(join(ROOT, 'cmp'))
    .filter((f) => f.endsWith('.d.ts') && !INTERNAL_CMP.includes(f.slice(0, -5)))
    .map((f) => 'cmp/' + f),
  ...(existsSync(join(ROOT, 'transport')) ? readdirSync(join(ROOT, 'transport')) : [])
    .filter((f) => f.endsWith('.d.ts') && !INTERNAL_TRANSPORT.includes(f.slice(0, -5)))
    .map((f) => 'transport/' + f),
];

const parsed = new Map();
const source = (file) => {
  if (!parsed.has(file)) parsed.set(file, ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true));
  return parsed.get(file);
};
/** './x.js' seen from 'cmp/tcf.d.ts' → 'cmp/x.d.ts'; null for a package import. */
const target = (from, node) => {
  const spec = node.moduleSpecifier && node.moduleSpecifier.text;
  return spec && spec.startsWith('.') ? posix.join(posix.dirname(from), spec.replace(/\.js$/, '.d.ts')) : null;
};
/** Names a top-level declaration declares. */
const declared = (st) =>
  ts.isVariableStatement(st) ? st.declarationList.declarations.map((d) => d.name.getText()) : st.name && !ts.isStringLiteral(st.name) ? [st.name.text] : [];
const identifiers = (node, into) => {
  if (ts.isIdentifier(node)) into.add(node.text);
  node.forEachChild((c) => identifiers(c, into));
};

// Needed names per file, to a fixpoint: 'all' for an entry.
const needed = new Map(entries.map((e) => [e, 'all']));
const need = (file, name) => {
  const set = needed.get(file) || new Set();
  if (set == 'all' || set.has(name)) return;
  set.add(name);
  needed.set(file, set);
  grew = true;
};
const keeps = (file, name) => needed.get(file) == 'all' || needed.get(file).has(name);
let grew = true;
while (grew) {
  grew = false;
  for (const file of [...needed.keys()]) {
    const sf = source(file);
    // Local closure: what the kept declarations mention is kept too.
    let local = true;
    while (local) {
      local = false;
      for (const st of sf.statements) {
        const used = new Set();
        if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause) {
          for (const el of st.exportClause.elements) if (keeps(file, el.name.text)) used.add((el.propertyName || el.name).text);
        } else if (declared(st).some((n) => keeps(file, n))) identifiers(st, used);
        for (const n of used) if (!keeps(file, n)) (needed.get(file).add(n), (local = grew = true));
      }
    }
    for (const st of sf.statements) {
      const to = target(file, st);
      if (!to) continue;
      if (ts.isImportDeclaration(st)) {
        const named = st.importClause && st.importClause.namedBindings;
        if (named && ts.isNamedImports(named)) for (const el of named.elements) if (keeps(file, el.name.text)) need(to, (el.propertyName || el.name).text);
      } else if (ts.isExportDeclaration(st) && st.exportClause) {
        for (const el of st.exportClause.elements) if (keeps(file, el.name.text)) need(to, (el.propertyName || el.name).text);
      }
    }
  }
}

// Rewrite the imported files down to what is needed; entries stay as emitted.
const spec = (el) => (el.isTypeOnly ? 'type ' : '') + (el.propertyName ? el.propertyName.text + ' as ' : '') + el.name.text;
for (const [file, set] of needed) {
  if (set == 'all') continue;
  const sf = source(file);
  let out = '';
  for (const st of sf.statements) {
    const text = sf.text.slice(st.getFullStart(), st.getEnd());
    const lead = text.slice(0, text.length - st.getText().length);
    const named = ts.isImportDeclaration(st) ? st.importClause && st.importClause.namedBindings : ts.isExportDeclaration(st) ? st.exportClause : undefined;
    if (named && ts.isNamedImports(named) || named && ts.isNamedExports(named)) {
      const kept = named.elements.filter((el) => set.has(el.name.text));
      if (!kept.length) continue;
      const isType = ts.isImportDeclaration(st) ? st.importClause.isTypeOnly : st.isTypeOnly;
      const from = st.moduleSpecifier ? ` from ${st.moduleSpecifier.getText()}` : '';
      out += `${lead}${ts.isImportDeclaration(st) ? 'import' : 'export'} ${isType ? 'type ' : ''}{ ${kept.map(spec).join(', ')} }${from};`;
    } else if (declared(st).some((n) => set.has(n))) out += text;
    else if (!declared(st).length && !ts.isImportDeclaration(st) && !ts.isExportDeclaration(st)) out += text;
  }
  writeFileSync(join(ROOT, file), out.replace(/^\n+/, '') + '\n');
}

// Delete every file no entry reaches, then the folders left empty.
function prune(dir) {
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(join(ROOT, rel)).isDirectory()) {
      prune(rel);
      if (!readdirSync(join(ROOT, rel)).length) rmSync(join(ROOT, rel), { recursive: true });
    } else if (!needed.has(rel)) rmSync(join(ROOT, rel));
  }
}
prune('');
