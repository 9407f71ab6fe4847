// The script-tag build with every CMP adapter inside: dist/leadbeam.cmp.js.
// data-consent-source="<name>" picks the adapter; data-consent-<option>="…"
// become its options (comma lists become arrays, numbers are parsed).
import { adapters, type ConsentSource } from './cmp/index';
import { warn } from './log';
import { boot } from './script';

function value(raw: unknown): unknown {
  if (typeof raw != 'string') return raw;
  const parts = raw.split(',').map((s) => (s.trim() != '' && !isNaN(+s) ? +s : s.trim()));
  return parts.length > 1 ? parts : parts[0];
}

boot((tracker, options) => {
  const source = options.consentSource as ConsentSource | undefined;
  if (!source) return;
  const adapter = adapters[source];
  if (!adapter) return warn(`unknown consent source "${String(source)}"`);
  const adapterOptions: Record<string, unknown> = {};
  for (const key in options) {
    const m = /^consent([A-Z]\w*)$/.exec(key);
    if (m && key != 'consentSource') adapterOptions[m[1][0].toLowerCase() + m[1].slice(1)] = value(options[key]);
  }
  adapter(tracker, adapterOptions);
});
