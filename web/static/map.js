// The archive map: clustered points from GET /api/v1/map (clustered on the server, so a country
// view is small), over the borders of countries and, zoomed in, of Russia's subjects drawn by
// base-map.js (loaded before this; no tile server needed); tiles only when the operator set MAP_TILE_URL. The first view fits the published points.
// Drag or arrow keys pan, +/- or the buttons zoom, a cluster zooms in, a single point opens its entry.
(function () {
  'use strict';
  var el = document.getElementById('map');
  var status = document.getElementById('map-status');
  if (!el) return;
  var geo = window.SvidetelBaseMap;
  var TILE = geo.TILE, worldSize = geo.worldSize, project = geo.project, unproject = geo.unproject;
  var search = el.getAttribute('data-search') || '';
  var tiles = el.getAttribute('data-tiles') || '';
  var label = function (name) { return el.getAttribute('data-label-' + name) || ''; };
  // The same CLDR plural rule as the server's messages (web/i18n.ts pluralForms).
  // Safari before iOS 13 has none: the map still draws, its labels in the "other" form.
  var pluralRule = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || 'ru') : { select: function () { return 'other'; } };
  var counted = function (name, n) {
    var forms = JSON.parse(el.getAttribute('data-plural-' + name) || '{"other":""}');
    return (forms[pluralRule.select(n)] || forms.other).replace('{n}', String(n));
  };
  var view = { lat: 60, lon: 90, zoom: 3 };
  var request = 0;
  var timer = null;

  // The offline base layer: every arc of the TopoJSON (coastlines and borders, each drawn once) on a canvas.
  var base = document.createElement('canvas');
  base.className = 'map-base';
  base.setAttribute('aria-hidden', 'true');
  el.appendChild(base);
  var borders = null;
  geo.loadBorders(function (layers) {
    borders = layers;
    drawBase();
  });

  function drawBase() {
    if (!borders) return;
    geo.drawBorders(base, el, borders, view, el.clientWidth, el.clientHeight);
  }

  var tileLayer = document.createElement('div');
  tileLayer.className = 'map-tiles';
  var pointLayer = document.createElement('div');
  pointLayer.className = 'map-points';
  var controls = document.createElement('div');
  controls.className = 'map-controls';
  el.appendChild(tileLayer);
  el.appendChild(pointLayer);
  el.appendChild(controls);
  [['+', 'zoom-in', 1], ['\u2212', 'zoom-out', -1]].forEach(function (c) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = c[0];
    b.setAttribute('aria-label', label(c[1]));
    b.addEventListener('click', function () { zoomBy(c[2]); });
    controls.appendChild(b);
  });

  function origin() {
    var c = project(view.lat, view.lon, view.zoom);
    return { x: c.x - el.clientWidth / 2, y: c.y - el.clientHeight / 2 };
  }
  function bbox() {
    var o = origin();
    var nw = unproject(o.x, o.y, view.zoom);
    var se = unproject(o.x + el.clientWidth, o.y + el.clientHeight, view.zoom);
    var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
    return [clamp(nw.lon, -180, 179.9), clamp(se.lat, -85, 84.9), clamp(se.lon, -179.9, 180), clamp(nw.lat, -84.9, 85)]
      .map(function (v) { return v.toFixed(4); }).join(',');
  }

  function drawTiles() {
    tileLayer.textContent = '';
    if (!tiles) return;
    var o = origin();
    var n = Math.pow(2, view.zoom);
    for (var tx = Math.floor(o.x / TILE); tx * TILE < o.x + el.clientWidth; tx++) {
      for (var ty = Math.max(0, Math.floor(o.y / TILE)); ty * TILE < o.y + el.clientHeight && ty < n; ty++) {
        var img = document.createElement('img');
        img.alt = '';
        img.src = tiles.replace('{z}', view.zoom).replace('{x}', ((tx % n) + n) % n).replace('{y}', ty);
        img.style.left = tx * TILE - o.x + 'px';
        img.style.top = ty * TILE - o.y + 'px';
        tileLayer.appendChild(img);
      }
    }
  }

  function drawPoints(clusters) {
    pointLayer.textContent = '';
    var o = origin();
    clusters.forEach(function (c) {
      var p = project(c.lat, c.lon, view.zoom);
      var node;
      if (c.url) {
        node = document.createElement('a');
        node.href = c.url;
        node.className = 'map-point';
        node.setAttribute('aria-label', label('entry'));
        node.title = label('entry');
      } else {
        node = document.createElement('button');
        node.type = 'button';
        node.className = 'map-cluster';
        node.textContent = c.count > 999 ? Math.round(c.count / 1000) + 'k' : String(c.count);
        node.setAttribute('aria-label', counted('cluster', c.count));
        node.addEventListener('click', function () {
          view.lat = c.lat;
          view.lon = c.lon;
          zoomBy(2);
        });
        var size = Math.min(56, 22 + Math.log(c.count) * 4);
        node.style.width = node.style.height = size + 'px';
      }
      node.style.left = p.x - o.x + 'px';
      node.style.top = p.y - o.y + 'px';
      pointLayer.appendChild(node);
    });
    if (status) status.textContent = clusters.length ? '' : label('empty');
    el.setAttribute('data-points', String(clusters.length));
  }

  function load() {
    drawTiles();
    drawBase();
    var id = ++request;
    var url = '/api/v1/map?' + (search ? search + '&' : '') + 'bbox=' + bbox() + '&zoom=' + view.zoom;
    fetch(url, { headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(new Error(String(res.status))); })
      .then(function (data) { if (id === request) drawPoints(data.clusters); })
      .catch(function () { if (status) status.textContent = label('empty'); });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  }
  function zoomBy(d) {
    view.zoom = Math.max(1, Math.min(16, view.zoom + d));
    load();
  }
  function panBy(dx, dy) {
    var c = project(view.lat, view.lon, view.zoom);
    var next = unproject(c.x + dx, Math.max(0, Math.min(worldSize(view.zoom), c.y + dy)), view.zoom);
    view.lat = next.lat;
    view.lon = ((next.lon + 540) % 360) - 180;
    var shift = 'translate(' + -dx + 'px,' + -dy + 'px)';
    pointLayer.style.transform = tileLayer.style.transform = base.style.transform = shift;
  }

  var drag = null;
  el.addEventListener('pointerdown', function (e) {
    if (e.target.closest && e.target.closest('a,button')) return;
    drag = { x: e.clientX, y: e.clientY, lat: view.lat, lon: view.lon };
    el.setPointerCapture(e.pointerId);
  });
  el.addEventListener('pointermove', function (e) {
    if (!drag) return;
    view.lat = drag.lat;
    view.lon = drag.lon;
    panBy(drag.x - e.clientX, drag.y - e.clientY);
  });
  el.addEventListener('pointerup', function () {
    if (!drag) return;
    drag = null;
    pointLayer.style.transform = tileLayer.style.transform = base.style.transform = '';
    load();
  });
  el.addEventListener('keydown', function (e) {
    var step = 100;
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      e.preventDefault();
      panBy(moves[e.key][0], moves[e.key][1]);
      pointLayer.style.transform = tileLayer.style.transform = base.style.transform = '';
      later();
    } else if (e.key === '+' || e.key === '=') zoomBy(1);
    else if (e.key === '-') zoomBy(-1);
  });
  window.addEventListener('resize', later);

  // The first view holds every published point: ask for the whole world once, then zoom to its clusters.
  function fit() {
    var url = '/api/v1/map?' + (search ? search + '&' : '') + 'bbox=-180,-85,180,85&zoom=1';
    fetch(url, { headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(new Error(String(res.status))); })
      .then(function (data) {
        var pts = data.clusters || [];
        if (pts.length) view = geo.fit(pts, el.clientWidth, el.clientHeight, 12, 0.8);
        load();
      })
      .catch(load);
  }
  fit();
})();
