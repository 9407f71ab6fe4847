// The docs match the code: the README options table is DEFAULTS, README references in TSDoc and
// the docs point to sections that exist, and the privacy templates make only the claims the code
// keeps (the machine-checkable ones; the README privacy audit covers the browser's behaviour).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/options';
import { emailDomain } from '../../src/email-domain';

const root = join(__dirname, '../..');
const text = (p: string) => readFileSync(join(root, p), 'utf8');
const readme = text('README.md');
/** GitHub's heading anchors: lower-case, punctuation dropped, spaces → hyphens. */
const slug = (h: string) => h.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
const headings = (md: string) => [...md.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());
const anchors = new Set(headings(readme).map(slug));
const kebab = (k: string) => 'data-' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const shown = (v: unknown) => (typeof v == 'string' ? `'${v}'` : Array.isArray(v) ? '[]' : String(v));

describe('README options table', () => {
  const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('\n## ', readme.indexOf('## Options') + 5));
  const rows = [...section.matchAll(/^\| `(\w+)` \| `([\w-]+)` \| (.+?) \| (.+) \|$/gm)].map(([, key, attr, def]) => ({ key, attr, def }));

  it('has one row per option in DEFAULTS, with its data attribute and its default', () => {
    for (const [key, value] of Object.entries(DEFAULTS)) {
      const row = rows.find((r) => r.key == key);
      expect(row, key).toBeDefined();
      expect(row!.attr, key).toBe(kebab(key));
      expect(row!.def.startsWith('`' + shown(value) + '`'), `${key}: README says ${row!.def}, code ${shown(value)}`).toBe(true);
    }
  });

  it('lists no option the code does not have', () => {
    for (const { key } of rows) expect(key in DEFAULTS || key == 'site' || key == 'endpoint', key).toBe(true);
  });
});

describe('references to README sections exist', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

  it('TSDoc and comments in src/ that name a README section ("X" in the README) name a real heading', () => {
    const names = new Set(headings(readme));
    for (const f of files('src').filter((f) => f.endsWith('.ts')))
      for (const m of text(f).matchAll(/"([^"]+)" in the README/g)) expect(names.has(m[1]), `${f}: "${m[1]}"`).toBe(true);
  });

  it('links to README.md#anchor in the README and docs/ point to existing headings', () => {
    for (const f of ['README.md', ...files('docs').filter((f) => f.endsWith('.md'))]) {
      const own = new Set(headings(text(f)).map(slug));
      for (const m of text(f).matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
        const target = m[1] == '' ? own : m[1].endsWith('README.md') && !m[1].includes('collector') && !m[1].includes('examples') ? anchors : undefined;
        if (target) expect(target.has(m[2]), `${f}: ${m[0]}`).toBe(true);
      }
    }
  });

  it('nowhere says "nothing is ever stored": the opt-out flag is stored in every mode', () => {
    for (const f of ['README.md', ...files('src'), ...files('docs')]) expect(/nothing is ever stored/i.test(text(f)), f).toBe(false);
  });
});

describe('privacy templates (docs/privacy) claim only what the code does', () => {
  const langs = ['en', 'de', 'nl', 'fr'];
  const tpl = Object.fromEntries(langs.map((l) => [l, text(`docs/privacy/${l}.md`)]));
  const visitorDays = Number(/VISITOR_AGE = ([\d_]+)/.exec(text('src/cookies.ts'))![1].replace(/_/g, '')) / 86400;
  const sessionMin = Number(/SESSION_AGE = (\d+)/.exec(text('src/cookies.ts'))![1]) / 60;

  it.each(langs)('%s: names every cookie and key leadbeam writes, with the lifetimes in the code', (l) => {
    for (const name of ['_lb_id', '_lb_ses', '_lb_optout', '_lb_probe', '_lb_q']) expect(tpl[l], name).toContain('`' + name + '`');
    expect(visitorDays).toBe(396); // "13 months" (13 × 30.5 days)
    expect(tpl[l]).toMatch(/13 (months|Monate|maanden|mois)/);
    expect(sessionMin).toBe(30);
    expect(tpl[l]).toMatch(/30 minut/i);
  });

  it.each(langs)('%s: the opt-out cookie exists in every mode, also minimal; renewVisitorId: false is described', (l) => {
    const optOut = tpl[l].split('\n\n').find((p) => p.includes('`_lb_optout`'))!;
    expect(optOut).toMatch(/minimal/i);
    expect(tpl[l]).toContain('renewVisitorId: false');
  });

  it.each(langs)('%s: no over-promise (random ids "say nothing about you", "nothing read from the device")', (l) => {
    for (const bad of [/say nothing about you/, /sagen nichts über Sie/, /zeggen niets over u/, /ne disent rien de vous/, /nothing is stored on or read from/, /weder gespeichert noch ausgelesen/, /point de collecte/, /verzamelpunt/])
      expect(tpl[l]).not.toMatch(bad);
    expect(tpl[l]).toMatch(/pseudon/i); // the visitor id is pseudonymous personal data
    expect(tpl[l]).toMatch(/2\/2023/); // EDPB Guidelines on Art. 5(3)
    expect(tpl[l]).toMatch(/User-Agent/); // linking without cookies depends on the endpoint
  });

  it.each(langs)('%s: consumer domains are "on a built-in list", and each example given is really dropped', (l) => {
    const para = tpl[l].split('\n\n').find((p) => /built-in list|eingebauten Liste|ingebouwde lijst|liste intégrée/.test(p))!;
    expect(para).toBeDefined();
    const examples = [...para.matchAll(/\b[a-z0-9-]+\.(?:com|de|fr|nl|be)\b/g)].map((m) => m[0]).filter((d) => !/^(acme|example)\./.test(d));
    expect(examples.length).toBeGreaterThan(3);
    for (const d of examples) expect(emailDomain('a@' + d), d).toBeUndefined();
  });

  it('fr: the cookies-from-the-first-page section requires renewVisitorId: false for the CNIL exemption and says company recognition goes beyond it', () => {
    const always = tpl.fr.slice(tpl.fr.indexOf("## Section pour `cookies: 'always'`"));
    expect(always).toMatch(/non prorogée[\s>]+automatiquement/);
    expect(always).toContain('`renewVisitorId: false`');
    expect(always).toMatch(/reconnaissance des entreprises[\s\S]{0,90}va au-delà/);
  });
});
