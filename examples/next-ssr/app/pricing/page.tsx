// A server-rendered page (App Router): this async server component runs on the
// server for every request (dynamic = 'force-dynamic'), and sends HTML. The
// buttons are client components (app/leadbeam.tsx), the only part that hydrates.
import { BookDemo } from '../leadbeam';

export const dynamic = 'force-dynamic';

interface Plan {
  id: string;
  name: string;
  price: string;
}

async function plans(): Promise<Plan[]> {
  // A real app reads a CMS or a database here.
  return [
    { id: 'team', name: 'Team', price: '€49/month' },
    { id: 'pro', name: 'Pro', price: '€199/month' },
  ];
}

export const metadata = { title: 'Pricing' };

export default async function Pricing() {
  return (
    <main>
      <h1>Pricing</h1>
      {(await plans()).map((plan) => (
        <section key={plan.id}>
          <h2>{plan.name}</h2>
          <p>{plan.price}</p>
          <BookDemo plan={plan.id} name={plan.name} />
        </section>
      ))}
    </main>
  );
}
