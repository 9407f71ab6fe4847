// A small bundled app using leadbeam's npm API (ESM + TypeScript).
// `from 'leadbeam'` is what an app that ran `npm install leadbeam` writes;
// rollup.config.mjs points it at this repository's build instead.
import { createTracker } from 'leadbeam';

// One tracker for the app. The first page view leaves on its own, and so does
// one per route change: with hashRouting, `#/pricing` is a route of its own.
const tracker = createTracker({
  site: 'LB-EXAMPLE',
  endpoint: 'http://127.0.0.1:8787/e', // the reference collector's default address
  hashRouting: true,
});

const titles: Record<string, string> = { '/': 'Product', '/pricing': 'Pricing' };

/** Shows the route in the hash; leadbeam reads the new title a moment later. */
function render(): void {
  const route = location.hash.slice(1) || '/';
  document.title = titles[route] || 'Not found';
  document.querySelector('h1')!.textContent = document.title;
}
window.addEventListener('hashchange', render);
render();

// "Book a demo" buttons: a custom event with the plan as a property.
document.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLElement>('[data-plan]');
  if (button) tracker.track('demo_booked', { plan: button.dataset.plan || 'unknown' });
});
