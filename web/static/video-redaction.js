// Video redaction on the review page (web/pages/video-redaction-panel.ts): play, pause and seek the
// clip with the panel's own controls (the drawing surface lies over the picture, so the video has no
// native ones), set the time range a new box holds for, and draw it with redaction.js (mouse or
// keyboard). The boxes that hold at the frame shown are drawn over it.
(function () {
  'use strict';
  var panels = document.querySelectorAll('.vredact-file');
  if (panels.length === 0) return;
  var secs = function (v) { return Math.round(v * 10) / 10; };

  Array.prototype.forEach.call(panels, function (panel) {
    var canvas = panel.querySelector('.vredact-canvas');
    var video = canvas.querySelector('video');
    var field = document.getElementById(canvas.getAttribute('data-field'));
    var controls = panel.querySelector('.vredact-controls');
    var play = controls.querySelector('.vredact-play');
    var seek = controls.querySelector('.vredact-seek');
    var now = controls.querySelector('.vredact-now');
    var from = controls.querySelector('.vredact-from');
    var to = controls.querySelector('.vredact-to');
    controls.hidden = false;

    function length() {
      return isFinite(video.duration) && video.duration > 0 ? video.duration : Number(panel.getAttribute('data-duration')) || 0;
    }
    function redraw() {
      field.dispatchEvent(new Event('input'));
    }
    function showTime() {
      now.value = secs(video.currentTime) + ' s';
      if (document.activeElement !== seek) seek.value = String(video.currentTime);
      redraw();
    }

    // A new box holds from "from" to "to" (the whole clip when left as they are).
    canvas.redactionTimes = function () {
      var a = Math.max(0, Number(from.value) || 0);
      var b = Number(to.value) || length();
      return b > a ? [secs(a), secs(b)] : [secs(a), secs(a + 1)];
    };
    // A box without a time range holds for the whole clip.
    canvas.redactionShows = function (box) {
      if (box.from === null || box.to === null) return true;
      var t = video.currentTime;
      return t >= box.from && t <= box.to;
    };

    video.addEventListener('loadedmetadata', function () {
      seek.max = String(length());
      if (!to.value || Number(to.value) === 0) to.value = String(secs(length()));
    });
    video.addEventListener('timeupdate', showTime);
    video.addEventListener('seeked', showTime);
    video.addEventListener('play', function () { play.setAttribute('aria-pressed', 'true'); });
    video.addEventListener('pause', function () { play.setAttribute('aria-pressed', 'false'); });
    play.addEventListener('click', function () {
      if (video.paused) video.play().catch(function () { /* a codec the browser lacks: the poster stays, times are typed */ });
      else video.pause();
    });
    seek.addEventListener('input', function () {
      video.pause();
      video.currentTime = Number(seek.value);
      showTime(); // at once: a clip this browser cannot decode never reports "seeked"
    });
    controls.querySelector('.vredact-from-now').addEventListener('click', function () {
      from.value = String(secs(video.currentTime));
    });
    controls.querySelector('.vredact-to-now').addEventListener('click', function () {
      to.value = String(secs(video.currentTime));
    });
    redraw();
  });
})();
