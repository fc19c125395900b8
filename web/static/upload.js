// Progressive enhancement of the upload form: every field checked before the first byte goes out,
// each file sent on its own with tus (resumable: after a cut, a freeze or an error it goes on from
// the last byte the server has), then one small request that names the finished uploads and gets
// the receipt. The form's key (idempotency_key) makes a retry of that request return the same
// receipt. By default everything is kept in memory only: nothing is written to the browser's storage.
// Only when the observer ticks "keep my upload on this phone" are the files, the text and where each
// upload stands kept in IndexedDB, so a closed tab or a restarted phone sends on from there; they are
// removed once the receipt is here (and by the receipt page's "forget").
// Without JavaScript the form still posts to /submit and is sent on to the receipt page.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form || !window.fetch || !window.FormData || !window.tus || !window.tus.isSupported) return;
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
    busy = false;
  }

  function showReceipt(r) {
    // Sent: nothing of it stays on the phone (unless the observer saves the receipt).
    keptClear();
    receipt.textContent = '';
    receipt.appendChild(text('h1', label('title')));
    receipt.appendChild(text('p', label('intro')));
    if (r.receipt_url) {
      // The receipt's own page (its address is its key): state, questions, printing, "forget".
      var page = text('a', label('page'));
      page.href = r.receipt_url;
      page.id = 'receipt-page-link';
      receipt.appendChild(document.createElement('p')).appendChild(page);
    }
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


  var messages = JSON.parse(form.getAttribute('data-messages'));
  var csrf = form.getAttribute('data-csrf');
  var MB = 1048576;
  var maxFiles = Number(form.getAttribute('data-max-files'));
  var maxBytes = { image: Number(form.getAttribute('data-max-photo-mb')) * MB, video: Number(form.getAttribute('data-max-video-mb')) * MB };
  // No progress for this long: say we are waiting for the network; this long again: open a new connection.
  var STALL_NOTICE_MS = 4000;
  var STALL_RECONNECT_MS = 20000;
  var RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var REQUIRED = ['election_id', 'region', 'station_number', 'category_code', 'description'];
  // What the server accepts (domain/media/file-type.ts sniffs the bytes; this only spares a refused upload).
  var TYPES = {
    'image/jpeg': 'image', 'image/png': 'image', 'image/webp': 'image', 'image/gif': 'image', 'image/heic': 'image', 'image/heif': 'image',
    'image/x-adobe-dng': 'image', 'video/mp4': 'video', 'video/quicktime': 'video', 'video/3gpp': 'video', 'video/webm': 'video', 'video/mp2t': 'video',
    'video/x-matroska': 'video', 'video/x-msvideo': 'video', 'video/avi': 'video', 'video/mpeg': 'video', 'video/x-ms-asf': 'video', 'video/x-ms-wmv': 'video', 'video/x-flv': 'video',
    'application/mxf': 'video', 'video/x-dv': 'video', 'video/dv': 'video', 'video/ogg': 'video', 'application/vnd.rn-realmedia': 'video', 'application/vnd.rn-realmedia-vbr': 'video',
  };
  var EXTENSIONS = {
    jpg: 'image', jpeg: 'image', png: 'image', webp: 'image', gif: 'image', heic: 'image', heif: 'image', dng: 'image',
    mp4: 'video', m4v: 'video', mov: 'video', '3gp': 'video', webm: 'video', mts: 'video', m2ts: 'video',
    mkv: 'video', avi: 'video', mpg: 'video', mpeg: 'video', vob: 'video', mod: 'video', asf: 'video', wmv: 'video', flv: 'video',
    mxf: 'video', dv: 'video', dif: 'video', ogv: 'video', rm: 'video', rmvb: 'video',
  };
  var busy = false;
  // Per file (name, size, date): its upload's URL once created and its id once complete, so a file
  // already complete is never sent again and one half sent goes on from where it stopped.
  var uploads = {};

  // Each message comes as its plural forms (web/i18n.ts pluralForms): the same CLDR rule as the server's.
  // An old phone's browser (Safari before iOS 13) has no Intl.PluralRules: the form must still work, in the "other" form.
  var pluralRule = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || 'ru') : { select: function () { return 'other'; } };
  function say(key, params) {
    var forms = messages[key] || { other: '' };
    var s = (params && params.n !== undefined && forms[pluralRule.select(Number(params.n))]) || forms.other;
    Object.keys(params || {}).forEach(function (k) { s = s.split('{' + k + '}').join(String(params[k])); });
    return s;
  }

  function setStatus(message, isError) {
    status.textContent = message;
    status.className = isError ? 'error' : '';
    status.setAttribute('role', isError ? 'alert' : 'status');
  }

  // The same forms as the server's (api/submissions/submissions.schema.ts normalizeStationNumber).
  function normalizeStation(value) {
    return value.trim().replace(/^(?:уик|uik)\.?\s*/i, '').replace(/^(?:№|no\.?|n|#)\s*/i, '').trim();
  }

  function labelOf(name) {
    var label = form.querySelector('label[for="' + name + '"]');
    return label ? label.textContent.trim() : name;
  }

  function clearMarks() {
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) {
      el.removeAttribute('aria-invalid');
      var note = document.getElementById(el.id + '-error');
      if (note) note.parentNode.removeChild(note);
      el.setAttribute('aria-describedby', (el.getAttribute('aria-describedby') || '').replace(el.id + '-error', '').trim());
    });
  }

  function markField(name, message) {
    var el = form.elements[name];
    el.setAttribute('aria-invalid', 'true');
    var note = text('p', message, 'field-error');
    note.id = name + '-error';
    el.parentNode.insertBefore(note, el.nextSibling);
    el.setAttribute('aria-describedby', ((el.getAttribute('aria-describedby') || '') + ' ' + note.id).trim());
  }

  /** Marks every field that is wrong, focuses the first and names them all; true when all are right. */
  function showFieldProblems(problems) {
    clearMarks();
    if (problems.length === 0) return true;
    problems.forEach(function (p) { markField(p.name, p.message); });
    form.elements[problems[0].name].focus();
    setStatus(say('check_fix_fields', { fields: problems.map(function (p) { return labelOf(p.name); }).join(', ') }), true);
    return false;
  }

  function fieldProblems() {
    var problems = [];
    REQUIRED.forEach(function (name) {
      var el = form.elements[name];
      if (!el.value.trim()) problems.push({ name: name, message: say('check_required') });
      else if (name === 'station_number' && !/^\d{1,6}$/.test(normalizeStation(el.value))) problems.push({ name: name, message: say('check_station') });
    });
    return problems;
  }

  function kindOf(file) {
    if (TYPES[file.type]) return TYPES[file.type];
    // any other video type the browser names: the server reads its bytes and says whether ffmpeg can
    if (/^video\//.test(file.type)) return 'video';
    var dot = file.name.lastIndexOf('.');
    return dot >= 0 ? EXTENSIONS[file.name.slice(dot + 1).toLowerCase()] || null : null;
  }

  /** The files that can go, and a sentence for each that cannot (named, with why). */
  function checkFiles(files) {
    var good = [];
    var refused = [];
    files.forEach(function (file) {
      var kind = kindOf(file);
      if (file.size === 0) refused.push(say('file_refused_empty', { name: file.name }));
      else if (!kind) refused.push(say('file_refused_type', { name: file.name }));
      else if (file.size > maxBytes[kind]) refused.push(say('file_refused_size', { name: file.name, mb: Math.round(maxBytes[kind] / MB) }));
      else good.push(file);
    });
    return { good: good, refused: refused };
  }

  function showRefused(list) {
    var box = document.getElementById('refused-files');
    if (!box) {
      box = document.createElement('ul');
      box.id = 'refused-files';
      box.className = 'error';
      box.setAttribute('role', 'alert');
      status.parentNode.insertBefore(box, status);
    }
    box.textContent = '';
    list.forEach(function (line) { box.appendChild(text('li', line)); });
    box.hidden = list.length === 0;
  }

  var fileId = function (file) { return [file.name, file.size, file.lastModified].join('\u0000'); };
  var mb = function (bytes) { return (bytes / MB).toFixed(1); };
  var wait = function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); };
  var retryDelay = function (attempt) { return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]; };

  // Speed over the last few seconds of progress (a sliding window, so a stall or a faster link shows soon).
  var SPEED_WINDOW_MS = 8000;
  var samples = [];

  function speedAndLeft(sent, total) {
    var now = Date.now();
    samples.push({ t: now, sent: sent });
    while (samples.length > 2 && now - samples[0].t > SPEED_WINDOW_MS) samples.shift();
    var first = samples[0];
    if (now - first.t < 1500 || sent <= first.sent) return '';
    var perSecond = ((sent - first.sent) * 1000) / (now - first.t);
    var speed = perSecond >= MB ? say('upload_speed_mb', { n: (perSecond / MB).toFixed(1) }) : say('upload_speed_kb', { n: Math.max(1, Math.round(perSecond / 1024)) });
    var seconds = Math.ceil((total - sent) / perSecond);
    var left = seconds < 60 ? say('upload_left_s', { n: seconds })
      : seconds < 3600 ? say('upload_left_min', { n: Math.ceil(seconds / 60) })
      : say('upload_left_h', { h: Math.floor(seconds / 3600), m: Math.ceil((seconds % 3600) / 60) });
    return ' ' + say('upload_speed', { speed: speed, left: left });
  }

  /** Per file and overall: percent, MB sent of MB, speed and time left. */
  function showProgress(files, current) {
    var total = 0;
    var sent = 0;
    files.forEach(function (f) {
      total += f.size;
      sent += uploads[fileId(f)].bytes;
    });
    var percent = total ? Math.floor((sent / total) * 100) : 100;
    progress.value = percent;
    var file = files[current];
    setStatus(say('upload_file_progress', { i: current + 1, n: files.length, name: file.name, sent: mb(uploads[fileId(file)].bytes), total: mb(file.size), percent: percent, all_sent: mb(sent), all_total: mb(total) }) + speedAndLeft(sent, total));
    return percent;
  }

  /** A refusal by the server (its message), as opposed to a network failure worth retrying. */
  function refusalOf(err) {
    var res = err && err.originalResponse;
    var code = res ? res.getStatus() : 0;
    if (code < 400 || code >= 500 || [404, 408, 409, 410, 423, 429].indexOf(code) >= 0) return null;
    try { return JSON.parse(res.getBody()).error.message; } catch (ignored) { return String(code); }
  }

  /**
   * Sends one file, resuming after every failure until it is complete (resolves with its upload id)
   * or the server refuses it (rejects with the reason). A stall is said within seconds; a long one
   * gets a new connection.
   */
  function sendFile(files, index) {
    var file = files[index];
    var state = uploads[fileId(file)];
    if (state.id) return Promise.resolve(state.id);
    return new Promise(function (resolve, reject) {
      var attempt = 0;
      var lastProgress = Date.now();
      var stalled = false;
      var upload = null;
      var watch = setInterval(function () {
        var idle = Date.now() - lastProgress;
        if (idle > STALL_NOTICE_MS && !stalled) {
          stalled = true;
          samples = [];
          setStatus(say('upload_stalled'));
        }
        if (idle > STALL_RECONNECT_MS && upload) {
          var frozen = upload;
          upload = null;
          frozen.abort().then(start, start);
        }
      }, 1000);
      function finish(settle, value) {
        clearInterval(watch);
        settle(value);
      }
      function start() {
        lastProgress = Date.now();
        upload = new window.tus.Upload(file, {
          endpoint: form.getAttribute('data-uploads'),
          uploadUrl: state.url,
          retryDelays: null,
          metadata: { filename: file.name },
          headers: { 'X-CSRF-Token': csrf },
          storeFingerprintForResuming: false,
          onUploadUrlAvailable: function () { state.url = upload.url; keptSave(); },
          onProgress: function (bytesSent) {
            lastProgress = Date.now();
            state.bytes = bytesSent;
            var percent = showProgress(files, index);
            if (stalled) {
              stalled = false;
              setStatus(say('upload_resuming', { percent: percent }));
            }
          },
          onSuccess: function () {
            state.bytes = file.size;
            state.id = state.url.split('/').pop();
            keptSave();
            finish(resolve, state.id);
          },
          onError: function (err) {
            var refusal = refusalOf(err);
            if (refusal) return finish(reject, new Error(say('file_refused_server', { name: file.name, reason: refusal })));
            var code = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
            // Gone (expired): start this file again; anything else: resume where the server is.
            if (code === 404 || code === 410) {
              state.url = null;
              state.bytes = 0;
            }
            if (!stalled) {
              stalled = true;
              samples = [];
              setStatus(say('upload_stalled'));
            }
            upload = null;
            wait(retryDelay(attempt++)).then(start);
          },
        });
        upload.start();
      }
      start();
    });
  }

  function formFields() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === 'string' && name !== '_csrf') fields[name] = value;
    });
    return fields;
  }

  /** Names the finished uploads; a lost answer is asked again with the same key and gets the same receipt. */
  function submitUploads(files, attempt) {
    var body = formFields();
    body.uploads = files.map(function (f) { return uploads[fileId(f)].id; });
    progress.value = 100;
    setStatus(say('upload_finishing'));
    return fetch(form.getAttribute('data-api'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    }).then(
      function (res) {
        return res.json().catch(function () { return null; }).then(function (data) {
          if (res.status === 201 && data) return showReceipt(data);
          var error = data && data.error;
          if (res.status === 409 && error && error.code === 'uploads_incomplete') {
            // Expired or lost: send those files once more, then ask again.
            files.forEach(function (f) {
              var state = uploads[fileId(f)];
              if (error.details.uploads.indexOf(state.id) >= 0) uploads[fileId(f)] = { url: null, id: null, bytes: 0 };
            });
            return sendAll(files);
          }
          if (res.status >= 500 || res.status === 429 || !data) {
            // Briefly unable to accept (503 + Retry-After): say the server's true words, then ask again by ourselves.
            var retryAfter = parseInt(res.headers.get('Retry-After'), 10);
            if (error && error.message) setStatus(error.message, true);
            var delay = retryAfter > 0 ? Math.min(retryAfter, 300) * 1000 : retryDelay(attempt);
            return wait(delay).then(function () { return submitUploads(files, attempt + 1); });
          }
          var fields = (error.details && error.details.fields) || [];
          var known = fields.filter(function (f) { return form.elements[f.field]; });
          if (known.length) showFieldProblems(known.map(function (f) { return { name: f.field, message: error.message }; }));
          showError(error.message);
        });
      },
      function () {
        setStatus(say('upload_stalled'));
        return wait(retryDelay(attempt)).then(function () { return submitUploads(files, attempt + 1); });
      },
    );
  }

  function sendAll(files) {
    var refused = [];
    var chain = Promise.resolve();
    files.forEach(function (file, index) {
      chain = chain.then(function () {
        return sendFile(files, index).catch(function (err) {
          refused.push({ file: file, reason: err.message });
        });
      });
    });
    return chain.then(function () {
      var sendable = files.filter(function (f) { return !refused.some(function (r) { return r.file === f; }); });
      var previous = document.getElementById('refused-files');
      var lines = (previous ? Array.prototype.map.call(previous.children, function (li) { return li.textContent; }) : []).concat(refused.map(function (r) { return r.reason; }));
      showRefused(lines);
      if (sendable.length === 0) return showError(say('check_no_files'));
      return submitUploads(sendable, 0);
    });
  }

  // ---- The opt-in store: one record, the upload in progress, in this site's IndexedDB.
  var KEPT_DB = 'svidetel-upload';
  var keepBox = document.getElementById('keep-on-phone');
  var sending = [];

  function keptStore(mode, work) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return resolve(null);
      var open = indexedDB.open(KEPT_DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('upload'); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result;
        var tx = db.transaction('upload', mode);
        var req = work(tx.objectStore('upload'));
        tx.oncomplete = function () { db.close(); resolve(req && req.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  /** The kept upload, if any; opening a database creates it, so one that is not there is never opened. */
  function keptLoad() {
    if (!window.indexedDB) return Promise.resolve(null);
    var exists = indexedDB.databases
      ? indexedDB.databases().then(function (dbs) { return dbs.some(function (d) { return d.name === KEPT_DB; }); })
      : Promise.resolve(true);
    return exists.then(function (there) {
      if (!there) return null;
      return keptStore('readonly', function (store) { return store.get('current'); }).then(function (record) {
        return record || keptClear().then(function () { return null; });
      });
    });
  }
  /** Writes where the upload stands (files, text, each upload's URL and id), only when the observer opted in. */
  function keptSave() {
    if (!keepBox || !keepBox.checked || sending.length === 0) return Promise.resolve();
    var record = {
      fields: formFields(),
      files: sending.map(function (f) { var st = uploads[fileId(f)]; return { file: f, url: st.url, id: st.id }; }),
    };
    return keptStore('readwrite', function (store) { return store.put(record, 'current'); }).catch(function () { /* storage refused: memory only */ });
  }
  function keptClear() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) return resolve();
      var req = indexedDB.deleteDatabase(KEPT_DB);
      req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
    });
  }

  function begin(files) {
    sending = files;
    files.forEach(function (f) {
      if (!uploads[fileId(f)]) uploads[fileId(f)] = { url: null, id: null, bytes: 0 };
    });
    busy = true;
    button.disabled = true;
    progress.hidden = false;
    samples = [];
    keptSave();
    sendAll(files);
  }

  if (keepBox) {
    document.getElementById('keep-on-phone-box').hidden = false;
    keepBox.addEventListener('change', function () {
      if (keepBox.checked) keptSave();
      else keptClear();
    });
    // An upload kept before (the tab was closed, the phone restarted): its text back in the form, and on with sending.
    keptLoad().then(function (record) {
      if (!record || !record.files || record.files.length === 0 || busy) return;
      Object.keys(record.fields).forEach(function (name) {
        if (form.elements[name] && form.elements[name].type !== 'file') form.elements[name].value = record.fields[name];
      });
      keepBox.checked = true;
      var files = record.files.map(function (k) {
        uploads[fileId(k.file)] = { url: k.url, id: k.id, bytes: 0 };
        return k.file;
      });
      document.getElementById('kept-upload-text').textContent = say('kept_upload_resuming', { n: files.length });
      document.getElementById('kept-upload').hidden = false;
      setStatus(say('uploading'));
      begin(files);
    }, function () { /* no storage: nothing was kept */ });
    document.getElementById('kept-upload-remove').addEventListener('click', function () {
      keepBox.checked = false;
      keptClear().then(function () {
        document.getElementById('kept-upload-text').textContent = say('kept_upload_removed');
        location.replace(location.pathname);
      });
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    var files = Array.prototype.slice.call(form.elements.files.files);
    var problems = fieldProblems();
    if (files.length === 0) problems.unshift({ name: 'files', message: say('check_no_files') });
    else if (files.length > maxFiles) problems.unshift({ name: 'files', message: say('check_too_many_files', { n: maxFiles }) });
    if (!showFieldProblems(problems)) return;
    var checked = checkFiles(files);
    showRefused(checked.refused);
    if (checked.good.length === 0) {
      showFieldProblems([{ name: 'files', message: say('check_no_files') }]);
      return;
    }
    setStatus(say('uploading'));
    begin(checked.good);
  });
})();

