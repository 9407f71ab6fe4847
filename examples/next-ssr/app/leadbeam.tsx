'use client';
// Rendered once in the root layout: importing lib/leadbeam from a client
// component puts the tracker in the browser bundle, where it starts on load.
import { leadbeam } from '../lib/leadbeam';

export function Leadbeam() {
  return null;
}

/** A client button for server-rendered pages: event handlers run only in the browser. */
export function BookDemo({ plan, name }: { plan: string; name: string }) {
  return (
    <button type="button" onClick={() => leadbeam.track('demo_booked', { plan })}>
      Book a {name} demo
    </button>
  );
}
