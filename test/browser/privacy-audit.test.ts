// The privacy audit (npm run audit:privacy) run in CI: the README table
// "What is stored and what leaves the page" must match what the audit observes
// now, and the audit itself must show the design's zero-write promises.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { runAudit, readmeTable, README_START, README_END } from '../../scripts/audit-privacy.mjs';
import { ROOT } from './harness';

type Result = {
  mode: { cookies: string; requireConsent: boolean };
  state: string;
  hosts: string[];
  events: string[];
  withIds: string[];
  writes: string[];
  afterReload: { cookies: { name: string }[]; localStorage: string[]; sessionStorage: string[]; indexedDB: string[] };
};

describe('privacy audit', () => {
  it('the README table matches the audit, and cookieless mode (and opting out) never writes anything but the opt-out flag', async () => {
    const results: Result[] = await runAudit();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(README_START) + README_START.length, readme.indexOf(README_END)).trim();
    expect(block).toBe(readmeTable(results));

    for (const r of results) {
      // Only the collector is ever contacted.
      expect(r.hosts.every((h) => h.startsWith('127.0.0.1:'))).toBe(true);
      // No web storage or IndexedDB in any mode (the queue persists only when something is pending at unload).
      expect(r.afterReload.sessionStorage).toEqual([]);
      expect(r.afterReload.indexedDB).toEqual([]);
      if (r.mode.cookies == 'never' || r.state == 'denied' || r.state == 'opted out' || (r.mode.requireConsent && r.state == 'no answer')) {
        // Opting out stores its flag and nothing else (no probe cookie: the flag is its own probe).
        const allowed = r.state == 'opted out' ? ['cookie _lb_optout'] : [];
        expect(r.writes.filter((w) => !allowed.includes(w)), `${JSON.stringify(r.mode)} ${r.state}`).toEqual(
          // 'always' sets its cookies from the first page view, before the denial.
          r.mode.cookies == 'always' && !r.mode.requireConsent ? ['cookie _lb_id', 'cookie _lb_probe (domain probe)', 'cookie _lb_ses'] : [],
        );
      }
      if (r.mode.cookies == 'never') expect(r.withIds).toEqual([]);
      if (r.mode.requireConsent && ['no answer', 'denied', 'opted out'].includes(r.state)) expect(r.events).toEqual([]);
    }
  }, 180_000);
});
