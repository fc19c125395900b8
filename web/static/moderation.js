// Keyboard shortcuts for the review queue and the review page; the page lists them (keyboard help).
// j/k: next/previous entry (in the queue: move between entries), v: verify checklist, V: verify now,
// r: reject, o: open the file (in the queue: the focused entry), p: play or pause the video,
// n: notes, ?: help. Esc leaves a text field.
// The queue's list may be redrawn by live-queue.js: it is looked up at each key.
(function () {
  'use strict';
  var queueOf = function () { return document.getElementById('queue'); };
  var help = document.getElementById('keyboard-help');

  function isTyping(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function focus(el) {
    if (!el) return false;
    el.scrollIntoView({ block: 'center' });
    el.focus();
    return true;
  }
  function follow(id) {
    var link = document.getElementById(id);
    if (link) window.location.href = link.href;
  }
  function queueLinks() {
    return Array.prototype.slice.call(queueOf().querySelectorAll('li > a'));
  }
  function moveInQueue(step) {
    var links = queueLinks();
    if (links.length === 0) return;
    var at = links.indexOf(document.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    focus(links[next]);
  }
  function openFile() {
    if (queueOf()) {
      var links = queueLinks();
      var current = links.indexOf(document.activeElement) >= 0 ? document.activeElement : links[0];
      if (current) window.location.href = current.href;
      return;
    }
    var file = document.querySelector('li.file a[href$="/preview.jpg"]') || document.querySelector('li.file a[href$="/original"]');
    if (file) window.open(file.href, '_blank', 'noopener');
  }

  // The public description never starts as the observer's words: taking them is this click, next to
  // the warning about what they may reveal; the field is then focused for reading and editing.
  var useObserverWords = document.getElementById('use-observer-words');
  if (useObserverWords) {
    useObserverWords.hidden = false;
    useObserverWords.addEventListener('click', function () {
      var field = document.getElementById('public_description');
      field.value = useObserverWords.getAttribute('data-observer-words');
      document.getElementById('observer-words-warning').setAttribute('role', 'alert');
      field.focus();
    });
  }

  // A pre-ticked checklist item the moderator changes is theirs: the decision no longer names the fact.
  document.querySelectorAll('input[data-prefilled]').forEach(function (box) {
    box.addEventListener('change', function () {
      var fact = document.getElementById(box.id.replace('check_', 'prefilled_'));
      if (fact) fact.value = '';
    });
  });
  function togglePlay() {
    var video = document.querySelector('video.review-video');
    if (!video) return;
    if (video.paused) video.play().catch(function () { /* the controls stay there */ });
    else video.pause();
  }

  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var queue = queueOf();
    if (isTyping(event.target)) {
      if (event.key === 'Escape') event.target.blur();
      return;
    }
    switch (event.key) {
      case 'j':
        if (queue) moveInQueue(1);
        else follow('next-entry');
        break;
      case 'k':
        if (queue) moveInQueue(-1);
        else follow('prev-entry');
        break;
      case 'v':
        focus(document.getElementById('check_source') || document.getElementById('publish'));
        break;
      case 'V': {
        var verify = document.getElementById('verify');
        if (verify) verify.click();
        break;
      }
      case 'p':
        togglePlay();
        break;
      case 'r':
        focus(document.getElementById('reason_code'));
        break;
      case 'o':
        openFile();
        break;
      case 'n':
        focus(document.getElementById('note-body'));
        break;
      case '?':
        if (!help) return;
        help.open = !help.open;
        if (help.open) help.querySelector('summary').focus();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
