// Load time, memory and lookup speed of the built-in AS resolver. Run:
//   node collector/bench/recognise.mjs            (add --expose-gc for an exact heap figure)
// Targets on a 2-core machine: load ≤ 5 s, ≥ 200,000 lookups/s.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createAsnResolver } from '../src/recognise.mjs';

const gc = globalThis.gc || (() => {});
gc();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const resolve = createAsnResolver();
const loadMs = performance.now() - t0;
gc();
const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;

// Addresses are text, as they come off the socket: parsing is part of each lookup.
let seed = 42;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
const hex = () => (rnd() >>> 16).toString(16);
const N = 200_000;
const v4 = Array.from({ length: N }, () => `${rnd() >>> 24}.${(rnd() >>> 16) & 255}.${(rnd() >>> 8) & 255}.${rnd() & 255}`);
// Half random in 2000::/4 (almost all unannounced), half inside announced ranges of the data
const starts = readFileSync(join(dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json')), 'asn-ipv6.csv'), 'utf8')
  .split('\n', 100_000)
  .map((l) => l.slice(0, l.indexOf(',')))
  .filter((a) => a.endsWith('::'));
const v6 = Array.from({ length: N }, (_, i) =>
  i % 2 ? `${starts[rnd() % starts.length]}${hex()}` : `2${(rnd() >>> 20).toString(16).padStart(3, '0')}:${hex()}:${hex()}::${hex()}`,
);
const knownList = ['8.8.8.8', '18.7.22.69', '129.69.5.1', '80.128.0.1', '2003::1', '2001:4860:4860::8888', '::ffff:17.1.1.1', '145.1.2.3'];
const known = Array.from({ length: N }, (_, i) => knownList[i % knownList.length]);

function bench(name, list) {
  let hits = 0;
  for (let i = 0; i < 20_000; i++) resolve(list[i]); // warm up
  const t = performance.now();
  const rounds = 5;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < list.length; i++) if (resolve(list[i])) hits++;
  const s = (performance.now() - t) / 1000;
  const rate = (rounds * list.length) / s;
  console.log(`${name.padEnd(12)} ${Math.round(rate).toLocaleString('en')} lookups/s  (${((100 * hits) / (rounds * list.length)).toFixed(0)}% found)`);
  return rate;
}

console.log(`loaded ${resolve.stats.v4Ranges.toLocaleString('en')} IPv4 and ${resolve.stats.v6Ranges.toLocaleString('en')} IPv6 ranges, ${resolve.stats.networks.toLocaleString('en')} networks`);
console.log(`load         ${Math.round(loadMs)} ms`);
console.log(`heap         ${heapMb.toFixed(1)} MB${globalThis.gc ? '' : ' (approximate: run with --expose-gc)'}`);
const rates = [bench('random v4', v4), bench('random v6', v6), bench('known', known)];
const ok = loadMs <= 5000 && Math.min(...rates) >= 200_000;
console.log(ok ? 'targets met (load ≤ 5 s, ≥ 200,000 lookups/s)' : 'TARGET MISSED');
process.exitCode = ok ? 0 : 1;
