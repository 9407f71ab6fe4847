// Klaro's configuration: klaro.js reads window.klaroConfig when it loads.
// The service "leadbeam" is what data-consent-service names.
window.klaroConfig = {
  version: 1,
  elementID: 'klaro',
  storageMethod: 'cookie',
  storageName: 'klaro',
  acceptAll: true,
  mustConsent: false,
  lang: 'en',
  services: [
    {
      name: 'leadbeam',
      title: 'leadbeam visit statistics',
      purposes: ['analytics'],
      cookies: ['_lb_id', '_lb_ses'],
    },
  ],
};