// Choosing "attendance count" or "protocol copy" on the general form makes it that form in place: the
// figures' fields of /count or /protocol are fetched from the server and put in, so what was typed and
// the files chosen stay (nothing is written to the browser's storage). Failing that, the page goes there.
(function () {
  'use strict';
  var select = document.getElementById('category_code');
  if (!select || !window.fetch || !window.DOMParser) return;
  select.addEventListener('change', function () {
    var option = select.options[select.selectedIndex];
    var path = option && option.getAttribute('data-figures-form');
    if (!path) return;
    var election = document.getElementById('election_id');
    var url = path + (election && election.value ? '?election=' + encodeURIComponent(election.value) : '');
    fetch(url, { credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('no form');
        return res.text();
      })
      .then(function (page) {
        var doc = new DOMParser().parseFromString(page, 'text/html');
        var fieldset = doc.querySelector('#upload-form fieldset.figures');
        var title = doc.querySelector('main h1') || doc.querySelector('h1');
        if (!fieldset) throw new Error('no fieldset');
        var fixed = document.createElement('input');
        fixed.type = 'hidden';
        fixed.name = 'category_code';
        fixed.id = 'category_code';
        fixed.value = option.value;
        var description = document.getElementById('description');
        description.parentNode.insertBefore(document.importNode(fieldset, true), description.nextSibling);
        var label = document.querySelector('label[for=category_code]');
        if (label) label.parentNode.removeChild(label);
        var hint = document.getElementById('figures-forms');
        if (hint) hint.parentNode.removeChild(hint);
        select.parentNode.replaceChild(fixed, select);
        var heading = document.querySelector('h1');
        if (title && heading) heading.textContent = title.textContent;
        var first = document.querySelector('#upload-form fieldset.figures input, #upload-form fieldset.figures a');
        if (first) first.focus();
      })
      .catch(function () {
        window.location.assign(url);
      });
  });
})();
