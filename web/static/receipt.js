// The receipt page (web/pages/receipt.ts). Two things only the phone can do:
// - show the receipt time in the phone's own time zone, next to the UTC the server wrote;
// - on "forget", remove what a script can reach of this site's storage before the form asks the
//   server to clear the rest (its Clear-Site-Data answer also removes cookies a script cannot see).
(function () {
  'use strict';

  var time = document.getElementById('received-at');
  var local = document.getElementById('received-at-local');
  if (time && local) {
    var when = new Date(time.getAttribute('datetime'));
    var format = new Intl.DateTimeFormat(local.getAttribute('data-lang'), { dateStyle: 'long', timeStyle: 'medium' });
    local.textContent = '(' + format.format(when) + ', ' + local.getAttribute('data-label') + ')';
    local.hidden = false;
  }

  var forget = document.getElementById('forget');
  if (!forget) return;
  forget.form.addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var done = function () {
      // The receipt's address leaves this tab's history entry (the browser's own history is the reader's to clear).
      history.replaceState(null, '', '/forgotten');
      form.submit();
    };
    var steps = [];
    try { localStorage.clear(); } catch (e) { /* storage disabled: nothing kept there */ }
    try { sessionStorage.clear(); } catch (e) { /* as above */ }
    document.cookie.split(';').forEach(function (c) {
      var name = c.split('=')[0].trim();
      if (name) document.cookie = name + '=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
    });
    if (window.indexedDB && indexedDB.databases) {
      steps.push(indexedDB.databases().then(function (dbs) {
        return Promise.all(dbs.map(function (db) {
          return new Promise(function (resolve) {
            var req = indexedDB.deleteDatabase(db.name);
            req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
          });
        }));
      }));
    }
    if (window.caches) {
      steps.push(caches.keys().then(function (keys) { return Promise.all(keys.map(function (k) { return caches.delete(k); })); }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      steps.push(navigator.serviceWorker.getRegistrations().then(function (regs) { return Promise.all(regs.map(function (r) { return r.unregister(); })); }));
    }
    Promise.all(steps.map(function (p) { return p.catch(function () {}); })).then(done, done);
  });
})();
