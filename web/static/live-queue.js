// The live queue: new submissions, claims and decisions by others appear without a reload.
// Every few seconds it asks /moderation/live (counts by status and flag, live claims, files in
// processing) with If-None-Match: a 304 costs a few bytes. When the answer changed, this page is
// fetched again and its counts, status tabs and list are swapped in; the entries ticked for a bulk
// decision stay ticked, and nothing is swapped while the moderator is in the list.
(function () {
  'use strict';
  var live = document.getElementById('live-queue');
  if (!live || !window.fetch || !window.DOMParser) return;
  var INTERVAL_MS = 4000;
  var status = document.getElementById('live-status');
  var etag = null;
  var seen = live.getAttribute('data-state'); // what this page shows
  var PARTS = ['queue-counts', 'flag-counts', 'status-tabs', 'processing-status', 'queue-list'];

  function ticked() {
    return Array.prototype.map.call(document.querySelectorAll('#queue-list input:checked'), function (i) { return i.name + '=' + i.value; });
  }
  function redraw() {
    return fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(new Error(String(res.status))); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        var keep = ticked();
        PARTS.forEach(function (id) {
          var now = document.getElementById(id), next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
        keep.forEach(function (k) {
          var at = k.indexOf('=');
          var box = document.querySelector('#queue-list input[name="' + k.slice(0, at) + '"][value="' + CSS.escape(k.slice(at + 1)) + '"]');
          if (box) box.checked = true;
        });
        if (status) {
          status.hidden = false;
          status.textContent = live.getAttribute('data-label-updated').replace('{time}', new Date().toLocaleTimeString());
        }
      });
  }
  function poll() {
    var headers = { accept: 'application/json' };
    if (etag) headers['if-none-match'] = etag;
    fetch(live.getAttribute('data-live'), { credentials: 'same-origin', cache: 'no-store', headers: headers })
      .then(function (res) {
        if (res.status === 304) return null;
        if (!res.ok) throw new Error(String(res.status));
        etag = res.headers.get('etag');
        return res.text();
      })
      .then(function (state) {
        // nothing swapped while the moderator is in the list: asked again next time
        if (state === null || state === seen) return null;
        if (document.activeElement && document.activeElement.closest && document.activeElement.closest('#queue-list')) {
          etag = null;
          return null;
        }
        seen = state;
        return redraw();
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { setTimeout(poll, INTERVAL_MS); });
  }
  poll();
})();
