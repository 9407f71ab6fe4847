// leadbeam through the site's own origin: events go to /t/e on this site, and
// proxy.mjs forwards them to the collection endpoint. Blockers that match
// third-party tracking hosts see only a first-party request; the browser
// never contacts the collector, and needs no CORS or connect-src for it.

window.leadbeam=window.leadbeam||function(){(leadbeam.q=leadbeam.q||[]).push(arguments)};

/**
 * A custom transport: POST to the proxy with a header the proxy requires.
 * A page on another site cannot add that header without a CORS preflight,
 * which the proxy never grants, so only this site's pages can use it.
 * Returns true when the proxy accepted the batch (or refused it for good: a
 * 4xx other than 408/429 will not get better by retrying); false makes
 * leadbeam retry with backoff.
 */
function viaProxy(url, body) {
  return fetch(url, {
    method: 'POST',
    body: body,
    keepalive: true, // survives the page being closed
    credentials: 'omit', // the site's own cookies are none of the endpoint's business
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-leadbeam': '1' },
  }).then(function (response) {
    var s = response.status;
    return response.ok || (s >= 400 && s < 500 && s !== 408 && s !== 429);
  });
}

leadbeam('init', { site: 'LB-EXAMPLE', endpoint: '/t/e', transport: viaProxy });

document.addEventListener('DOMContentLoaded', function () {
  var book = document.getElementById('book');
  book.addEventListener('click', function () {
    leadbeam('track', 'demo_booked', { plan: book.getAttribute('data-plan') });
  });
});
