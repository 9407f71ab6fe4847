// One tracker for the whole Next.js app, created at module top level.
//
// Next.js evaluates this module on the server too (it server-renders client
// components). That is safe: importing leadbeam touches no browser global, and
// on the server createTracker() returns a tracker whose methods do nothing. In
// the browser the same line starts tracking: the first page view, then one per
// client-side navigation (<Link>, router.push, the back button). router.replace
// with only a new query (search-as-you-type) and Next's own history.replaceState
// calls are not page views (see "Page views" in the README).
//
// NEXT_PUBLIC_* variables are inlined by `next build`; the defaults are the
// reference collector's address and the examples' site id.
import { createTracker } from 'leadbeam';

export const leadbeam = createTracker({
  site: process.env.NEXT_PUBLIC_LEADBEAM_SITE || 'LB-EXAMPLE',
  endpoint: process.env.NEXT_PUBLIC_LEADBEAM_ENDPOINT || 'http://127.0.0.1:8787/e',
});
