// Strict consent mode with the stub queue and a two-button banner.
// No inline script, handler or style: the page works under a strict CSP
// (script-src 'self'; style-src 'self').

// The stub: calls made before leadbeam.js has loaded are queued and replayed in order.
window.leadbeam=window.leadbeam||function(){(leadbeam.q=leadbeam.q||[]).push(arguments)};

leadbeam('init', {
  site: 'LB-EXAMPLE',
  endpoint: 'http://127.0.0.1:8787/e', // the reference collector's default address
  requireConsent: true, // nothing sent or stored before consent; the landing page view is held in memory
});

(function () {
  'use strict';
  // The visitor's answer is remembered by the page, not by leadbeam (which stores
  // nothing before consent). Keeping a consent choice is strictly necessary.
  var KEY = 'example-consent';
  var stored = null;
  try {
    stored = localStorage.getItem(KEY);
  } catch (e) {
    /* storage blocked: ask again */
  }
  if (stored === 'granted' || stored === 'denied') {
    leadbeam('consent', stored);
    return;
  }

  function answer(state) {
    leadbeam('consent', state); // granted: the held page view leaves now; denied: it is dropped
    try {
      localStorage.setItem(KEY, state);
    } catch (e) {
      /* not remembered: the banner comes back next time */
    }
    document.getElementById('consent-banner').hidden = true;
  }

  function ready() {
    var banner = document.getElementById('consent-banner');
    banner.querySelectorAll('[data-consent]').forEach(function (button) {
      button.addEventListener('click', function () {
        answer(button.getAttribute('data-consent'));
      });
    });
    banner.hidden = false;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
