// The archive map: clustered points from GET /api/v1/map (clustered on the server, so a country
// view is small), over country borders drawn here from /static/borders-110m.json (Natural Earth
// 1:110m via world-atlas, public domain; no tile server needed) and, zoomed in, the borders of
// Russia's subjects from /static/regions-ru.json (Natural Earth 1:10m Admin-1, simplified); tiles
// only when the operator set MAP_TILE_URL. The first view fits the published points.
// Drag or arrow keys pan, +/- or the buttons zoom, a cluster zooms in, a single point opens its entry.
(function () {
  'use strict';
  var el = document.getElementById('map');
  var status = document.getElementById('map-status');
  if (!el) return;
  var TILE = 256;
  var search = el.getAttribute('data-search') || '';
  var tiles = el.getAttribute('data-tiles') || '';
  var label = function (name) { return el.getAttribute('data-label-' + name) || ''; };
  // The same CLDR plural rule as the server's messages (web/i18n.ts pluralForms).
  var pluralRule = new Intl.PluralRules(document.documentElement.lang || 'ru');
  var counted = function (name, n) {
    var forms = JSON.parse(el.getAttribute('data-plural-' + name) || '{"other":""}');
    return (forms[pluralRule.select(n)] || forms.other).replace('{n}', String(n));
  };
  var view = { lat: 60, lon: 90, zoom: 3 };
  var request = 0;
  var timer = null;

  // The offline base layer: every arc of each TopoJSON (coastlines and borders, each drawn once) on
  // a canvas; the subjects' borders only from minZoom on, where they are not a tangle.
  var base = document.createElement('canvas');
  base.className = 'map-base';
  base.setAttribute('aria-hidden', 'true');
  el.appendChild(base);
  var layers = [
    { url: '/static/borders-110m.json', minZoom: 0, color: '#7d8b99', width: 0.8, counter: 'data-borders', arcs: null },
    { url: '/static/regions-ru.json', minZoom: 4, color: '#b5c0ca', width: 0.6, counter: 'data-subject-borders', arcs: null },
  ];
  layers.forEach(function (layer) {
    fetch(layer.url)
      .then(function (res) { return res.ok ? res.json() : Promise.reject(new Error(String(res.status))); })
      .then(function (topo) {
        var t = topo.transform;
        layer.arcs = topo.arcs.map(function (arc) {
          var x = 0, y = 0;
          return arc.map(function (d) {
            x += d[0];
            y += d[1];
            return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]];
          });
        });
        drawBase();
      })
      .catch(function () { /* points still show over the plain background */ });
  });

  function drawBase() {
    var w = el.clientWidth, h = el.clientHeight, ratio = window.devicePixelRatio || 1;
    base.width = w * ratio;
    base.height = h * ratio;
    base.style.width = w + 'px';
    base.style.height = h + 'px';
    var g = base.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var o = origin(), world = worldSize(view.zoom);
    // finer layers last, so the country borders stay on top where they coincide
    layers.slice().reverse().forEach(function (layer) {
      var drawn = 0;
      if (layer.arcs && view.zoom >= layer.minZoom) {
        g.strokeStyle = layer.color;
        g.lineWidth = layer.width;
        // the world repeats sideways: draw the copies that can be in view
        for (var k = Math.floor(o.x / world); k * world < o.x + w; k++) {
          g.beginPath();
          layer.arcs.forEach(function (line) {
            line.forEach(function (pt, i) {
              var p = project(pt[1], pt[0], view.zoom);
              var x = p.x + k * world - o.x, y = p.y - o.y;
              // a step across the antimeridian (Chukotka, Fiji) is not a line across the whole map
              if (i === 0 || Math.abs(pt[0] - line[i - 1][0]) > 180) g.moveTo(x, y);
              else g.lineTo(x, y);
            });
            drawn++;
          });
          g.stroke();
        }
      }
      el.setAttribute(layer.counter, String(drawn));
    });
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

  function worldSize(z) { return TILE * Math.pow(2, z); }
  function project(lat, lon, z) {
    var s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
    return {
      x: ((lon + 180) / 360) * worldSize(z),
      y: (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * worldSize(z),
    };
  }
  function unproject(x, y, z) {
    var n = Math.PI * (1 - (2 * y) / worldSize(z));
    return { lat: (Math.atan(Math.sinh(n)) * 180) / Math.PI, lon: (x / worldSize(z)) * 360 - 180 };
  }
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
        if (pts.length) {
          var lats = pts.map(function (c) { return c.lat; }), lons = pts.map(function (c) { return c.lon; });
          var n = Math.max.apply(null, lats), s = Math.min.apply(null, lats), e = Math.max.apply(null, lons), w = Math.min.apply(null, lons);
          var zoom = 12;
          while (zoom > 1) {
            var a = project(n, w, zoom), b = project(s, e, zoom);
            if (b.x - a.x <= el.clientWidth * 0.8 && b.y - a.y <= el.clientHeight * 0.8) break;
            zoom--;
          }
          var mid = unproject((project(n, w, zoom).x + project(s, e, zoom).x) / 2, (project(n, w, zoom).y + project(s, e, zoom).y) / 2, zoom);
          view = { lat: mid.lat, lon: mid.lon, zoom: zoom };
        }
        load();
      })
      .catch(load);
  }
  fit();
})();
