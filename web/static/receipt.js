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

// The answer to a moderator's question (web/pages/conversation.ts). Without JavaScript the form posts
// its text and files at once; here each file goes first as a resumable upload (tus, like the upload
// page: it resumes from the last byte the server has after a cut), then one small JSON request names
// them. A retry of that request after a lost answer finds the answer already recorded. Kept in memory only.
(function () {
  'use strict';
  var form = document.getElementById('answer-form');
  if (!form || !window.fetch || !window.tus || !window.tus.isSupported) return;
  var status = document.getElementById('answer-status');
  var progress = document.getElementById('answer-progress');
  var button = document.getElementById('answer-send');
  var csrf = form.getAttribute('data-csrf');
  var RETRY_DELAYS_MS = [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 60000, 60000, 60000];
  var busy = false;
  // Per file: its upload's URL and, once complete, its id (a file complete is never sent again).
  var uploads = {};
  var fileId = function (f) { return [f.name, f.size, f.lastModified].join('\u0000'); };
  var wait = function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); };

  function say(message, isError) {
    status.textContent = message;
    status.className = isError ? 'error' : '';
    status.setAttribute('role', isError ? 'alert' : 'status');
  }

  function fail(message) {
    say(message, true);
    progress.hidden = true;
    button.disabled = false;
    busy = false;
  }

  function showProgress(files) {
    var total = 0;
    var sent = 0;
    files.forEach(function (f) { total += f.size; sent += uploads[fileId(f)].bytes; });
    progress.value = total ? Math.floor((sent / total) * 100) : 100;
  }

  function sendFile(files, file) {
    var state = uploads[fileId(file)];
    if (state.id) return Promise.resolve(state.id);
    return new Promise(function (resolve, reject) {
      var upload = new window.tus.Upload(file, {
        endpoint: form.getAttribute('data-uploads'),
        uploadUrl: state.url,
        retryDelays: RETRY_DELAYS_MS,
        metadata: { filename: file.name },
        headers: { 'X-CSRF-Token': csrf },
        storeFingerprintForResuming: false,
        onUploadUrlAvailable: function () { state.url = upload.url; },
        onShouldRetry: function (err) {
          var code = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
          say(form.getAttribute('data-stalled'));
          return code === 0 || code >= 500 || code === 409 || code === 423 || code === 429;
        },
        onProgress: function (bytes) {
          state.bytes = bytes;
          showProgress(files);
          say(form.getAttribute('data-sending'));
        },
        onSuccess: function () {
          state.bytes = file.size;
          state.id = state.url.split('/').pop();
          resolve(state.id);
        },
        onError: function (err) {
          var res = err && err.originalResponse;
          var message = String(err && err.message);
          try { message = JSON.parse(res.getBody()).error.message; } catch (ignored) { /* not our JSON */ }
          reject(new Error(file.name + ': ' + message));
        },
      });
      upload.start();
    });
  }

  function submitAnswer(files, attempt) {
    var body = {
      question_id: form.elements.question_id.value,
      body: form.elements.body.value,
      uploads: files.map(function (f) { return uploads[fileId(f)].id; }),
    };
    return fetch(form.getAttribute('data-api'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.status === 201 && data) {
          say(form.getAttribute('data-sent'));
          location.replace(data.receipt_url + '#conversation');
          return;
        }
        var error = data && data.error;
        if (res.status === 409 && error && error.code === 'uploads_incomplete') {
          files.forEach(function (f) {
            if (error.details.uploads.indexOf(uploads[fileId(f)].id) >= 0) uploads[fileId(f)] = { url: null, id: null, bytes: 0 };
          });
          return sendAll(files);
        }
        if ((res.status >= 500 || res.status === 429 || !data) && attempt < RETRY_DELAYS_MS.length) {
          return wait(RETRY_DELAYS_MS[attempt] || 1000).then(function () { return submitAnswer(files, attempt + 1); });
        }
        fail(error ? error.message : String(res.status));
      });
    }, function () {
      say(form.getAttribute('data-stalled'));
      return wait(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] || 1000).then(function () { return submitAnswer(files, attempt + 1); });
    });
  }

  function sendAll(files) {
    var chain = Promise.resolve();
    files.forEach(function (file) { chain = chain.then(function () { return sendFile(files, file); }); });
    return chain.then(function () { return submitAnswer(files, 0); }, function (err) { fail(err.message); });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    var files = Array.prototype.slice.call(form.elements.files.files);
    files.forEach(function (f) { if (!uploads[fileId(f)]) uploads[fileId(f)] = { url: null, id: null, bytes: 0 }; });
    busy = true;
    button.disabled = true;
    progress.hidden = files.length === 0;
    say(form.getAttribute('data-sending'));
    sendAll(files);
  });
})();

// The printable receipt: a button that prints (without scripts the browser's own menu does).
(function () {
  'use strict';
  var button = document.getElementById('print-button');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', function () { window.print(); });
})();
