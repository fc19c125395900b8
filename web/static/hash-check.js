// "Is this file in the archive?": the SHA-256 is computed here with Web Crypto; only the hash is
// sent (GET /api/v1/files/{sha256}), never the file. When the bytes are not in the archive, a
// similar-image search is offered: only if the journalist clicks, a copy of at most 256 px, drawn
// on a canvas and re-encoded (so it carries no metadata), goes to POST /api/v1/similar.
(function () {
  'use strict';
  var root = document.getElementById('hash-check');
  var input = document.getElementById('check-file');
  var out = document.getElementById('check-result');
  if (!root || !input || !out || !window.crypto || !window.crypto.subtle) return;
  var label = function (name) { return root.getAttribute('data-label-' + name) || ''; };
  var SIMILAR_MAX_EDGE = 256;
  // The file checked last: answers about an earlier one are dropped.
  var current = null;

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

  function link(href, text) {
    var a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }
  function when(iso) { return label('published') + ': ' + iso.slice(0, 16).replace('T', ' ') + ' UTC'; }

  async function check(file) {
    current = file;
    show([para(label('computing'))]);
    try {
      var digest = await window.crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      var hex = Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
      var res = await fetch('/api/v1/files/' + hex, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error('lookup ' + res.status);
      var found = await res.json();
      if (current !== file) return;
      if (found.status === 'published') {
        var list = document.createElement('ul');
        found.entries.forEach(function (e) {
          var li = document.createElement('li');
          li.appendChild(link(e.url, e.url));
          li.appendChild(document.createTextNode(' · ' + when(e.published_at)));
          if (e.copy_of) {
            li.appendChild(document.createTextNode(' · ' + label('copy-of').replace('{kind}', label('kind-' + e.copy_of.kind)) + ' '));
            var code = document.createElement('code');
            code.className = 'hash';
            code.textContent = e.copy_of.original_sha256;
            li.appendChild(code);
          }
          list.appendChild(li);
        });
        show([hashLine(hex), para(label('found'), 'notice'), list]);
      } else {
        show([hashLine(hex), para(label('unknown'), 'notice'), similarOffer(file)]);
      }
    } catch (err) {
      if (current === file) show([para(label('failed'), 'error')]);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Similar images: nothing leaves the browser until the button is clicked.

  function similarOffer(file) {
    var box = document.createElement('div');
    box.appendChild(para(label('similar-offer')));
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = label('similar-button');
    var answer = document.createElement('div');
    button.addEventListener('click', function () {
      if (answer.getAttribute('aria-busy') === 'true') return;
      searchSimilar(file, answer);
    });
    box.appendChild(button);
    box.appendChild(answer);
    return box;
  }

  function undecodable() {
    var e = new Error('undecodable');
    e.undecodable = true;
    return e;
  }

  /** The picture as the browser displays it (EXIF orientation applied), or an undecodable error. */
  async function decode(file) {
    if (window.createImageBitmap) {
      try {
        var bitmap = await window.createImageBitmap(file, { imageOrientation: 'from-image' });
        return { source: bitmap, width: bitmap.width, height: bitmap.height, close: function () { bitmap.close(); } };
      } catch (e) { /* a format it does not decode, or an older browser refusing the options: an <img> is the last try */ }
    }
    var url = URL.createObjectURL(file);
    try {
      var img = new Image();
      await new Promise(function (resolve, reject) {
        img.onload = resolve;
        img.onerror = function () { reject(undecodable()); };
        img.src = url;
      });
      // A drawn <img> no longer needs its object URL, but it must be drawn before it is revoked.
      return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: function () { URL.revokeObjectURL(url); } };
    } catch (e) {
      URL.revokeObjectURL(url);
      throw e;
    }
  }

  /** A JPEG of at most SIMILAR_MAX_EDGE px on the long edge, re-encoded from a canvas: no metadata. */
  async function smallCopy(file) {
    var decoded = await decode(file);
    var canvas = document.createElement('canvas');
    try {
      if (!decoded.width || !decoded.height) throw undecodable();
      var scale = Math.min(1, SIMILAR_MAX_EDGE / Math.max(decoded.width, decoded.height));
      canvas.width = Math.max(1, Math.round(decoded.width * scale));
      canvas.height = Math.max(1, Math.round(decoded.height * scale));
      var g = canvas.getContext('2d');
      // Transparent pixels become white, as in the archive's own copies (JPEG would make them black).
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.imageSmoothingEnabled = true;
      g.imageSmoothingQuality = 'high';
      g.drawImage(decoded.source, 0, 0, canvas.width, canvas.height);
    } finally {
      decoded.close();
    }
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) { if (blob) resolve(blob); else reject(undecodable()); }, 'image/jpeg', 0.9);
    });
  }

  function showIn(box, nodes) {
    box.textContent = '';
    nodes.forEach(function (n) { box.appendChild(n); });
  }

  async function searchSimilar(file, answer) {
    answer.setAttribute('aria-busy', 'true');
    showIn(answer, [para(label('similar-searching'))]);
    try {
      var copy = await smallCopy(file);
      var form = new FormData();
      form.append('image', copy, 'copy.jpg');
      var res = await fetch('/api/v1/similar', { method: 'POST', body: form, headers: { accept: 'application/json' } });
      var body = await res.json().catch(function () { return null; });
      if (current !== file) return;
      if (!res.ok || !body || !body.matches) {
        showIn(answer, [para(body && body.error ? body.error.message : label('similar-failed'), 'error')]);
      } else if (body.matches.length === 0) {
        showIn(answer, [para(label('similar-none'), 'notice')]);
      } else {
        showIn(answer, [para(label('similar-found'), 'notice'), matchList(body.matches)]);
      }
    } catch (err) {
      if (current === file) showIn(answer, [para(label(err && err.undecodable ? 'similar-undecodable' : 'similar-failed'), 'error')]);
    } finally {
      answer.removeAttribute('aria-busy');
    }
  }

  function matchList(matches) {
    var list = document.createElement('ol');
    list.className = 'cards';
    matches.forEach(function (m) {
      var li = document.createElement('li');
      li.className = 'card';
      if (m.thumb_url) {
        var img = document.createElement('img');
        img.src = m.thumb_url;
        img.alt = '';
        img.width = 96;
        img.height = 72;
        li.appendChild(img);
      }
      var p = document.createElement('p');
      p.appendChild(link(m.url, m.url));
      p.appendChild(document.createTextNode(' · ' + label('similar-distance').replace('{n}', String(m.distance)) + ' · ' + when(m.published_at)));
      li.appendChild(p);
      list.appendChild(li);
    });
    return list;
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
