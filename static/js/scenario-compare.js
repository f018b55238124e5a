// What-if comparison charts (Chart.js, vendored): the live plan and the scenario, planned and expected
// qualified per day, the target, each side's SOP date. Data from the json_script block "compare-data"
// (templates/planning/scenarios/compare.html): no inline script (CSP).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  const node = document.getElementById("compare-data");
  if (!node) { return; }
  const payload = JSON.parse(node.textContent);
  const charts = payload.charts;
  const legend = payload.legend;
  const LIVE = "#6c757d";
  const SCENARIO = "#0d6efd";
  const TARGET = "#dc3545";
  // The days come as ISO dates; the axis and tooltips show them as the page's language writes a date (as in
  // readiness-charts.js; English pages keep ISO).
  const pageLanguage = document.documentElement.lang || "en";
  function dayLabel(iso) {
    if (typeof iso !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(iso) || pageLanguage === "en") { return iso; }
    const p = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(pageLanguage, { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" })
      .format(new Date(Date.UTC(p[0], p[1] - 1, p[2])));
  }

  // A vertical dashed line at an SOP date: one extra dataset with two points at that label.
  function sopLine(labels, day, colour, label, top) {
    const index = labels.indexOf(day);
    if (index < 0) { return null; }
    return { label: label, data: labels.map(function (_l, i) { return i === index ? top : null; }),
             type: "bar", backgroundColor: colour, barThickness: 2, order: 10 };
  }

  document.querySelectorAll("canvas[data-compare-chart]").forEach(function (canvas) {
    const data = charts[canvas.dataset.compareChart];
    if (!data) { return; }
    const all = [].concat(data.live_planned, data.scenario_planned, data.target)
      .filter(function (v) { return v !== null; });
    const top = Math.max.apply(null, all.concat([1]));
    const datasets = [
      { label: legend.live_planned, data: data.live_planned, borderColor: LIVE, backgroundColor: LIVE,
        stepped: true, pointRadius: 0, borderWidth: 2 },
      { label: legend.live_expected, data: data.live_expected, borderColor: LIVE, backgroundColor: LIVE,
        borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
      { label: legend.scenario_planned, data: data.scenario_planned, borderColor: SCENARIO,
        backgroundColor: SCENARIO, stepped: true, pointRadius: 0, borderWidth: 2 },
      { label: legend.scenario_expected, data: data.scenario_expected, borderColor: SCENARIO,
        backgroundColor: SCENARIO, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
      { label: legend.target, data: data.target, borderColor: TARGET, backgroundColor: TARGET,
        borderDash: [2, 3], pointRadius: 0, borderWidth: 1, stepped: true },
    ];
    const liveSop = data.live_sop ? sopLine(data.labels, data.live_sop, LIVE, legend.live_sop, top) : null;
    if (liveSop) { datasets.push(liveSop); }
    if (data.scenario_sop && data.scenario_sop !== data.live_sop) {
      const moved = sopLine(data.labels, data.scenario_sop, SCENARIO, legend.scenario_sop, top);
      if (moved) { datasets.push(moved); }
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, spanGaps: false,
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? dayLabel(items[0].label) : ""; } } } },
        scales: { y: { min: 0, suggestedMax: top },
                  x: { ticks: { maxTicksLimit: 10, callback: function (value) { return dayLabel(this.getLabelForValue(value)); } } } },
      },
    });
  });
})();
