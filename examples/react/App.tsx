// Using the provider and the hook: a "book a demo" button and a consent banner.
import { LeadbeamProvider, useLeadbeam } from './leadbeam-react';
import type { Options } from 'leadbeam';

// Outside the component, so the provider sees the same object on every render.
const options: Options = {
  site: 'LB-EXAMPLE',
  endpoint: 'http://127.0.0.1:8787/e', // the reference collector's default address
};

function BookDemo({ plan }: { plan: string }) {
  const leadbeam = useLeadbeam();
  return (
    <button type="button" onClick={() => leadbeam.track('demo_booked', { plan })}>
      Book a {plan} demo
    </button>
  );
}

function ConsentBanner() {
  const leadbeam = useLeadbeam();
  return (
    <div className="consent-banner" role="dialog" aria-label="Cookie consent">
      <p>May we set two first-party cookies to recognise your next visit?</p>
      <button type="button" onClick={() => leadbeam.consent('granted')}>
        Accept
      </button>
      <button type="button" onClick={() => leadbeam.consent('denied')}>
        Decline
      </button>
    </div>
  );
}

export function App() {
  return (
    <LeadbeamProvider options={options}>
      <main>
        <h1>Pricing</h1>
        <BookDemo plan="team" />
        <BookDemo plan="pro" />
      </main>
      <ConsentBanner />
    </LeadbeamProvider>
  );
}
