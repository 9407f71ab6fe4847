// The __tcfapi stub every IAB TCF CMP puts first on the page (CMP API v2.2,
// "How does the CMP stub API work?"): it queues calls until the CMP loads, and
// returns the queue when called without arguments, which is how IAB's
// @iabtechlabtcf/cmpapi picks the queued calls up.
(function () {
  if (typeof window.__tcfapi === 'function') return;
  var queue = [];
  window.__tcfapi = function () {
    var args = Array.prototype.slice.call(arguments);
    if (!args.length) return queue;
    if (args[0] === 'ping') args[2]({ gdprApplies: true, cmpLoaded: false, cmpStatus: 'stub' }, true);
    else queue.push(args);
  };
})();
