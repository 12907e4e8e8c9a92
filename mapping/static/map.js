/* romareact event map: filters, time range, shareable URL state, embeds, lazy popups.
 *
 * Two modes. A small dataset's marker index holds every event, and filtering happens here.
 * A large one's (payload.tiled) holds only the lists and the time span: the map then asks
 * the server for what is in view (view.json: cell counts, or the events once few are), for
 * the count and timeline (summary.json), the proportional symbols (areas.json), a popup
 * (event/ID.json) and a place's bounds (place.json), so it never loads every event.
 *
 * Everything shown comes from data files through textContent or DOM properties, never
 * innerHTML, so a scraped title stays text. The page is configured by ROMAREACT_CONFIG,
 * which the Python side writes (map and cluster variables, where the data files live).
 */
(function () {
  "use strict";
  var cfg = window.ROMAREACT_CONFIG;
  var map = window[cfg.map];
  var cluster = window[cfg.cluster];

  var TEXT = {
    bg: {
      title: "Събития, свързани с ромите",
      shown: "Показани {n} от {total} събития",
      categories: "Теми", allCategories: "всички теми", noCategory: "без тема",
      province: "Област", allProvinces: "Цяла България",
      from: "От", to: "До",
      view: "Изглед", viewEvents: "Събития", viewAreas: "Концентрация",
      level: "Ниво", levelProvince: "области", levelMunicipality: "общини",
      perCapita: "на 100 000 жители (където населението е известно)",
      search: "Търсене на място", searchPlaceholder: "град, село, област…",
      placeNotFound: "Няма място със събития, наречено „{name}“",
      share: "Връзка и вграждане", copy: "Копирай", copied: "Копирано",
      embedHelp: "Поставете този код в своя сайт:",
      legend: "Легенда",
      legendSettlement: "събитие в селище (точка в центъра му)",
      legendNeighbourhood: "събитие в квартал (приблизителен център)",
      legendArea: "известна е само общината или областта (област, не точка)",
      legendSensitive: "чувствителни събития се показват само на ниво селище",
      unreviewed: "Непроверено от редактор",
      sensitive: "Точното място не се публикува; показан е центърът на селището.",
      source: "Източник:", sources: "Източници:",
      loading: "Зареждане…", untitled: "(без заглавие)",
      areaEvents: "{n} събития с точност до {level}", andMore: "и още {n}",
      precision: {neighbourhood: "квартал", settlement: "селище", municipality: "община",
                  province: "област"},
      sizeLegend: "Размер на кръга",  // issue 19
      events: "събития", perHundredK: "на 100 000 жители", noPopulation: "населението не е известно",
      withoutMunicipality: "{n} събития без известна община не са включени",
      dataset: "Данни", feed: "Абонамент (Atom)", geojson: "GeoJSON (този изглед)",
      csv: "CSV (този изглед)", openFull: "Отвори цялата карта",
      attribution: "Новини: източниците при всяко събитие",
      showFilters: "Филтри ▾", hideFilters: "Скрий ▴",
      timeline: {day: "Събития по дни", month: "Събития по месеци", year: "Събития по години"},
      timelineHelp: "щракнете върху стълбче, за да видите само този период"
    },
    en: {
      title: "Roma-related events",
      shown: "Showing {n} of {total} events",
      categories: "Topics", allCategories: "all topics", noCategory: "no topic",
      province: "Province", allProvinces: "All of Bulgaria",
      from: "From", to: "To",
      view: "View", viewEvents: "Events", viewAreas: "Concentration",
      level: "Level", levelProvince: "provinces", levelMunicipality: "municipalities",
      perCapita: "per 100,000 inhabitants (where population is known)",
      search: "Find a place", searchPlaceholder: "town, village, province…",
      placeNotFound: "No place with events is called “{name}”",
      share: "Link and embed", copy: "Copy", copied: "Copied",
      embedHelp: "Paste this code into your site:",
      legend: "Legend",
      legendSettlement: "event in a settlement (point at its centre)",
      legendNeighbourhood: "event in a neighbourhood (approximate centre)",
      legendArea: "only the municipality or province is known (an area, not a point)",
      legendSensitive: "sensitive events are shown at settlement level only",
      unreviewed: "Not yet reviewed by an editor",
      sensitive: "The exact location is withheld; the point is the settlement centre.",
      source: "Source:", sources: "Sources:",
      loading: "Loading…", untitled: "(untitled)",
      areaEvents: "{n} events known only to {level} level", andMore: "and {n} more",
      precision: {neighbourhood: "neighbourhood", settlement: "settlement",
                  municipality: "municipality", province: "province"},
      sizeLegend: "Circle size",  // issue 19
      events: "events", perHundredK: "per 100,000 inhabitants", noPopulation: "population unknown",
      withoutMunicipality: "{n} events without a known municipality are not included",
      dataset: "Dataset", feed: "Subscribe (Atom)", geojson: "GeoJSON (this view)",
      csv: "CSV (this view)", openFull: "Open the full map",
      attribution: "News: the sources linked in each event",
      showFilters: "Filters ▾", hideFilters: "Hide ▴",
      timeline: {day: "Events per day", month: "Events per month", year: "Events per year"},
      timelineHelp: "click a bar to see only that period"
    }
  };
  var COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#c2185b", "#1f78b4",
                 "#66a61e", "#e6ab02", "#a6761d"];
  var NO_CATEGORY_COLOUR = "#666666";
  var AREA_RADIUS_M = {municipality: 9000, province: 32000};
  var BULGARIA_BOUNDS = [[41.23, 22.35], [44.22, 28.61]];

  var data = null;
  var markers = [];          // one per point event (null for area-precision events)
  var chunks = {};
  var waiting = {};
  var state = null;
  var visible = [];          // indexes of the events that pass the filters
  var bins = null;           // the timeline's days, months or years (timeBins)
  var timelineCounts = [];   // events per bin that pass the topic and province filters
  var timelineFilter = null; // the topics and province timelineCounts were counted for
  var binOf = [];            // each event's bin (-1: no date)
  var areaLayer = L.layerGroup();
  var symbolLayer = L.layerGroup();
  var ui = {};
  var DAY_MS = 86400000;
  var tiled = false;          // a large dataset, loaded a view at a time
  var cellLayer = L.layerGroup();
  var requests = {};          // kind -> the latest request's number: older answers are dropped
  var details = {};           // tiled: event id -> popup details
  var lastSummary = null;     // tiled: the count and timeline last shown

  function t(key) { return TEXT[state.lang][key]; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return String(values[k]); });
  }
  function dayToIso(day) { return new Date(day * DAY_MS).toISOString().slice(0, 10); }
  function isoToDay(iso) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) { return null; }
    var ms = Date.parse(iso + "T00:00:00Z");
    return isNaN(ms) ? null : Math.round(ms / DAY_MS);
  }
  function el(tag, text, className, parent) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function categoryKey(i) { var c = data.columns.cat[i]; return c < 0 ? "" : data.categories[c][0]; }
  function categoryLabel(key) {
    for (var c = 0; c < data.categories.length; c++) {
      if (data.categories[c][0] === key) { return data.categories[c][state.lang === "bg" ? 1 : 2]; }
    }
    return t("noCategory");
  }
  function colour(catIndex) { return catIndex < 0 ? NO_CATEGORY_COLOUR : COLOURS[catIndex % COLOURS.length]; }

  /* ---- URL state: #map=zoom/lat/lon&cat=a,b&prov=X&from=…&to=…&lang=en&view=areas ---- */
  function readState() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var known = data.categories.map(function (c) { return c[0]; });
    var s = {
      cat: (p.get("cat") || "").split(",").filter(function (c) { return known.indexOf(c) >= 0; }),
      prov: data.provinces.indexOf(p.get("prov")) >= 0 ? p.get("prov") : "",
      from: isoToDay(p.get("from")), to: isoToDay(p.get("to")),
      lang: p.get("lang") === "en" ? "en" : "bg",
      view: p.get("view") === "areas" ? "areas" : "events",
      level: p.get("level") === "municipality" ? "municipality" : "province",
      per: p.get("per") === "1", embed: p.get("embed") === "1", mapView: null
    };
    var m = /^(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(p.get("map") || "");
    if (m) { s.mapView = {zoom: +m[1], lat: +m[2], lon: +m[3]}; }
    return s;
  }
  function stateParams(withMap) {
    var p = new URLSearchParams();
    if (withMap) {
      var c = map.getCenter();
      p.set("map", map.getZoom() + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4));
    }
    if (state.cat.length) { p.set("cat", state.cat.join(",")); }
    if (state.prov) { p.set("prov", state.prov); }
    if (state.from !== null && state.from > data.minDay) { p.set("from", dayToIso(state.from)); }
    if (state.to !== null && state.to < data.maxDay) { p.set("to", dayToIso(state.to)); }
    if (state.lang !== "bg") { p.set("lang", state.lang); }
    if (state.view !== "events") { p.set("view", state.view); }
    if (state.level !== "province") { p.set("level", state.level); }
    if (state.per) { p.set("per", "1"); }
    if (state.embed) { p.set("embed", "1"); }
    return p;
  }
  function writeState() {
    history.replaceState(null, "", "#" + stateParams(true).toString());
    updateShare();
  }

  /* ---- filtering ---- */
  function passesTopicAndPlace(i) {
    if (state.cat.length && state.cat.indexOf(categoryKey(i)) < 0) { return false; }
    return !(state.prov && data.provinces[data.columns.prov[i]] !== state.prov);
  }
  function passes(i) {
    if (!passesTopicAndPlace(i)) { return false; }
    var day = data.columns.day[i];
    if (state.from !== null && (day === null || day < state.from)) { return false; }
    if (state.to !== null && (day === null || day > state.to)) { return false; }
    return true;
  }

  function redraw() {
    if (tiled) { redrawTiled(); return; }
    visible = [];
    for (var i = 0; i < data.count; i++) { if (passes(i)) { visible.push(i); } }
    ui.count.textContent = fill(t("shown"), {n: visible.length, total: data.count});
    ui.count.setAttribute("data-visible", String(visible.length));
    // Embedded maps hide the panel; the bar keeps the count, so readers know what they see.
    if (ui.embedCount) { ui.embedCount.textContent = ui.count.textContent; }
    countTimeline();
    if (state.view === "events") {
      map.removeLayer(symbolLayer);
      if (!map.hasLayer(cluster)) { map.addLayer(cluster); }
      if (!map.hasLayer(areaLayer)) { map.addLayer(areaLayer); }
      drawEvents();
    } else {
      map.removeLayer(cluster);
      map.removeLayer(areaLayer);
      if (!map.hasLayer(symbolLayer)) { map.addLayer(symbolLayer); }
      drawSymbols();
      markReady();
    }
    updateLinks();
  }

  /* ---- a large dataset: what is in view, asked of the server ---- */
  // The latest answer of each kind wins; one that arrives after a newer request is dropped.
  function ask(kind, url, callback) {
    var number = (requests[kind] || 0) + 1;
    requests[kind] = number;
    fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + url); }
      return response.json();
    }).then(function (answer) {
      if (requests[kind] === number) { callback(answer); }
    }, function (error) { if (window.console) { console.warn(error); } });
  }
  function tiledQuery(extra) {
    var q = filterQuery("map");
    return q + (q ? "&" : "?") + extra;
  }
  // The view rounded out to whole 256-pixel tiles: visitors of the same map view ask the same
  // URL, which the server's response cache then answers.
  function viewBox() {
    var zoom = map.getZoom(), tile = 360 / Math.pow(2, zoom), b = map.getBounds();
    function down(v) { return Math.floor(v / tile) * tile; }
    function up(v) { return Math.ceil(v / tile) * tile; }
    var south = Math.max(-90, down(b.getSouth())), north = Math.min(90, up(b.getNorth()));
    var west = Math.max(-180, down(b.getWest())), east = Math.min(180, up(b.getEast()));
    return [south, west, north, east].map(function (v) { return +v.toFixed(5); }).join(",");
  }
  function redrawTiled() {
    var filter = state.cat.join(",") + "|" + state.prov + "|" + state.from + "|" + state.to;
    if (filter !== timelineFilter) {
      timelineFilter = filter;
      var by = bins.unit === "day" ? "&by=day" : "";
      ask("summary", cfg.dataBase + "summary.json" + tiledQuery("v=1" + by), showSummary);
    } else if (lastSummary) { showSummary(lastSummary); }  // in the language now chosen
    if (state.view === "events") {
      map.removeLayer(symbolLayer);
      [cluster, areaLayer, cellLayer].forEach(function (layer) { if (!map.hasLayer(layer)) { map.addLayer(layer); } });
      askView();
    } else {
      [cluster, areaLayer, cellLayer].forEach(function (layer) { map.removeLayer(layer); });
      if (!map.hasLayer(symbolLayer)) { map.addLayer(symbolLayer); }
      ask("areas", cfg.dataBase + "areas.json" + tiledQuery("level=" + state.level), function (answer) {
        drawSymbolsFrom(answer.counts, answer.without, {});
        markReady();
      });
    }
    updateLinks();
  }
  function showSummary(answer) {
    lastSummary = answer;
    ui.count.textContent = fill(t("shown"), {n: answer.matching, total: data.total});
    ui.count.setAttribute("data-visible", String(answer.matching));
    if (ui.embedCount) { ui.embedCount.textContent = ui.count.textContent; }
    var counts = [];
    for (var b = 0; b < bins.count; b++) { counts.push(0); }
    Object.keys(answer.counts).forEach(function (key) {
      var day = isoToDay(key.length === 7 ? key + "-01" : key);
      var bin = day === null ? -1 : bins.index(day);
      if (bin >= 0 && bin < bins.count) { counts[bin] += answer.counts[key]; }
    });
    ui.timeline.setAttribute("data-counts", JSON.stringify(counts));
    timelineCounts = counts;
    drawTimeline();
  }
  function askView() {
    var url = cfg.dataBase + "view.json" + tiledQuery("z=" + map.getZoom() + "&bbox=" + viewBox());
    ask("view", url, function (answer) {
      if (state.view !== "events") { return; }
      cellLayer.clearLayers();
      if (answer.cells) {
        cluster.clearLayers();
        areaLayer.clearLayers();
        answer.cells.forEach(drawCell);
        document.documentElement.setAttribute("data-view", "cells");
        markReady();
        return;
      }
      data.columns = answer.points;
      data.count = answer.count;
      data.ids = answer.ids;
      markers = [];
      buildMarkers();
      visible = [];
      for (var i = 0; i < data.count; i++) { visible.push(i); }
      document.documentElement.setAttribute("data-view", "points");
      drawEvents();
    });
  }
  // A server-side cluster: the number of events in a grid cell, at their mean position; a
  // click zooms in on it. Drawn like the clusters of Leaflet.markercluster.
  function drawCell(cell) {
    var n = +cell[2];
    var size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
    var box = document.createElement("div");
    el("span", String(n), null, box);
    var marker = L.marker([+cell[0], +cell[1]], {
      icon: L.divIcon({html: box, className: "marker-cluster marker-cluster-" + size + " rr-cell",
                       iconSize: L.point(40, 40)}),
      keyboard: false, title: String(n)
    });
    marker.on("click", function () { map.setView(marker.getLatLng(), Math.min(18, map.getZoom() + 2)); });
    cellLayer.addLayer(marker);
  }

  /* ---- timeline: events per day, month or year of the data, above the time range ---- */
  // Days for up to two months of data, months for up to three years, years beyond.
  function timeBins() {
    var span = data.maxDay - data.minDay;
    var first = new Date(data.minDay * DAY_MS);
    var unit = span <= 62 ? "day" : span <= 3 * 366 ? "month" : "year";
    var y0 = first.getUTCFullYear(), m0 = first.getUTCMonth();
    function index(day) {
      if (unit === "day") { return day - data.minDay; }
      var d = new Date(day * DAY_MS);
      var years = d.getUTCFullYear() - y0;
      return unit === "month" ? years * 12 + d.getUTCMonth() - m0 : years;
    }
    function start(b) {  // first day of bin b
      if (unit === "day") { return data.minDay + b; }
      var ms = unit === "month" ? Date.UTC(y0, m0 + b, 1) : Date.UTC(y0 + b, 0, 1);
      return Math.round(ms / DAY_MS);
    }
    return {unit: unit, index: index, start: start, count: index(data.maxDay) + 1};
  }
  // The bars depend on topics and province only; a new time range just recolours them.
  function countTimeline() {
    var filter = state.cat.join(",") + "|" + state.prov;
    if (filter === timelineFilter) { drawTimeline(); return; }
    timelineFilter = filter;
    var counts = [];
    for (var b = 0; b < bins.count; b++) { counts.push(0); }
    for (var i = 0; i < data.count; i++) {
      if (binOf[i] >= 0 && passesTopicAndPlace(i)) { counts[binOf[i]] += 1; }
    }
    ui.timeline.setAttribute("data-counts", JSON.stringify(counts));
    timelineCounts = counts;
    drawTimeline();
  }
  function drawTimeline() {
    var canvas = ui.timeline, context = canvas.getContext("2d");
    var width = canvas.width, height = canvas.height, n = timelineCounts.length;
    var most = Math.max.apply(null, timelineCounts.concat([1]));
    var from = +ui.from.value, to = +ui.to.value, barWidth = width / n;
    context.clearRect(0, 0, width, height);
    for (var b = 0; b < n; b++) {
      if (!timelineCounts[b]) { continue; }
      var inRange = bins.start(b + 1) - 1 >= from && bins.start(b) <= to;
      context.fillStyle = inRange ? "#2a6f97" : "#c8c8c8";
      var barHeight = Math.max(1, Math.round(timelineCounts[b] / most * (height - 2)));
      var gap = barWidth > 4 ? 1 : 0;
      context.fillRect(b * barWidth + gap, height - barHeight, Math.max(1, barWidth - gap), barHeight);
    }
  }
  // A bar clicked: only its period; the same bar again: the whole time range.
  function pickTimelineBar(event) {
    var box = ui.timeline.getBoundingClientRect();
    var b = Math.min(bins.count - 1, Math.max(0, Math.floor((event.clientX - box.left) / box.width * bins.count)));
    var from = Math.max(data.minDay, bins.start(b)), to = Math.min(data.maxDay, bins.start(b + 1) - 1);
    if (+ui.from.value === from && +ui.to.value === to) { from = data.minDay; to = data.maxDay; }
    ui.from.value = String(from);
    ui.to.value = String(to);
    state.from = from;
    state.to = to;
    showTimeLabels(); redraw(); writeState();
  }

  function drawEvents() {
    var points = [];
    var areaGroups = {};
    visible.forEach(function (i) {
      if (markers[i]) { points.push(markers[i]); return; }
      var key = data.columns.prec[i] + "|" + data.columns.place[i] + "|" + data.columns.lat[i] + "|" + data.columns.lon[i];
      (areaGroups[key] = areaGroups[key] || []).push(i);
    });
    areaLayer.clearLayers();
    Object.keys(areaGroups).forEach(function (key) {
      var members = areaGroups[key];
      var first = members[0];
      var precision = data.precisions[data.columns.prec[first]];
      var circle = L.circle([data.columns.lat[first], data.columns.lon[first]], {
        radius: AREA_RADIUS_M[precision] || 9000, color: colour(data.columns.cat[first]),
        weight: 2, dashArray: "6 6", fillOpacity: 0.08, className: "rr-area"
      });
      circle.on("click", function (e) { showAreaPopup(members, precision, e.latlng); });
      areaLayer.addLayer(circle);
    });
    cluster.clearLayers();
    cluster.addLayers(points);
    if (!points.length) { markReady(); }
  }

  function drawSymbols() {
    var col = data.columns;
    var counts = {};
    var skipped = 0;
    visible.forEach(function (i) {
      var key;
      if (state.level === "province") {
        key = col.prov[i] < 0 ? null : data.provinces[col.prov[i]];
      } else {
        key = col.mun[i] < 0 ? null : data.municipalities[col.mun[i]];
      }
      if (key === null) { skipped++; return; }
      counts[key] = (counts[key] || 0) + 1;
    });
    // An area the areas table does not know sits at the mean of its events.
    var placed = {};
    data.areas.forEach(function (a) { if (a.level === state.level) { placed[a.key] = true; } });
    var sums = {};
    visible.forEach(function (i) {
      var key = state.level === "province" ? data.provinces[col.prov[i]] : data.municipalities[col.mun[i]];
      if (!key || placed[key]) { return; }
      var sum = sums[key] = sums[key] || {lat: 0, lon: 0, n: 0};
      sum.lat += col.lat[i]; sum.lon += col.lon[i]; sum.n += 1;
    });
    drawSymbolsFrom(counts, skipped, sums);
  }
  // Proportional symbols for events per area (`counts`); `sums` place the areas that the
  // areas table does not know (a large dataset leaves them out).
  function drawSymbolsFrom(counts, skipped, sums) {
    symbolLayer.clearLayers();
    var rows = data.areas.filter(function (a) { return a.level === state.level && counts[a.key]; });
    Object.keys(sums).forEach(function (key) {
      rows.push({key: key, name: key.split("|").pop(), lat: sums[key].lat / sums[key].n,
                 lon: sums[key].lon / sums[key].n, population: null});
    });
    var values = rows.map(function (a) {
      if (!state.per) { return counts[a.key]; }
      return a.population ? counts[a.key] * 100000 / a.population : null;
    });
    var max = Math.max.apply(null, values.filter(function (v) { return v !== null; }).concat([1e-9]));
    rows.forEach(function (a, k) {
      var value = values[k];
      var known = value !== null;
      var radius = known ? 4 + 26 * Math.sqrt(value / max) : 6;
      var symbol = L.circleMarker([a.lat, a.lon], {
        radius: radius, color: known ? "#8e2a12" : "#777", weight: 1,
        fillColor: known ? "#d9531e" : "#ffffff", fillOpacity: known ? 0.55 : 0.2,
        className: "rr-symbol"
      });
      var tip = document.createElement("div");
      el("strong", a.name, null, tip);
      el("div", counts[a.key] + " " + t("events"), null, tip);
      if (state.per) {
        el("div", known ? value.toFixed(1) + " " + t("perHundredK") : t("noPopulation"), null, tip);
      }
      symbol.bindTooltip(tip);
      symbolLayer.addLayer(symbol);
    });
    ui.symbolNote.textContent = skipped && state.level === "municipality"
      ? fill(t("withoutMunicipality"), {n: skipped}) : "";
    drawSizeLegend(rows.length ? max : 0);
  }

  // (issue 19) What the circle sizes mean: the largest value and two smaller ones, drawn with
  // the same radius formula as the symbols.
  function drawSizeLegend(max) {
    var box = ui.sizeLegend;
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (!max) { return; }
    el("div", t("sizeLegend"), "rr-size-title", box);
    var seen = {};
    [max, max / 4, max / 16].forEach(function (value) {
      var label = state.per ? value.toFixed(1) : String(Math.round(value));
      if (seen[label] || (!state.per && Math.round(value) < 1)) { return; }
      seen[label] = true;
      var shown = state.per ? value : Math.round(value);
      var radius = 4 + 26 * Math.sqrt(shown / max);
      var row = el("div", null, "rr-size-row", box);
      var cell = el("span", null, "rr-size-cell", row);
      var circle = el("span", null, "rr-size-circle", cell);
      circle.style.width = circle.style.height = (2 * radius) + "px";
      el("span", label + " " + (state.per ? t("perHundredK") : t("events")), "rr-size-value", row);
    });
  }

  /* ---- popups: text fetched on demand, built from text nodes ---- */
  window.romareactDetails = function (number, list) {
    chunks[number] = list;
    (waiting[number] || []).forEach(function (callback) { callback(); });
    delete waiting[number];
  };
  function withDetails(i, callback) {
    if (tiled) {
      var id = data.ids[i];
      if (details[id]) { callback(details[id]); return; }
      fetch(cfg.dataBase + "event/" + encodeURIComponent(id) + ".json")
        .then(function (response) { return response.ok ? response.json() : {id: id}; })
        .then(function (ev) { details[id] = ev; callback(ev); });
      return;
    }
    var number = Math.floor(i / data.chunk);
    if (chunks[number]) { callback(chunks[number][i % data.chunk]); return; }
    var first = !waiting[number];
    (waiting[number] = waiting[number] || []).push(function () {
      callback(chunks[number][i % data.chunk]);
    });
    if (first) {
      var script = document.createElement("script");
      script.src = cfg.dataBase + "details/" + number + ".js";
      document.head.appendChild(script);
    }
  }
  function eventBox(ev, parent) {
    var box = el("div", null, "romareact-popup", parent);
    el("strong", ev.title || t("untitled"), "rr-title", box);
    var where = [ev.date, ev.neighbourhood, ev.place, ev.municipality, ev.province]
      .filter(function (x, k, all) { return x && all.indexOf(x) === k; });
    el("div", where.join(" · "), "meta", box);
    if (ev.category) { el("div", categoryLabel(ev.category), "rr-category", box); }
    if (ev.excerpt) { el("p", ev.excerpt, null, box); }
    if (ev.sensitive) { el("div", t("sensitive"), "status", box); }
    if (ev.review_status === "unreviewed") { el("div", t("unreviewed"), "status", box); }
    var sources = (ev.sources || []).filter(function (s) { return /^https?:\/\//.test(s.url || ""); });
    if (sources.length) { el("div", sources.length > 1 ? t("sources") : t("source"), "meta", box); }
    sources.forEach(function (s) {
      var link = el("a", s.name || s.url, null, box);
      link.href = s.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      box.appendChild(document.createElement("br"));
    });
    return box;
  }
  // Popups open at once with "loading…" and fill in when their chunk arrives; Leaflet sizes a
  // popup only when it opens, so each filled popup is laid out again (popup.update()).
  // They fit the map on a phone, scrolling inside rather than running off the screen, and the
  // map pans them clear of the panel: beside it on a desktop, below it on a phone.
  function popupOptions(width) {
    var size = map.getSize();
    var top = 10, right = 10;
    var overlay = state.embed ? ui.embedBar : ui.panel;
    if (overlay && overlay.offsetWidth) {
      if (overlay.offsetWidth > size.x / 2 || overlay.offsetHeight < 120) { top += overlay.offsetHeight + 10; }
      else { right += overlay.offsetWidth + 10; }
    }
    return {
      maxWidth: Math.min(width, size.x - 70), maxHeight: Math.max(150, size.y - top - 90),
      autoPanPaddingTopLeft: L.point(10, top), autoPanPaddingBottomRight: L.point(right, 10)
    };
  }
  function showPopup(i, latlng) {
    var holder = el("div", t("loading"), "romareact-popup-holder");
    var popup = L.popup(popupOptions(320)).setLatLng(latlng).setContent(holder).openOn(map);
    withDetails(i, function (ev) { holder.textContent = ""; eventBox(ev, holder); popup.update(); });
  }
  function showAreaPopup(members, precision, latlng) {
    var holder = document.createElement("div");
    el("div", fill(t("areaEvents"), {n: members.length, level: t("precision")[precision]}), "meta", holder);
    var list = el("div", null, "rr-area-list", holder);
    if (members.length > 20) { el("div", fill(t("andMore"), {n: members.length - 20}), "meta", holder); }
    var options = popupOptions(340);
    options.maxHeight = Math.min(options.maxHeight, 320);
    var popup = L.popup(options).setLatLng(latlng).setContent(holder).openOn(map);
    members.slice(0, 20).forEach(function (i) {
      withDetails(i, function (ev) { eventBox(ev, list); popup.update(); });
    });
  }

  /* ---- building the markers once ---- */
  function buildMarkers() {
    var col = data.columns;
    var icons = {};
    function icon(prec, cat) {
      var key = prec + ":" + cat;
      if (!icons[key]) {
        var html = '<span style="background:' + colour(cat) + '"></span>';
        icons[key] = L.divIcon({className: "rr-point rr-" + data.precisions[prec], html: html,
                                iconSize: [14, 14]});
      }
      return icons[key];
    }
    for (var i = 0; i < data.count; i++) {
      var precision = data.precisions[col.prec[i]];
      if (precision === "municipality" || precision === "province") { markers.push(null); continue; }
      var marker = L.marker([col.lat[i], col.lon[i]], {icon: icon(col.prec[i], col.cat[i]),
                                                      keyboard: false});
      marker.on("click", (function (index) {
        return function (e) { showPopup(index, e.latlng); };
      })(i));
      markers.push(marker);
    }
  }

  var readyMarked = false;
  function markReady() {
    if (readyMarked) { return; }
    readyMarked = true;
    window.romareactReadyAt = performance.now();
    document.documentElement.setAttribute("data-ready", "1");
  }

  /* ---- the panel ---- */
  // A visible label that screen readers also announce for its control (`forId`), or that names
  // a group of controls (the group gets aria-labelledby).
  function labelled(parent, key, forId) {
    var label = el("label", null, "rr-label", parent);
    label.setAttribute("data-text", key);
    label.id = "rr-label-" + key;
    if (forId) { label.htmlFor = forId; }
    return label;
  }
  function group(node, key) {
    node.setAttribute("role", "group");
    node.setAttribute("aria-labelledby", "rr-label-" + key);
  }
  function buildPanel() {
    var panel = document.getElementById("rr-panel");
    ui.panel = panel;
    var head = el("div", null, "rr-head", panel);
    ui.title = el("strong", "", null, head);
    ui.title.setAttribute("data-text", "title");
    ui.lang = el("button", "", "rr-lang", head);
    ui.lang.type = "button";
    ui.lang.id = "rr-lang";
    ui.lang.addEventListener("click", function () {
      state.lang = state.lang === "bg" ? "en" : "bg";
      relabel(); redraw(); writeState();
    });
    ui.toggle = el("button", "", "rr-toggle", head);
    ui.toggle.type = "button";
    ui.toggle.id = "rr-toggle";
    ui.toggle.setAttribute("aria-expanded", "true");
    ui.toggle.addEventListener("click", function () { collapsePanel(!panel.classList.contains("rr-collapsed")); });
    ui.count = el("div", "", "rr-count", panel);
    ui.count.id = "rr-count";
    ui.count.setAttribute("aria-live", "polite");  // filtering announces the new count

    labelled(panel, "search", "rr-search");
    ui.search = el("input", null, "rr-search", panel);
    ui.search.id = "rr-search";
    ui.search.setAttribute("list", "rr-places");
    var list = el("datalist", null, null, panel);
    list.id = "rr-places";
    data.places.concat(data.provinces).forEach(function (name) {
      var option = el("option", null, null, list);
      option.value = name;
      option.label = latin(name);  // so that typing "Sliv…" suggests Сливен too
    });
    ui.search.addEventListener("change", function () { findPlace(ui.search.value); });
    ui.searchNote = el("div", "", "meta rr-search-note", panel);
    ui.searchNote.id = "rr-search-note";
    ui.searchNote.setAttribute("aria-live", "polite");

    labelled(panel, "categories");
    ui.cats = el("div", null, "rr-cats", panel);
    group(ui.cats, "categories");
    data.categories.forEach(function (c, k) {
      var row = el("label", null, "rr-cat", ui.cats);
      var box = el("input", null, null, row);
      box.type = "checkbox";
      box.setAttribute("value", c[0]);
      box.addEventListener("change", function () {
        state.cat = Array.prototype.filter.call(ui.cats.querySelectorAll("input:checked"),
          function () { return true; }).map(function (b) { return b.value; });
        redraw(); writeState();
      });
      el("span", null, "rr-swatch", row).style.background = colour(k);
      el("span", "", "rr-cat-name", row).setAttribute("data-category", c[0]);
    });

    labelled(panel, "province", "rr-prov");
    ui.prov = el("select", null, "rr-prov", panel);
    ui.prov.id = "rr-prov";
    el("option", "", null, ui.prov).value = "";
    data.provinces.slice().sort().forEach(function (p) { el("option", p, null, ui.prov).value = p; });
    ui.prov.addEventListener("change", function () {
      state.prov = ui.prov.value;
      redraw(); writeState();
      if (state.prov) { zoomToProvince(state.prov); } else { fitBulgaria(); }  // issue 19
    });

    var time = el("div", null, "rr-time", panel);
    ui.timeline = el("canvas", null, "rr-timeline", time);
    ui.timeline.id = "rr-timeline";
    ui.timeline.width = 250;
    ui.timeline.height = 36;
    ui.timeline.setAttribute("role", "img");
    ui.timeline.addEventListener("click", pickTimelineBar);
    ui.fromLabel = el("label", "", "rr-time-label", time);
    ui.fromLabel.htmlFor = "rr-from";
    ui.from = el("input", null, null, time);
    ui.from.id = "rr-from";
    ui.toLabel = el("label", "", "rr-time-label", time);
    ui.toLabel.htmlFor = "rr-to";
    ui.to = el("input", null, null, time);
    ui.to.id = "rr-to";
    [ui.from, ui.to].forEach(function (input) {
      input.type = "range";
      input.min = String(data.minDay);
      input.max = String(data.maxDay);
      input.step = "1";
      var timer = null;
      input.addEventListener("input", function () {
        var a = +ui.from.value, b = +ui.to.value;
        if (a > b) { if (input === ui.from) { ui.to.value = String(a); } else { ui.from.value = String(b); } }
        state.from = +ui.from.value;
        state.to = +ui.to.value;
        showTimeLabels();
        drawTimeline();
        clearTimeout(timer);
        timer = setTimeout(function () { redraw(); writeState(); }, 150);
      });
    });

    labelled(panel, "view");
    var views = el("div", null, "rr-views", panel);
    group(views, "view");
    ui.views = {};
    ["events", "areas"].forEach(function (v) {
      var row = el("label", null, null, views);
      var radio = el("input", null, null, row);
      radio.type = "radio"; radio.name = "rr-view"; radio.value = v; radio.id = "rr-view-" + v;
      radio.addEventListener("change", function () { state.view = v; syncControls(); redraw(); writeState(); });
      el("span", "", null, row).setAttribute("data-text", v === "events" ? "viewEvents" : "viewAreas");
      ui.views[v] = radio;
    });
    ui.areaOptions = el("div", null, "rr-area-options", panel);
    ui.level = el("select", null, null, ui.areaOptions);
    ui.level.id = "rr-level";
    ["province", "municipality"].forEach(function (level) {
      var option = el("option", "", null, ui.level);
      option.value = level;
      option.setAttribute("data-text", level === "province" ? "levelProvince" : "levelMunicipality");
    });
    ui.level.addEventListener("change", function () { state.level = ui.level.value; redraw(); writeState(); });
    var perRow = el("label", null, null, ui.areaOptions);
    ui.per = el("input", null, null, perRow);
    ui.per.type = "checkbox"; ui.per.id = "rr-per";
    ui.per.addEventListener("change", function () { state.per = ui.per.checked; redraw(); writeState(); });
    el("span", "", null, perRow).setAttribute("data-text", "perCapita");
    ui.symbolNote = el("div", "", "meta", ui.areaOptions);
    ui.sizeLegend = el("div", null, "rr-size-legend", ui.areaOptions);  // issue 19

    var legend = el("details", null, "rr-legend", panel);
    legend.open = true;
    el("summary", "", null, legend).setAttribute("data-text", "legend");
    [["rr-point rr-settlement", "legendSettlement"], ["rr-point rr-neighbourhood", "legendNeighbourhood"],
     ["rr-legend-area", "legendArea"], ["rr-legend-sensitive", "legendSensitive"]].forEach(function (row) {
      var line = el("div", null, "rr-legend-row", legend);
      var sample = el("span", null, row[0] + " rr-legend-sample", line);
      if (row[0].indexOf("rr-point") === 0) { el("span", null, null, sample).style.background = NO_CATEGORY_COLOUR; }
      el("span", "", null, line).setAttribute("data-text", row[1]);
    });

    var share = el("details", null, "rr-share", panel);
    el("summary", "", null, share).setAttribute("data-text", "share");
    ui.link = el("input", null, "rr-link", share);
    ui.link.readOnly = true; ui.link.id = "rr-link";
    ui.link.setAttribute("aria-labelledby", "rr-label-share");
    share.firstChild.id = "rr-label-share";
    var embedHelp = el("label", "", "meta", share);
    embedHelp.setAttribute("data-text", "embedHelp");
    embedHelp.htmlFor = "rr-embed-code";
    ui.embed = el("textarea", null, "rr-embed-code", share);
    ui.embed.readOnly = true; ui.embed.rows = 3; ui.embed.id = "rr-embed-code";
    ui.copy = el("button", "", null, share);
    ui.copy.type = "button";
    ui.copy.setAttribute("data-text", "copy");
    ui.copy.addEventListener("click", function () {
      ui.embed.select();
      var done = function () { ui.copy.textContent = t("copied"); };
      if (navigator.clipboard) { navigator.clipboard.writeText(ui.embed.value).then(done, function () {}); }
      else { document.execCommand("copy"); done(); }
    });

    ui.links = el("div", null, "rr-links", panel);

    ui.embedBar = document.getElementById("rr-embed-bar");
    ui.embedCount = ui.embedBar && ui.embedBar.querySelector(".rr-embed-count");
  }

  function collapsePanel(collapsed) {
    ui.panel.classList.toggle("rr-collapsed", collapsed);
    ui.toggle.setAttribute("aria-expanded", String(!collapsed));
    ui.toggle.textContent = collapsed ? t("showFilters") : t("hideFilters");
  }

  // On a narrow screen the attribution wraps across the whole bottom edge and would cover the
  // scale; lift the bottom-left corner above it when they meet.
  function clearBottomCorners() {
    var attribution = document.querySelector(".leaflet-control-attribution");
    var scale = document.querySelector(".leaflet-control-scale");
    var corner = document.querySelector(".leaflet-bottom.leaflet-left");
    if (!attribution || !scale || !corner) { return; }
    corner.style.bottom = "";
    var a = attribution.getBoundingClientRect(), s = scale.getBoundingClientRect();
    if (a.left < s.right && s.bottom > a.top) { corner.style.bottom = Math.ceil(a.height) + "px"; }
  }

  function relabel() {
    document.documentElement.lang = state.lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (node) {
      node.textContent = t(node.getAttribute("data-text"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-category]"), function (node) {
      node.textContent = categoryLabel(node.getAttribute("data-category"));
    });
    ui.prov.options[0].textContent = t("allProvinces");
    ui.lang.textContent = state.lang === "bg" ? "EN" : "БГ";
    // (issue 19) The name starts with the visible text (WCAG 2.5.3, label in name).
    ui.lang.setAttribute("aria-label", state.lang === "bg" ? "EN — English" : "БГ — Български");
    ui.lang.setAttribute("lang", state.lang === "bg" ? "en" : "bg");
    ui.level.setAttribute("aria-label", t("level"));
    collapsePanel(ui.panel.classList.contains("rr-collapsed"));
    ui.search.placeholder = t("searchPlaceholder");
    ui.searchNote.textContent = "";
    ui.timeline.setAttribute("aria-label", t("timeline")[bins.unit]);
    ui.timeline.title = t("timeline")[bins.unit] + " (" + t("timelineHelp") + ")";
    showTimeLabels();
    var attribution = document.getElementById("rr-news-attribution");
    if (attribution) { attribution.textContent = t("attribution"); }
    clearBottomCorners();
  }
  function showTimeLabels() {
    ui.fromLabel.textContent = t("from") + ": " + dayToIso(+ui.from.value);
    ui.toLabel.textContent = t("to") + ": " + dayToIso(+ui.to.value);
    // Screen readers would otherwise read the day number since 1970.
    ui.from.setAttribute("aria-valuetext", dayToIso(+ui.from.value));
    ui.to.setAttribute("aria-valuetext", dayToIso(+ui.to.value));
  }
  function syncControls() {
    Array.prototype.forEach.call(ui.cats.querySelectorAll("input"), function (box) {
      box.checked = state.cat.indexOf(box.value) >= 0;
    });
    ui.prov.value = state.prov;
    ui.from.value = String(state.from === null ? data.minDay : state.from);
    ui.to.value = String(state.to === null ? data.maxDay : state.to);
    ui.views[state.view].checked = true;
    ui.areaOptions.style.display = state.view === "areas" ? "" : "none";
    ui.level.value = state.level;
    ui.per.checked = state.per;
    document.body.classList.toggle("rr-embed", state.embed);
  }

  /* ---- links that follow the view: share, embed, exports ---- */
  function pageUrl() { return location.href.split("#")[0]; }
  function updateShare() {
    if (!ui.link) { return; }
    var full = pageUrl() + "#" + stateParams(true).toString();
    ui.link.value = full;
    var embedParams = stateParams(true);
    embedParams.set("embed", "1");
    ui.embed.value = '<iframe src="' + (pageUrl() + "#" + embedParams.toString()).replace(/"/g, "%22") +
      '" width="100%" height="480" style="border:0" loading="lazy" title="romareact"></iframe>';
    if (ui.embedBar) {
      var open = ui.embedBar.querySelector("a");
      var fullParams = stateParams(true);
      fullParams.delete("embed");
      open.href = pageUrl() + "#" + fullParams.toString();
      open.textContent = t("openFull");
    }
  }
  function filterQuery(style) {
    var p = new URLSearchParams();
    if (style === "datasette") {
      if (state.cat.length === 1) { p.set("category__exact", state.cat[0]); }
      if (state.cat.length > 1) { p.set("category__in", state.cat.join(",")); }
      if (state.prov) { p.set("province__exact", state.prov); }
      if (state.from !== null && state.from > data.minDay) { p.set("date__gte", dayToIso(state.from)); }
      if (state.to !== null && state.to < data.maxDay) { p.set("date__lte", dayToIso(state.to)); }
    } else {
      if (state.cat.length) { p.set("category", state.cat.join(",")); }
      if (state.prov) { p.set("province", state.prov); }
      if (state.from !== null && state.from > data.minDay) { p.set("from", dayToIso(state.from)); }
      if (state.to !== null && state.to < data.maxDay) { p.set("to", dayToIso(state.to)); }
    }
    var q = p.toString();
    return q ? "?" + q : "";
  }
  function updateLinks() {
    ui.links.textContent = "";
    function link(key, href) {
      var a = el("a", t(key), null, ui.links);
      a.href = href;
      ui.links.appendChild(document.createTextNode(" "));
    }
    if (cfg.geojsonUrl) { link("geojson", cfg.geojsonUrl + (cfg.live ? filterQuery("map") : "")); }
    if (cfg.tableUrl) {
      link("dataset", cfg.tableUrl + filterQuery("datasette"));
      link("csv", cfg.tableUrl + ".csv" + filterQuery("datasette") + (filterQuery("datasette") ? "&" : "?") + "_size=max");
    }
    if (cfg.feedUrl) {
      var feed = new URLSearchParams();
      if (state.prov) { feed.set("province", state.prov); }
      if (state.cat.length === 1) { feed.set("category", state.cat[0]); }
      link("feed", cfg.feedUrl + (feed.toString() ? "?" + feed.toString() : ""));
    }
  }

  /* ---- search and zoom ---- */
  function zoomToProvince(name) {
    var area = data.areas.filter(function (a) { return a.level === "province" && a.name === name; })[0];
    // Without animation: the redraw that follows a province change could stop a pan halfway.
    if (area) { map.setView([area.lat, area.lon], 9, {animate: false}); }
  }
  // (issue 19) All of Bulgaria, beside the panel when it sits at the side; below its head on a
  // phone, where the panel is collapsed and as wide as the screen (its width is no padding).
  function fitBulgaria() {
    var panel = ui.panel, size = map.getSize();
    var side = !panel.classList.contains("rr-collapsed") && panel.offsetWidth < size.x / 2;
    map.fitBounds(BULGARIA_BOUNDS, side ? {paddingBottomRight: [panel.offsetWidth + 20, 0]}
      : {paddingTopLeft: [0, Math.min(panel.offsetHeight + 10, size.y / 3)]});
  }
  // Bulgaria's official transliteration (2009), which also gives the English names of places:
  // "ъ" is "a", "щ" is "sht", and "-ия" ending a word is "ia" (София: Sofia).
  var LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht",
    "ъ": "a", "ь": "y", "ю": "yu", "я": "ya"
  };
  function latin(name) {
    var lower = name.toLowerCase().replace(/ия(?=$|[^а-я])/g, "ia");
    var out = "";
    for (var k = 0; k < lower.length; k++) {
      var c = lower.charAt(k);
      out += LATIN.hasOwnProperty(c) ? LATIN[c] : c;
    }
    return out.replace(/(^|[\s-])([a-z])/g, function (m, gap, first) { return gap + first.toUpperCase(); });
  }
  // Typed in either script, any case, spaces and dashes aside.
  function placeKey(name) { return latin(name).toLowerCase().replace(/[\s.-]+/g, ""); }

  // Every event at a place of that name (namesakes in different provinces included) comes into
  // view; a province name zooms to the province. Anything else says so, rather than doing nothing.
  function findPlace(name) {
    name = (name || "").trim();
    ui.searchNote.textContent = "";
    if (!name) { return; }
    var key = placeKey(name);
    var names = [];
    data.places.forEach(function (place, index) { if (placeKey(place) === key) { names.push(index); } });
    if (tiled) { findPlaceTiled(name, key, names); return; }
    var points = [];
    for (var i = 0; i < data.count && names.length; i++) {
      if (names.indexOf(data.columns.place[i]) >= 0) { points.push([data.columns.lat[i], data.columns.lon[i]]); }
    }
    if (points.length) { fitPlaces(points); return; }
    notAPlace(name, key);
  }
  function notAPlace(name, key) {
    var province = data.provinces.filter(function (p) { return placeKey(p) === key; })[0];
    if (province) { zoomToProvince(province); return; }
    ui.searchNote.textContent = fill(t("placeNotFound"), {name: name});
  }
  function fitPlaces(points) {
    var panelWidth = ui.panel.offsetWidth < map.getSize().x / 2 ? ui.panel.offsetWidth : 0;
    map.fitBounds(L.latLngBounds(points),
      {maxZoom: 12, paddingTopLeft: [40, 40], paddingBottomRight: [panelWidth + 40, 40]});
  }
  // A large dataset: the server knows where the events of those places are.
  function findPlaceTiled(name, key, names) {
    if (!names.length) { notAPlace(name, key); return; }
    var query = names.map(function (index) { return "name=" + encodeURIComponent(data.places[index]); });
    ask("place", cfg.dataBase + "place.json?" + query.join("&"), function (answer) {
      if (answer.bounds) { fitPlaces(answer.bounds); } else { notAPlace(name, key); }
    });
  }

  /* ---- start ---- */
  window.romareactMarkers = function (payload) {
    data = payload;
    tiled = !!data.tiled;
    var today = Math.floor(Date.now() / DAY_MS);
    if (tiled) {
      data.total = data.count;
      data.count = 0;
      data.columns = {lat: [], lon: [], day: [], cat: [], prov: [], mun: [], place: [], prec: [], sens: []};
      if (data.minDay === null) { data.minDay = data.maxDay = today; }
    } else {
      var days = data.columns.day.filter(function (d) { return d !== null; });
      data.minDay = days.length ? minMax(days)[0] : today;
      data.maxDay = days.length ? minMax(days)[1] : today;
    }
    bins = timeBins();
    binOf = data.columns.day.map(function (day) { return day === null ? -1 : bins.index(day); });
    state = readState();
    buildPanel();
    // Small screens start with the map, the filters one tap away.
    if (window.innerWidth < 700) { ui.panel.classList.add("rr-collapsed"); }
    buildMarkers();
    cluster.options.chunkProgress = function (processed, total) {
      if (processed >= total) { markReady(); }
    };
    syncControls();
    if (state.mapView) { map.setView([state.mapView.lat, state.mapView.lon], state.mapView.zoom); }
    else if (state.prov) { zoomToProvince(state.prov); }
    else { fitBulgaria(); }
    relabel();
    redraw();
    updateShare();
    map.on("moveend", writeState);
    // A large dataset: a new view asks for what is in it.
    map.on("moveend", function () { if (tiled && state.view === "events") { askView(); } });
    map.on("resize", clearBottomCorners);
    window.addEventListener("hashchange", function () {
      if (location.hash === "#" + stateParams(true).toString()) { return; }
      state = readState();
      if (state.mapView) { map.setView([state.mapView.lat, state.mapView.lon], state.mapView.zoom); }
      else if (state.prov) { zoomToProvince(state.prov); }
      syncControls(); relabel(); redraw();
    });
  };
  function minMax(values) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < values.length; i++) { if (values[i] < lo) { lo = values[i]; } if (values[i] > hi) { hi = values[i]; } }
    return [lo, hi];
  }

  var script = document.createElement("script");
  script.src = cfg.dataBase + "markers.js";
  document.head.appendChild(script);
})();
