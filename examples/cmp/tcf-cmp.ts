// A minimal IAB TCF v2.2 CMP for this example, built on IAB's own
// @iabtechlabtcf/cmpapi (the page-side __tcfapi) and @iabtechlabtcf/core
// (TC strings). Bundled to dist/tcf-cmp.js by `npm run examples:build`.
// A real CMP downloads the Global Vendor List; this one runs offline with a
// tiny hand-made list, and keeps the TC string in localStorage.
import { CmpApi } from '@iabtechlabtcf/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';

declare global {
  interface Window {
    exampleBanner(onAnswer: (accepted: boolean) => void): void;
  }
}

const PURPOSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const KEY = 'example-tcstring';

const gvl = new GVL({
  gvlSpecificationVersion: 3,
  vendorListVersion: 1,
  tcfPolicyVersion: 5,
  lastUpdated: '2024-01-01T00:00:00Z',
  purposes: Object.fromEntries(PURPOSES.map((id) => [id, { id, name: `Purpose ${id}`, description: '', illustrations: [] }])),
  specialPurposes: {},
  features: {},
  specialFeatures: {},
  stacks: {},
  dataCategories: {},
  vendors: {},
} as never);

/** A TC string with consent for these purposes (none: everything refused). */
function tcString(purposes: number[]): string {
  const model = new TCModel(gvl);
  model.cmpId = 10; // a real CMP uses the id IAB registered for it
  model.cmpVersion = 1;
  model.consentScreen = 1;
  model.purposeConsents.set(purposes);
  return TCString.encode(model);
}

// Replaces the stub and answers the calls it queued (leadbeam's addEventListener among them).
const api = new CmpApi(10, 1, true);

let stored: string | null = null;
try {
  stored = localStorage.getItem(KEY);
} catch {
  // storage blocked: ask again
}

if (stored) {
  api.update(stored, false); // eventStatus 'tcloaded': a returning visitor's answer
} else {
  api.update('', true); // eventStatus 'cmpuishown': no answer yet
  window.exampleBanner((accepted) => {
    const tc = tcString(accepted ? PURPOSES : []);
    try {
      localStorage.setItem(KEY, tc);
    } catch {
      // not remembered
    }
    api.update(tc, false); // eventStatus 'useractioncomplete'
  });
}
