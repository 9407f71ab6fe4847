// leadbeam for React: <LeadbeamProvider options={…}> once near the root, and
// useLeadbeam() in any component. Copy this file into your app.
//
// - One tracker per page, created in the browser when the provider mounts (or
//   when a component first calls the hook's methods). Its first page view and
//   every client-side route change (pushState, as React Router and Next.js do)
//   are tracked on their own.
// - Server rendering runs no effect and no event handler, so nothing of
//   leadbeam runs on the server; and if it did, createTracker() would return
//   a tracker whose methods do nothing.
'use client';

import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { createTracker, type Options, type Tracker } from 'leadbeam';

const OptionsContext = createContext<Options | null>(null);

// Module scope, like the script tag's global: the first options count, and
// React's StrictMode double mount does not create a second tracker.
let shared: Tracker | undefined;

function tracker(options: Options): Tracker {
  // Never keep a tracker on a server: it would outlive the request.
  if (typeof window == 'undefined') return createTracker(options);
  return (shared = shared || createTracker(options));
}

export interface LeadbeamProviderProps {
  /** createTracker() options; only the first provider's options count. */
  options: Options;
  children?: ReactNode;
}

/** Starts leadbeam on mount (browser only) and gives useLeadbeam() its options. */
export function LeadbeamProvider({ options, children }: LeadbeamProviderProps) {
  useEffect(() => {
    tracker(options);
  }, [options]);
  return <OptionsContext.Provider value={options}>{children}</OptionsContext.Provider>;
}

/**
 * The tracker's methods (track, consent, form, page, optOut, optIn, forget, flush),
 * stable across renders. Safe to call from effects that run before the
 * provider's own; outside a LeadbeamProvider they do nothing.
 */
export function useLeadbeam(): Omit<Tracker, 'destroy'> {
  const options = useContext(OptionsContext);
  return useMemo(() => {
    const get = (): Tracker | undefined => (options ? tracker(options) : undefined);
    return {
      page: (props) => get()?.page(props),
      track: (name, props) => get()?.track(name, props),
      consent: (state) => get()?.consent(state),
      form: (emailOrDomain) => get()?.form(emailOrDomain),
      optOut: () => get()?.optOut(),
      optIn: () => get()?.optIn(),
      forget: () => get()?.forget() ?? Promise.resolve(false),
      flush: () => get()?.flush(),
    };
  }, [options]);
}
