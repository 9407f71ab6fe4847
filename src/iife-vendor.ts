// What every vendor script-tag build (dist/leadbeam.<vendor>.js) shares: the
// vendor's options come from data-transport-* attributes
// (data-transport-api-key="phc_…" → { apiKey: 'phc_…' }), and the vendor
// transport replaces data-transport. rollup.config.mjs makes one entry per
// vendor that calls bootVendor with that vendor's factory.
import type { TransportFn } from './options';
import { guard } from './log';
import { boot } from './script';

export function bootVendor(vendor: (options: never) => TransportFn): void {
  guard(boot)({
    prepare(options) {
      const out: Record<string, unknown> = {};
      const vendorOptions: Record<string, unknown> = {};
      for (const key of Object.keys(options)) {
        // `transport` + a capital letter: one of the vendor's options, not leadbeam's.
        const rest = key.slice(9);
        const value = options[key];
        if (key.indexOf('transport') == 0 && rest)
          vendorOptions[rest[0].toLowerCase() + rest.slice(1)] = value === 'true' || (value === 'false' ? false : value);
        else out[key] = options[key];
      }
      // A transport given to init as a function wins; data-transport="<vendor>" names this build's.
      if (typeof out.transport != 'function') out.transport = vendor(vendorOptions as never);
      return out;
    },
  });
}
