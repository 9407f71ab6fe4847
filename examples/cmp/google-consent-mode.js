// Google's gtag snippet with Consent Mode v2: a denied default, then the
// visitor's answer as an update. (With Google Tag Manager the CMP template
// sends the same commands.) leadbeam reads the updates from window.dataLayer.
window.dataLayer = window.dataLayer || [];
function gtag() {
  dataLayer.push(arguments);
}
gtag('consent', 'default', {
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  wait_for_update: 500,
});
gtag('js', new Date());

exampleBanner(function (accepted) {
  var state = accepted ? 'granted' : 'denied';
  gtag('consent', 'update', { analytics_storage: state, ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' });
});
