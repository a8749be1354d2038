/* The published site's only script: draws the charts from the JSON beside them (the data tables
   stay as the fallback), and filters and sorts the claim table. Nothing is fetched. */
(function () {
  "use strict";
  var NARROW = 700;  // px: below this, charts marked data-narrow="table" show their table instead
  var DARK = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var drawn = [];  // [box, the figure's own layout]: drawn again in the other template when the mode changes

  function template() {
    // The published figures leave their template out: it comes once, in front of this script.
    if (DARK && DARK.matches && typeof SITE_CHART_TEMPLATE_DARK !== "undefined") { return SITE_CHART_TEMPLATE_DARK; }
    return typeof SITE_CHART_TEMPLATE !== "undefined" ? SITE_CHART_TEMPLATE : undefined;
  }

  function drawCharts() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-figure"));
      if (!source) { return; }
      var table = box.parentElement.querySelector("details.chart-data");
      if (box.getAttribute("data-narrow") === "table" && window.innerWidth < NARROW && table) {
        // A chart with a row per claim cannot be read on a phone: its table is shown instead.
        box.textContent = "On a narrow screen this chart is shown as its table:";
        box.setAttribute("data-drawn", "table");
        return;
      }
      var figure = JSON.parse(source.textContent);
      var layout = figure.layout || {};
      var own = !!layout.template;
      if (!own) { layout.template = template(); }
      box.textContent = "";
      Plotly.newPlot(box, figure.data || [], layout,
        { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["toImage"] });
      box.setAttribute("data-drawn", "true");
      if (!own) { drawn.push(box); }
      if (table) { table.removeAttribute("open"); }
    });
  }

  function sortKey(cell) {
    var value = cell.getAttribute("data-v");
    if (value === null) { value = cell.textContent.trim(); }
    var number = Number(value);
    return value !== "" && !isNaN(number) ? number : value.toLowerCase();
  }

  function setUpTable(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var controls = document.querySelector('[data-controls="' + table.id + '"]');
    var count = document.querySelector('[data-count="' + table.id + '"]');
    function apply() {
      var text = controls.querySelector("input").value.trim().toLowerCase();
      var picks = {};
      controls.querySelectorAll("select").forEach(function (s) { picks[s.name] = s.value; });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !text || row.textContent.toLowerCase().indexOf(text) >= 0;
        Object.keys(picks).forEach(function (name) {
          var want = picks[name];
          if (ok && want) { ok = (row.getAttribute("data-" + name) || "").split("|").indexOf(want) >= 0; }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + rows.length + " claims shown"; }
    }
    if (controls) {
      controls.hidden = false;
      controls.querySelectorAll("input, select").forEach(function (el) { el.addEventListener("input", apply); });
    }
    table.querySelectorAll("th button").forEach(function (button) {
      button.addEventListener("click", function () {
        var th = button.parentElement;
        var column = Array.prototype.indexOf.call(th.parentElement.children, th);
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[column]), y = sortKey(b.cells[column]);
          if (x === y) { return 0; }
          return (x < y ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function followMode() {
    drawn.forEach(function (box) { Plotly.relayout(box, { template: template() }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    if (DARK && DARK.addEventListener) { DARK.addEventListener("change", followMode); }
    document.querySelectorAll("table[data-sortable]").forEach(setUpTable);
  });
})();
