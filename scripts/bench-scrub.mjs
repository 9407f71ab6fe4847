// Shows that e-mail scrubbing is linear in its input: time per KB at 1 KB and
// at 1 MiB, for ordinary and adversarial inputs. `node scripts/bench-scrub.mjs`
// (bundles src/scrub.ts with esbuild; no build needed). A bench, not a test:
// timings depend on the machine, the ratio between the two columns does not.
import { build } from 'esbuild';

const out = await build({ entryPoints: [new URL('../src/scrub.ts', import.meta.url).pathname], bundle: true, format: 'esm', write: false });
const { scrubText, scrubUrl } = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text));

const fill = (unit, bytes) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const INPUTS = {
  'ordinary URL': (n) => 'https://www.example.com/pricing?utm_source=news&e=jan%40acme.nl&q=' + fill('plans+for+teams+', n),
  'title with addresses': (n) => fill('Account settings – jan.de.vries@acme.nl, ', n),
  "many '@'": (n) => fill('@', n),
  "'a@' repeated": (n) => fill('a@', n),
  'one long local-part run, then @': (n) => fill('a', n - 12) + '@acme.nl',
  'long run, @, no domain': (n) => 'x@' + fill('a', n - 2),
  'many dots': (n) => 'a@' + fill('.', n),
  "many '.xy' after %40": (n) => 'a%40' + fill('.xy', n),
  "many '%40'": (n) => fill('a%40', n),
  'addresses back to back': (n) => fill('a@b.cc', n),
};

/** Milliseconds per KB of input, best of a few rounds. */
function perKb(fn, s) {
  const reps = Math.max(3, Math.round(4e6 / s.length));
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) fn(s);
    best = Math.min(best, (performance.now() - t) / reps);
  }
  return best / (s.length / 1024);
}

const row = (...cells) => console.log(cells.map((c, i) => String(c).padEnd(i ? 14 : 36)).join(''));
row('input (full pass: scrubText, no cut)', 'µs/KB @1 KB', 'µs/KB @1 MiB', 'ratio');
for (const [name, make] of Object.entries(INPUTS)) {
  const small = perKb((s) => scrubText(s, Infinity), make(1024));
  const big = perKb((s) => scrubText(s, Infinity), make(1024 * 1024));
  row(name, (small * 1000).toFixed(1), (big * 1000).toFixed(1), (big / small).toFixed(2));
}
console.log('\nscrubUrl (what page views run: redact, cut at 2048, never scan past 8 KiB), whole call in ms at 1 MiB:');
for (const [name, make] of Object.entries(INPUTS)) {
  const s = make(1024 * 1024);
  row(name, (perKb((x) => scrubUrl(x, []), s) * 1024).toFixed(3) + ' ms');
}
