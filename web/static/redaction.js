// Redaction on the review page: draw boxes over a photo's preview with the mouse (drag) or the
// keyboard (focus the picture; arrows move the box, Shift+arrows resize it, Enter adds it, Delete
// removes the last). Each box is one line "left top width height style" (percent of the picture)
// of the photo's field redact_<file id>, which the server reads; typing lines works the same. On a
// video (video-redaction.js) a line also holds "from to" seconds before the style: the canvas's
// redactionTimes() gives a new box's, and redactionShows(box) says whether a box holds at this frame.
(function () {
  'use strict';
  var STEP = 2; // percent per key press
  var styleSelect = document.getElementById('redact-style');
  var canvases = document.querySelectorAll('.redact-canvas');
  if (canvases.length === 0) return;
  document.getElementById('redaction-keys').hidden = false;
  document.getElementById('redact-style-label').hidden = false;

  var N = '(\\d+(?:[.,]\\d+)?)';
  var LINE = new RegExp('^\\s*' + [N, N, N, N].join('\\s+') + '(?:\\s+' + N + '\\s+' + N + ')?(?:\\s+(blur|fill))?\\s*$', 'i');
  var round = function (v) { return Math.round(v * 100) / 100; };
  var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };

  function parse(field) {
    return field.value.split(/\r?\n/).map(function (line) {
      var m = LINE.exec(line);
      if (!m) return null;
      var n = m.slice(1, 7).map(function (v) { return v === undefined ? null : Number(v.replace(',', '.')); });
      return { x: n[0], y: n[1], w: n[2], h: n[3], from: n[4], to: n[5], style: (m[7] || 'blur').toLowerCase() };
    }).filter(Boolean);
  }

  function place(el, r) {
    el.style.left = r.x + '%';
    el.style.top = r.y + '%';
    el.style.width = r.w + '%';
    el.style.height = r.h + '%';
  }

  function box(className, r) {
    var el = document.createElement('div');
    el.className = className;
    place(el, r);
    return el;
  }

  function addLine(canvas, field, r) {
    var x = clamp(r.x, 0, 99), y = clamp(r.y, 0, 99);
    var times = canvas.redactionTimes ? canvas.redactionTimes() : [];
    var line = [round(x), round(y), round(clamp(r.w, 0.5, 100 - x)), round(clamp(r.h, 0.5, 100 - y))].concat(times, [styleSelect.value]).join(' ');
    field.value = field.value.replace(/\s+$/, '') + (field.value.trim() ? '\n' : '') + line;
    field.dispatchEvent(new Event('input'));
  }

  Array.prototype.forEach.call(canvases, function (canvas) {
    var field = document.getElementById(canvas.getAttribute('data-field'));
    var cursor = { x: 40, y: 40, w: 20, h: 20 };
    var cursorEl = null;
    var drag = null;
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'application');

    function draw() {
      Array.prototype.forEach.call(canvas.querySelectorAll('.redact-box'), function (el) { el.remove(); });
      parse(field).forEach(function (r) {
        if (canvas.redactionShows && !canvas.redactionShows(r)) return;
        canvas.appendChild(box('redact-box redact-' + r.style, r));
      });
    }
    function showCursor() {
      if (!cursorEl) canvas.appendChild((cursorEl = box('redact-cursor', cursor)));
      place(cursorEl, cursor);
    }
    function at(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: clamp(((event.clientX - rect.left) / rect.width) * 100, 0, 100), y: clamp(((event.clientY - rect.top) / rect.height) * 100, 0, 100) };
    }
    function spanned(a, b) {
      return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
    }

    field.addEventListener('input', draw);
    draw();

    canvas.addEventListener('pointerdown', function (event) {
      if (event.button !== 0) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drag = { start: at(event), el: box('redact-cursor', { x: 0, y: 0, w: 0, h: 0 }) };
      canvas.appendChild(drag.el);
    });
    canvas.addEventListener('pointermove', function (event) {
      if (drag) place(drag.el, spanned(drag.start, at(event)));
    });
    canvas.addEventListener('pointerup', function (event) {
      if (!drag) return;
      var r = spanned(drag.start, at(event));
      drag.el.remove();
      drag = null;
      if (r.w >= 0.5 && r.h >= 0.5) addLine(canvas, field, r);
    });

    canvas.addEventListener('focus', showCursor);
    canvas.addEventListener('blur', function () {
      if (cursorEl) cursorEl.remove();
      cursorEl = null;
    });
    canvas.addEventListener('keydown', function (event) {
      var dx = { ArrowLeft: -STEP, ArrowRight: STEP }[event.key] || 0;
      var dy = { ArrowUp: -STEP, ArrowDown: STEP }[event.key] || 0;
      if (dx || dy) {
        if (event.shiftKey) {
          cursor.w = clamp(cursor.w + dx, STEP, 100 - cursor.x);
          cursor.h = clamp(cursor.h + dy, STEP, 100 - cursor.y);
        } else {
          cursor.x = clamp(cursor.x + dx, 0, 100 - cursor.w);
          cursor.y = clamp(cursor.y + dy, 0, 100 - cursor.h);
        }
      } else if (event.key === 'Enter') {
        addLine(canvas, field, cursor);
      } else if (event.key === 'Delete' || event.key === 'Backspace') {
        field.value = field.value.replace(/\s+$/, '').split('\n').slice(0, -1).join('\n');
        field.dispatchEvent(new Event('input'));
      } else {
        return; // other keys keep their page shortcuts
      }
      event.preventDefault();
      event.stopPropagation();
      showCursor();
    });
  });
})();
