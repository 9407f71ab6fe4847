// The demo page's own script (no inline scripts: the page runs under a strict CSP).
// Loaded before the SDK, so the stub below queues any call made before leadbeam.js arrives.
window.leadbeam=window.leadbeam||function(){(leadbeam.q=leadbeam.q||[]).push(arguments)};

(function () {
  'use strict';

  // "Book a demo" buttons → a custom event.
  document.querySelectorAll('[data-track]').forEach(function (button) {
    button.addEventListener('click', function () {
      leadbeam('track', button.getAttribute('data-track'), { plan: button.getAttribute('data-plan') || 'pro' });
      button.textContent = 'Booked ✓';
    });
  });

  // A tiny client-side router: pushState to a new route is a new page view for the SDK.
  function show(path) {
    document.querySelectorAll('[data-view]').forEach(function (view) {
      view.hidden = view.getAttribute('data-view') !== path;
    });
    document.title = (path === '/pricing' ? 'Pricing — ' : '') + 'Northwind Flow — pipeline analytics for B2B teams';
  }
  document.querySelectorAll('a[data-route]').forEach(function (link) {
    link.addEventListener('click', function (event) {
      var path = link.getAttribute('href');
      event.preventDefault();
      if (path !== location.pathname) {
        show(path); // update the title first, so the new page view carries it
        history.pushState({}, '', path);
      }
      window.scrollTo(0, 0);
    });
  });
  window.addEventListener('popstate', function () {
    show(location.pathname);
  });
  show(location.pathname === '/pricing' ? '/pricing' : '/');

  // The contact form is "sent" with fetch-like behaviour: the default submit is
  // prevented, as frameworks do. The SDK still sees the submit and sends only the
  // e-mail's domain (and only if it is not a consumer mail provider).
  var form = document.getElementById('contact-form');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    document.getElementById('contact-thanks').hidden = false;
    form.reset();
  });

  // A minimal consent banner, remembered for this tab only (sessionStorage is the
  // page's choice here, not the SDK's).
  var banner = document.getElementById('consent');
  var remembered = null;
  try {
    remembered = sessionStorage.getItem('demo-consent');
  } catch (e) {
    /* storage blocked: ask again */
  }
  if (remembered) leadbeam('consent', remembered);
  else banner.hidden = false;
  banner.querySelectorAll('[data-consent]').forEach(function (button) {
    button.addEventListener('click', function () {
      var state = button.getAttribute('data-consent');
      leadbeam('consent', state);
      try {
        sessionStorage.setItem('demo-consent', state);
      } catch (e) {
        /* ignore */
      }
      banner.hidden = true;
    });
  });
})();
