// @vitest-environment node
// What a strict Content-Security-Policy (and a fast main thread) forbids, checked
// in what ships: every built dist/**/*.js|mjs|cjs (run `npx rollup -c` first).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const DIST = resolve(__dirname, '../../dist');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name == 'types' ? [] : files(path);
    return /\.(js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

const FORBIDDEN: [string, RegExp][] = [
  ['eval', /\beval\s*\(/],
  ['new Function / Function(…)', /\bnew\s+Function\b|(^|[^\w$.])Function\s*\(/],
  ['setTimeout/setInterval with a string (eval)', /\bset(Timeout|Interval)\(\s*["'`]/],
  ['document.write', /\bdocument\.write(ln)?\b|\.write(ln)?\(\s*["'`]</],
  ['innerHTML / outerHTML / insertAdjacentHTML / createContextualFragment', /\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|srcdoc)\b/],
  ['inline style manipulation', /\.style\b|\bcssText\b|setAttribute\(\s*["'`]style|\bCSSStyleSheet\b|insertRule\(/],
  ['a script element (inline or injected)', /createElement\(\s*["'`]script/i],
  ['javascript: URLs', /javascript:/i],
  ['XMLHttpRequest (a synchronous XHR blocks the main thread)', /\bXMLHttpRequest\b/],
  ['non-passive or blocking listeners (unload/beforeunload handlers block bfcache)', /["'`](before)?unload["'`]/],
];

describe('built files', () => {
  const all = existsSync(DIST) ? files(DIST) : [];

  it('exist: both script-tag builds, ESM, CJS and every CMP adapter', () => {
    const names = all.map((f) => relative(DIST, f));
    expect(names).toEqual(expect.arrayContaining(['leadbeam.js', 'leadbeam.cmp.js', 'leadbeam.mjs', 'leadbeam.cjs']));
    expect(names.filter((n) => n.startsWith('cmp/')).length).toBeGreaterThanOrEqual(14);
  });

  it.each(FORBIDDEN)('contain no %s', (_, pattern) => {
    const hits = all
      .map((f) => {
        const text = readFileSync(f, 'utf8');
        const m = pattern.exec(text);
        return m && `${relative(DIST, f)}: …${text.slice(Math.max(0, m.index - 40), m.index + 40)}…`;
      })
      .filter(Boolean);
    expect(hits).toEqual([]);
  });
});
