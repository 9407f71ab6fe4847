// One tracker for the whole Next.js app, created at module top level.
//
// Next.js evaluates this module on the server too (server rendering,
// getServerSideProps). That is safe: importing leadbeam touches no browser
// global, and on the server createTracker() returns a tracker whose methods do
// nothing. In the browser the same line starts tracking: the first page view,
// then one per client-side navigation (Next's router uses pushState).
import { createTracker } from 'leadbeam';

export const leadbeam = createTracker({
  site: 'LB-EXAMPLE',
  endpoint: 'http://127.0.0.1:8787/e', // the reference collector's default address
});
