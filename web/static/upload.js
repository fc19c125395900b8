// Progressive enhancement of the upload form: a progress bar and the receipt without a page load.
// Without JavaScript the form still posts to /submit and gets the same receipt as a page.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var progress = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  var receipt = document.getElementById('receipt');
  var button = form.querySelector('button[type=submit]');
  // The receipt's words come from the server (web/i18n.ts) in the page's language, as data-label-* attributes.
  var label = function (name) { return receipt.getAttribute('data-label-' + name) || ''; };

  function text(tag, content, className) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (className) el.className = className;
    return el;
  }

  function showError(message) {
    status.textContent = message;
    status.className = 'error';
    status.setAttribute('role', 'alert');
    progress.hidden = true;
    button.disabled = false;
  }

  function showReceipt(r) {
    receipt.textContent = '';
    receipt.appendChild(text('h1', label('title')));
    receipt.appendChild(text('p', label('intro')));
    var dl = document.createElement('dl');
    dl.appendChild(text('dt', label('id')));
    var dd = document.createElement('dd');
    var code = text('code', r.submissionId);
    code.id = 'submission-id';
    dd.appendChild(code);
    dl.appendChild(dd);
    dl.appendChild(text('dt', label('received-at')));
    dl.appendChild(text('dd', r.receivedAt));
    receipt.appendChild(dl);
    var table = document.createElement('table');
    table.className = 'files';
    var head = table.createTHead().insertRow();
    [label('file-name'), label('file-size'), 'SHA-256'].forEach(function (h) { head.appendChild(text('th', h)); });
    var body = table.createTBody();
    r.files.forEach(function (f) {
      var row = body.insertRow();
      row.appendChild(text('td', f.name));
      row.appendChild(text('td', (f.bytes / 1048576).toFixed(1) + '\u00a0' + label('mb')));
      var cell = document.createElement('td');
      cell.appendChild(text('code', f.sha256, 'hash'));
      row.appendChild(cell);
    });
    receipt.appendChild(table);
    var blob = new Blob([JSON.stringify(r, null, 2)], { type: 'application/json' });
    var link = text('a', label('download'));
    link.href = URL.createObjectURL(blob);
    link.download = 'svidetel-receipt-' + r.submissionId + '.json';
    receipt.appendChild(document.createElement('p')).appendChild(link);
    if (r.log_receipt) showLogReceipt(r);
    var more = text('a', label('send-more'));
    more.href = '/';
    receipt.appendChild(document.createElement('p')).appendChild(more);
    form.hidden = true;
    // The receipt is the page now: one heading, and a title that says so.
    Array.prototype.forEach.call(document.querySelectorAll('main > h1, main > .intro'), function (el) { el.hidden = true; });
    document.title = label('title');
    receipt.hidden = false;
    receipt.querySelector('h1').setAttribute('tabindex', '-1');
    receipt.querySelector('h1').focus();
  }

  function download(label, content, type, name, id) {
    var link = text('a', label);
    link.href = URL.createObjectURL(new Blob([content], { type: type }));
    link.download = name;
    link.id = id;
    return link;
  }

  // The transparency-log receipt: leaf index and hash per file, and the JSON and text to keep.
  function showLogReceipt(r) {
    var section = document.createElement('section');
    section.id = 'log-receipt';
    section.appendChild(text('h2', label('proof-title')));
    section.appendChild(text('p', label('proof-intro')));
    var table = document.createElement('table');
    table.className = 'files';
    var head = table.createTHead().insertRow();
    [label('file-name'), label('proof-index'), 'Leaf hash'].forEach(function (h) { head.appendChild(text('th', h)); });
    var body = table.createTBody();
    r.log_receipt.files.forEach(function (f) {
      var row = body.insertRow();
      row.appendChild(text('td', f.name));
      row.appendChild(text('td', String(f.leaf_index)));
      var cell = document.createElement('td');
      cell.appendChild(text('code', f.leaf_hash, 'hash'));
      row.appendChild(cell);
    });
    section.appendChild(table);
    var fp = text('p', label('proof-fingerprint') + ': ');
    if (r.log_receipt.key) fp.appendChild(text('code', r.log_receipt.key.fingerprint, 'hash'));
    else fp.appendChild(document.createTextNode(label('proof-key-pending')));
    section.appendChild(fp);
    var links = document.createElement('p');
    links.appendChild(download(label('proof-json'), JSON.stringify(r.log_receipt, null, 2), 'application/json', 'svidetel-proof-receipt-' + r.submissionId + '.json', 'log-receipt-json'));
    links.appendChild(document.createTextNode(' · '));
    links.appendChild(download(label('proof-text'), r.log_receipt_text, 'text/plain', 'svidetel-proof-receipt-' + r.submissionId + '.txt', 'log-receipt-text'));
    section.appendChild(links);
    receipt.appendChild(section);
  }

  // The server is briefly unable to accept (503 + Retry-After: nothing was stored): the same files
  // are sent again by themselves after the wait, counting down, for as long as the page stays open.
  function retryLater(message, seconds, body) {
    showError(message);
    button.disabled = true;
    var left = seconds;
    var wait = document.createElement('p');
    wait.id = 'upload-retry';
    status.appendChild(wait);
    var tick = function () {
      if (left <= 0) return send(body);
      wait.textContent = form.getAttribute('data-msg-retrying').replace('{s}', String(left));
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }

  function send(body) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('data-api'));
    xhr.setRequestHeader('X-CSRF-Token', form.getAttribute('data-csrf'));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (ignored) { /* a proxy's HTML error page */ }
      if (xhr.status === 201 && data) return showReceipt(data);
      var message = (data && data.error && data.error.message) || form.getAttribute('data-msg-failed');
      var retryAfter = parseInt(xhr.getResponseHeader('Retry-After'), 10);
      if (xhr.status === 503 && retryAfter > 0) return retryLater(message, Math.min(retryAfter, 300), body);
      showError(message);
    };
    xhr.onerror = function () { showError(form.getAttribute('data-msg-failed')); };
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.className = '';
    status.setAttribute('role', 'status');
    status.textContent = form.getAttribute('data-msg-uploading');
    xhr.send(body);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    send(new FormData(form));
  });
})();
