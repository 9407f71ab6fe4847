// Measures the "is this network an organisation?" call against the hand-labelled
// sample in test/fixtures/asn-labelled.csv (see its README). Run:
//   node collector/bench/classify-accuracy.mjs [--list]
import { readFileSync } from 'node:fs';
import { createAsnResolver, isOrganisation } from '../src/recognise.mjs';

/** The labelled rows: { asn, organisation, label, sample, sure, note }. */
export function readLabelled(file = new URL('../test/fixtures/asn-labelled.csv', import.meta.url)) {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = lines.shift().split(',');
  return lines.map((line) => {
    const cells = [];
    for (let i = 0; i < line.length; ) {
      if (line[i] == '"') {
        let v = '';
        let j = i + 1;
        for (;;) {
          const q = line.indexOf('"', j);
          v += line.slice(j, q);
          if (line[q + 1] == '"') (v += '"'), (j = q + 2);
          else { i = q + 2; break; }
        }
        cells.push(v);
      } else {
        let c = line.indexOf(',', i);
        if (c < 0) c = line.length;
        cells.push(line.slice(i, c));
        i = c + 1;
      }
    }
    if (line.endsWith(',')) cells.push('');
    const row = Object.fromEntries(head.map((h, k) => [h, cells[k] ?? '']));
    row.asn = Number(row.asn);
    return row;
  });
}

/** Precision/recall of "is an organisation" per sample, over the rows labelled with certainty. */
export function measure(resolve, rows) {
  const out = {};
  for (const sample of ['uniform', 'traffic', 'holdout', 'all']) {
    const m = { tp: 0, fp: 0, fn: 0, tn: 0, unsure: 0, errors: [] };
    for (const r of rows) {
      if (sample != 'all' && r.sample != sample) continue;
      if (r.sure != 'yes') { m.unsure++; continue; }
      const got = resolve.asn(r.asn);
      const kind = got ? got.kind : 'company';
      const truth = isOrganisation(r.label);
      const said = isOrganisation(kind);
      if (truth && said) m.tp++;
      else if (!truth && said) (m.fp++, m.errors.push({ ...r, kind }));
      else if (truth && !said) (m.fn++, m.errors.push({ ...r, kind }));
      else m.tn++;
    }
    m.precision = m.tp / (m.tp + m.fp);
    m.recall = m.tp / (m.tp + m.fn);
    m.accuracy = (m.tp + m.tn) / (m.tp + m.tn + m.fp + m.fn);
    out[sample] = m;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const resolve = createAsnResolver();
  const result = measure(resolve, readLabelled());
  for (const [sample, m] of Object.entries(result)) {
    const pct = (x) => (100 * x).toFixed(1) + '%';
    console.log(
      `${sample.padEnd(8)} n=${m.tp + m.fp + m.fn + m.tn} (+${m.unsure} unsure)  TP ${m.tp} FP ${m.fp} FN ${m.fn} TN ${m.tn}  ` +
        `precision ${pct(m.precision)}  recall ${pct(m.recall)}  accuracy ${pct(m.accuracy)}`,
    );
  }
  if (process.argv.includes('--list')) {
    for (const e of result.all.errors) console.log(`  ${e.label.padEnd(10)} → ${e.kind.padEnd(10)} AS${e.asn} ${e.organisation}`);
  }
}
