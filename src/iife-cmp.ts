// The script-tag build with every CMP adapter inside: dist/leadbeam.cmp.js.
// data-consent-source="<name>" picks the adapter; data-consent-<option>="…"
// become its options (comma lists become arrays, numbers are parsed).
import { adapters, type ConsentSource } from './cmp/index';
import { guard, warn } from './log';
import { boot } from './script';

/** "" and "true"/"false" → boolean, numbers parsed, comma lists (and `purposes`) → arrays. */
function value(key: string, raw: unknown): unknown {
  if (typeof raw != 'string') return raw;
  const parts = raw.split(',').map((s) => (s = s.trim()) == '' || s == 'true' ? true : s == 'false' ? false : isNaN(+s) ? s : +s);
  return parts.length > 1 || key == 'purposes' ? parts : parts[0];
}

guard(boot)({ started: (tracker, options) => {
  const source = options.consentSource as ConsentSource | undefined;
  if (!source) return;
  const adapter = adapters[source];
  if (!adapter) return warn(`unknown consent source "${String(source)}"`);
  const adapterOptions: Record<string, unknown> = {};
  for (const key in options) {
    const m = /^consent([A-Z]\w*)$/.exec(key);
    const name = m ? m[1][0].toLowerCase() + m[1].slice(1) : '';
    if (m && key != 'consentSource') adapterOptions[name] = value(name, options[key]);
  }
  adapter(tracker, adapterOptions);
} });
