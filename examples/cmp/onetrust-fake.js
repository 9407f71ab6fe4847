// FAKE OneTrust, for this offline example only. The real one is a hosted
// script (otSDKStub.js). This fake has only the documented parts leadbeam's
// adapter reads: window.OnetrustActiveGroups (",C0001,C0002,"),
// OneTrust.IsAlertBoxClosed() and the window event OneTrustGroupsUpdated,
// whose detail is the list of active groups. It remembers nothing.
(function () {
  var answered = false;
  var update = function (groups) {
    window.OnetrustActiveGroups = ',' + groups.join(',') + ',';
    window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: groups }));
  };
  window.OneTrust = {
    IsAlertBoxClosed: function () {
      return answered;
    },
  };
  update(['C0001']); // strictly necessary only, until the visitor answers
  exampleBanner(function (accepted) {
    answered = true;
    update(accepted ? ['C0001', 'C0002', 'C0003', 'C0004'] : ['C0001']);
  });
})();
