// FAKE Cookiebot, for this offline example only. The real one is a hosted
// script (https://consent.cookiebot.com/uc.js?cbid=…). This fake has only the
// documented parts leadbeam's adapter reads: window.Cookiebot.consent.*,
// Cookiebot.hasResponse and the window events CookiebotOnLoad,
// CookiebotOnAccept, CookiebotOnDecline. It remembers nothing.
(function () {
  var fire = function (type) {
    window.dispatchEvent(new Event(type));
  };
  var Cookiebot = (window.Cookiebot = {
    consent: { necessary: true, preferences: false, statistics: false, marketing: false },
    hasResponse: false,
  });
  fire('CookiebotOnLoad');
  exampleBanner(function (accepted) {
    Cookiebot.consent.preferences = Cookiebot.consent.statistics = Cookiebot.consent.marketing = accepted;
    Cookiebot.hasResponse = true;
    fire(accepted ? 'CookiebotOnAccept' : 'CookiebotOnDecline');
  });
})();
