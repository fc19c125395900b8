// The offline base layer both maps draw on: country borders and coastlines from
// /static/borders-110m.json (Natural Earth 1:110m via world-atlas, public domain) and, zoomed in,
// the borders of Russia's subjects from /static/regions-ru.json (Natural Earth 1:10m Admin-1,
// simplified), projected in Web Mercator at 256-px tiles' scale; no tile server, nothing from a
// third party. Used by map.js (the archive map) and review-map.js (a submission's files and station).
(function () {
  'use strict';
  var TILE = 256;
  var loading = null;

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
  // The layers, coarsest first; `attribute` is where a map records how many lines of it it drew.
  var LAYERS = [
    { url: '/static/borders-110m.json', minZoom: 0, color: '#7d8b99', width: 0.8, attribute: 'data-borders' },
    { url: '/static/regions-ru.json', minZoom: 4, color: '#b5c0ca', width: 0.6, attribute: 'data-subject-borders' },
  ];
  // Every arc of a TopoJSON (each border drawn once) as [lon, lat] lines.
  function arcsOf(topo) {
    var t = topo.transform;
    return topo.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (d) {
        x += d[0];
        y += d[1];
        return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]];
      });
    });
  }
  // Each layer with its lines (null while or if it could not be fetched), fetched once per page;
  // `onLayer` is called again as each one arrives.
  function loadBorders(onLayer) {
    loading = loading || LAYERS.map(function (layer) {
      var loaded = { layer: layer, lines: null };
      loaded.ready = fetch(layer.url)
        .then(function (res) { return res.ok ? res.json() : Promise.reject(new Error(String(res.status))); })
        .then(function (topo) { loaded.lines = arcsOf(topo); })
        .catch(function () { /* the points still show over the plain background */ });
      return loaded;
    });
    loading.forEach(function (loaded) { loaded.ready.then(function () { onLayer(loading); }); });
  }
  // Draws the layers on `canvas` (sized w×h CSS px) for a view centred on view.lat/lon at view.zoom,
  // finer layers first so the country borders stay on top where they coincide, and writes on `el`
  // how many lines of each layer were drawn.
  function drawBorders(canvas, el, layers, view, w, h) {
    var ratio = window.devicePixelRatio || 1;
    canvas.width = w * ratio;
    canvas.height = h * ratio;
    canvas.style.width = w + 'px';
    canvas.style.height = h + 'px';
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var c = project(view.lat, view.lon, view.zoom);
    var o = { x: c.x - w / 2, y: c.y - h / 2 }, world = worldSize(view.zoom);
    layers.slice().reverse().forEach(function (loaded) {
      var drawn = 0;
      if (loaded.lines && view.zoom >= loaded.layer.minZoom) {
        g.strokeStyle = loaded.layer.color;
        g.lineWidth = loaded.layer.width;
        // the world repeats sideways: draw the copies that can be in view
        for (var k = Math.floor(o.x / world); k * world < o.x + w; k++) {
          g.beginPath();
          loaded.lines.forEach(function (line) {
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
      el.setAttribute(loaded.layer.attribute, String(drawn));
    });
  }
  // The largest zoom (at most maxZoom) at which every point fits in `fill` of a w×h view, and its centre.
  function fit(points, w, h, maxZoom, fill) {
    var lats = points.map(function (p) { return p.lat; }), lons = points.map(function (p) { return p.lon; });
    var n = Math.max.apply(null, lats), s = Math.min.apply(null, lats), e = Math.max.apply(null, lons), west = Math.min.apply(null, lons);
    var zoom = maxZoom;
    while (zoom > 1) {
      var a = project(n, west, zoom), b = project(s, e, zoom);
      if (b.x - a.x <= w * fill && b.y - a.y <= h * fill) break;
      zoom--;
    }
    var nw = project(n, west, zoom), se = project(s, e, zoom);
    var mid = unproject((nw.x + se.x) / 2, (nw.y + se.y) / 2, zoom);
    return { lat: mid.lat, lon: mid.lon, zoom: zoom };
  }
  window.SvidetelBaseMap = { TILE: TILE, worldSize: worldSize, project: project, unproject: unproject, loadBorders: loadBorders, drawBorders: drawBorders, fit: fit };
})();
