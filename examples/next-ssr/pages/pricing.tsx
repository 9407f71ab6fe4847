// A server-rendered Next.js page (pages router): getServerSideProps runs on the
// server for every request, the component renders there first and hydrates in
// the browser. It imports the tracker at module top level (see lib/leadbeam.ts).
import { leadbeam } from '../lib/leadbeam';

interface Plan {
  id: string;
  name: string;
  price: string;
}

export interface PricingProps {
  plans: Plan[];
}

// Next.js types this as GetServerSideProps<PricingProps>; spelled out here so the example needs no `next` package.
export async function getServerSideProps(): Promise<{ props: PricingProps }> {
  return {
    props: {
      plans: [
        { id: 'team', name: 'Team', price: '€49/month' },
        { id: 'pro', name: 'Pro', price: '€199/month' },
      ],
    },
  };
}

export default function Pricing({ plans }: PricingProps) {
  return (
    <main>
      <h1>Pricing</h1>
      {plans.map((plan) => (
        <section key={plan.id}>
          <h2>{plan.name}</h2>
          <p>{plan.price}</p>
          {/* Event handlers run only in the browser, where the tracker is live. */}
          <button type="button" onClick={() => leadbeam.track('demo_booked', { plan: plan.id })}>
            Book a {plan.name} demo
          </button>
        </section>
      ))}
    </main>
  );
}
