// A custom transport that hands leadbeam's events to an existing tag-manager
// dataLayer instead of an endpoint: each event becomes one
// `dataLayer.push({ event: 'leadbeam', site, ...event })`, so a tag manager can
// route it (e.g. a trigger on the custom event "leadbeam"). Nothing goes over
// the network from leadbeam itself.

window.dataLayer = window.dataLayer || [];
window.leadbeam=window.leadbeam||function(){(leadbeam.q=leadbeam.q||[]).push(arguments)};

/**
 * A leadbeam transport: (url, body) => boolean. `body` is one wire-format batch
 * (JSON text); returning true tells leadbeam it was delivered.
 */
function toDataLayer(url, body) {
  var batch = JSON.parse(body);
  batch.events.forEach(function (event) {
    var entry = { event: 'leadbeam', site: batch.site };
    for (var key in event) entry[key] = event[key];
    window.dataLayer.push(entry);
  });
  return true;
}

leadbeam('init', {
  site: 'LB-EXAMPLE',
  // Required and checked (https:, or http: on localhost), but never contacted by this transport.
  endpoint: '/leadbeam',
  transport: toDataLayer,
  cookies: 'never', // cookieless: no visitor or session id, nothing stored
});

document.addEventListener('DOMContentLoaded', function () {
  var book = document.getElementById('book');
  book.addEventListener('click', function () {
    leadbeam('track', 'demo_booked', { plan: book.getAttribute('data-plan') });
  });
});
