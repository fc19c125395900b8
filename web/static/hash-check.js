// "Is this file in the archive?": the SHA-256 is computed here with Web Crypto; only the hash is
// sent (GET /api/v1/files/{sha256}), never the file.
(function () {
  'use strict';
  var root = document.getElementById('hash-check');
  var input = document.getElementById('check-file');
  var out = document.getElementById('check-result');
  if (!root || !input || !out || !window.crypto || !window.crypto.subtle) return;
  var label = function (name) { return root.getAttribute('data-label-' + name) || ''; };

  function show(nodes) {
    out.textContent = '';
    nodes.forEach(function (n) { out.appendChild(n); });
  }
  function para(text, cls) {
    var p = document.createElement('p');
    if (cls) p.className = cls;
    p.textContent = text;
    return p;
  }
  function hashLine(hex) {
    var p = document.createElement('p');
    p.appendChild(document.createTextNode('SHA-256: '));
    var code = document.createElement('code');
    code.className = 'hash';
    code.textContent = hex;
    p.appendChild(code);
    return p;
  }

  async function check(file) {
    show([para(label('computing'))]);
    try {
      var digest = await window.crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      var hex = Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
      var res = await fetch('/api/v1/files/' + hex, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error('lookup ' + res.status);
      var found = await res.json();
      if (found.status === 'published') {
        var list = document.createElement('ul');
        found.entries.forEach(function (e) {
          var li = document.createElement('li');
          var a = document.createElement('a');
          a.href = e.url;
          a.textContent = e.url;
          li.appendChild(a);
          li.appendChild(document.createTextNode(' · ' + label('published') + ': ' + e.published_at.slice(0, 16).replace('T', ' ') + ' UTC'));
          list.appendChild(li);
        });
        show([hashLine(hex), para(label('found'), 'notice'), list]);
      } else {
        show([hashLine(hex), para(label(found.status === 'received_not_published' ? 'received' : 'unknown'), 'notice')]);
      }
    } catch (err) {
      show([para(label('failed'), 'error')]);
    }
  }

  input.addEventListener('change', function () {
    if (input.files && input.files[0]) check(input.files[0]);
  });
  root.addEventListener('dragover', function (e) { e.preventDefault(); });
  root.addEventListener('drop', function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files[0]) check(e.dataTransfer.files[0]);
  });
})();
