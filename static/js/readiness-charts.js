// Readiness charts (Chart.js, vendored). Data comes from json_script blocks: no inline script (CSP).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  const palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const trend = readJson("trend-data");
  const trendCanvas = document.getElementById("readiness-trend");
  if (trend && trendCanvas) {
    new Chart(trendCanvas, {
      type: "line",
      data: {
        labels: trend.labels,
        // Each line's readiness, and its readiness confirmed as a second, dashed line of the same colour.
        datasets: trend.series.map(function (series, index) {
          const colour = palette[(series.line === undefined ? index : series.line) % palette.length];
          return { label: series.label, data: series.data, borderColor: colour, backgroundColor: colour,
                   borderDash: series.confirmed ? [6, 4] : [], pointRadius: 0,
                   borderWidth: series.confirmed ? 1.5 : 2, spanGaps: true, stepped: true };
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
                  x: { ticks: { maxTicksLimit: 10 } } },
      },
    });
  }

  const sparklines = readJson("sparkline-data");
  if (sparklines) {
    document.querySelectorAll("canvas[data-sparkline]").forEach(function (canvas) {
      const values = sparklines[canvas.dataset.sparkline] || [];
      new Chart(canvas, {
        type: "line",
        data: { labels: values.map(function (_v, i) { return i; }),
                datasets: [{ data: values, borderColor: palette[0], pointRadius: 0, borderWidth: 2, spanGaps: true }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   plugins: { legend: { display: false }, tooltip: { enabled: false } },
                   scales: { x: { display: false }, y: { display: false, min: 0, max: 100 } } },
      });
    });
  }
})();
