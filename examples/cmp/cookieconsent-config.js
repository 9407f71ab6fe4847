// vanilla-cookieconsent v3 with an "analytics" category, which is what
// data-consent-category names. Runs after cookieconsent.umd.js (both deferred).
CookieConsent.run({
  // The default hides the banner from browsers that report automation
  // (navigator.webdriver), such as the test browser that clicks it.
  hideFromBots: false,
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: { autoClear: { cookies: [{ name: /^_lb_/ }] } },
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'Cookies',
          description: 'May we count your visit with two first-party cookies? No third parties.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
        },
        preferencesModal: {
          title: 'Cookie preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save',
          sections: [{ title: 'Visit statistics', description: 'leadbeam: _lb_id (13 months), _lb_ses (30 minutes).', linkedCategory: 'analytics' }],
        },
      },
    },
  },
});
