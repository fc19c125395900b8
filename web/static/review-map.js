// The review page's map: where each file's GPS puts it (circles) and the claimed polling station
// (square), over the offline base layer of base-map.js, zoomed to hold them all. Its legend, in
// the page, says the same in words and coordinates.
(function () {
  'use strict';
  var el = document.getElementById('review-map');
  var geo = window.SvidetelBaseMap;
  if (!el || !geo) return;
  var points = JSON.parse(el.getAttribute('data-points') || '[]');
  if (!points.length) return;
  var w = el.clientWidth, h = el.clientHeight;
  // zoom 6 at most: the 1:110m borders say nothing closer, and one point alone is shown in its
  // country; how far the files are from the station the legend and the comparison say in km
  var view = geo.fit(points, w, h, 6, 0.7);
  var base = document.createElement('canvas');
  base.className = 'map-base';
  base.setAttribute('aria-hidden', 'true');
  el.appendChild(base);
  var c = geo.project(view.lat, view.lon, view.zoom);
  points.forEach(function (p) {
    var at = geo.project(p.lat, p.lon, view.zoom);
    var mark = document.createElement('span');
    mark.className = 'map-mark ' + p.kind;
    mark.title = p.label;
    mark.style.left = at.x - c.x + w / 2 + 'px';
    mark.style.top = at.y - c.y + h / 2 + 'px';
    el.appendChild(mark);
  });
  el.setAttribute('data-zoom', String(view.zoom));
  // without the layers the marks and the legend still show
  geo.loadBorders(function (layers) { geo.drawBorders(base, el, layers, view, w, h); });
})();
