// FAKE Usercentrics (Browser UI v2), for this offline example only. The real
// one is a hosted script (loader.js). This fake has only the documented parts
// leadbeam's adapter reads: UC_UI.getServicesBaseInfo(),
// UC_UI.isConsentRequired(), the UC_UI_INITIALIZED event, and the window event
// configured in the Usercentrics admin ("ucEvent" here) with the
// consent_status detail. It remembers nothing.
(function () {
  var given = false;
  var answered = false;
  window.UC_UI = {
    getServicesBaseInfo: function () {
      return [{ id: 'Hk9x2Lb', name: 'leadbeam', consent: { status: given } }];
    },
    isConsentRequired: function () {
      return !answered;
    },
  };
  window.dispatchEvent(new Event('UC_UI_INITIALIZED'));
  exampleBanner(function (accepted) {
    given = accepted;
    answered = true;
    window.dispatchEvent(new CustomEvent('ucEvent', { detail: { event: 'consent_status', type: 'explicit', action: accepted ? 'onAcceptAllServices' : 'onDenyAllServices', leadbeam: accepted } }));
  });
})();
