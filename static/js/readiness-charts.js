// Readiness charts (Chart.js, vendored). Data comes from json_script blocks: no inline script (CSP).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  const palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];

  // The charts' days come as ISO dates (the data's keys); an axis or tooltip shows them as the page's language
  // writes a date (de 01.12.2026, hu 2026. 12. 01., es 01/12/2026, zh 2026/12/01; English pages keep ISO).
  const pageLanguage = document.documentElement.lang || "en";
  function dayLabel(iso) {
    if (typeof iso !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(iso) || pageLanguage === "en") { return iso; }
    const p = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(pageLanguage, { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" })
      .format(new Date(Date.UTC(p[0], p[1] - 1, p[2])));
  }
  const dayAxis = { maxTicksLimit: 10, callback: function (value) { return dayLabel(this.getLabelForValue(value)); } };
  const dayTooltip = { callbacks: { title: function (items) { return items.length ? dayLabel(items[0].label) : ""; } } };

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // The SOP dates (and today) as vertical markers: a tiny plugin instead of the annotation plugin.
  // options.plugins.markers = [{index, label, colour}] on the category axis.
  const markerPlugin = {
    id: "markers",
    afterDatasetsDraw: function (chart, _args, options) {
      const markers = (options && options.items) || [];
      const x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      markers.forEach(function (marker) {
        if (marker.index < 0) { return; }
        const px = x.getPixelForValue(marker.index);
        ctx.save();
        ctx.strokeStyle = marker.colour || "#6c757d";
        ctx.setLineDash(marker.dash || [4, 3]);
        ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = marker.colour || "#6c757d";
        ctx.font = "11px sans-serif";
        ctx.fillText(marker.label, px + 3, area.top + 11 + 12 * (marker.row || 0));
        ctx.restore();
      });
    },
  };

  function union(lists) {
    const seen = {};
    lists.forEach(function (list) { list.forEach(function (d) { seen[d] = true; }); });
    return Object.keys(seen).sort();
  }

  function aligned(labels, dates, values) {
    const at = {};
    dates.forEach(function (d, i) { at[d] = values[i]; });
    return labels.map(function (d) { return at[d] === undefined ? null : at[d]; });
  }

  function withAlpha(colour) { return colour + "99"; }

  const trend = readJson("trend-data");
  const future = readJson("forecast-data");
  const trendCanvas = document.getElementById("readiness-trend");
  if (trend && trendCanvas) {
    let labels = trend.labels;
    // Each line's readiness, and its readiness confirmed as a second, dashed line of the same colour.
    let datasets = trend.series.map(function (series, index) {
      const colour = palette[(series.line === undefined ? index : series.line) % palette.length];
      return { label: series.label, data: series.data, borderColor: colour, backgroundColor: colour,
               borderDash: series.confirmed ? [6, 4] : [], pointRadius: 0,
               borderWidth: series.confirmed ? 1.5 : 2, spanGaps: true, stepped: true };
    });
    const markers = [];
    if (future && future.lines.length) {
      // The forecast (planning/templatetags/planning_forecast.py): per line its planned readiness (solid,
      // lighter) and expected readiness (dotted), its target and its SOP date, after the history.
      labels = union([trend.labels].concat(future.lines.map(function (l) { return l.dates; })));
      datasets.forEach(function (set) { set.data = aligned(labels, trend.labels, set.data); });
      const targets = {};
      future.lines.forEach(function (line, index) {
        const colour = palette[index % palette.length];
        datasets.push({ label: line.planned_label, data: aligned(labels, line.dates, line.planned),
                        borderColor: withAlpha(colour), backgroundColor: withAlpha(colour), borderDash: [], pointRadius: 0,
                        borderWidth: 2, spanGaps: false, stepped: true });
        datasets.push({ label: line.expected_label, data: aligned(labels, line.dates, line.expected),
                        borderColor: colour, backgroundColor: colour, borderDash: [2, 3], pointRadius: 0,
                        borderWidth: 1.5, spanGaps: false, stepped: true });
        if (line.target_pct !== null) {
          (targets[line.target_pct] = targets[line.target_pct] || []).push(line.code);
        }
        if (line.sop_date) {
          markers.push({ index: labels.indexOf(line.sop_date), label: line.sop_label, colour: colour,
                         row: markers.length });
        }
      });
      // One grey line per distinct target (most plants share one), named after its lines.
      Object.keys(targets).forEach(function (pct) {
        datasets.push({ label: targets[pct].join(", ") + " " + pct + "%", data: labels.map(function () { return Number(pct); }),
                        borderColor: "#adb5bd", backgroundColor: "#adb5bd", borderDash: [8, 4], pointRadius: 0,
                        borderWidth: 1 });
      });
    }
    new Chart(trendCanvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      plugins: [markerPlugin],
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { markers: { items: markers }, tooltip: dayTooltip },
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
                  x: { ticks: dayAxis } },
      },
    });
  }

  // A line's (or the plant's) qualified people: the last 90 days, then the forecast (line page, forecast pages).
  document.querySelectorAll("canvas[data-forecast-chart]").forEach(function (canvas) {
    const data = readJson(canvas.dataset.forecastChart);
    if (!data) { return; }
    const words = data.words;
    const historyDates = data.history.map(function (row) { return row.date; });
    const labels = union([historyDates, data.dates]);
    function series(label, dates, values, colour, dash, width) {
      return { label: label, data: aligned(labels, dates, values), borderColor: colour, backgroundColor: colour,
               borderDash: dash, pointRadius: 0, borderWidth: width, spanGaps: false, stepped: true };
    }
    const datasets = [
      series(words.qualified, historyDates, data.history.map(function (r) { return r.qualified; }), palette[0], [], 2),
      series(words.qualified_confirmed, historyDates, data.history.map(function (r) { return r.qualified_confirmed; }), palette[0], [6, 4], 1.5),
      series(words.planned, data.dates, data.planned, palette[1], [], 2),
      series(words.expected, data.dates, data.expected, palette[1], [2, 3], 2),
      series(words.planned_confirmed, data.dates, data.planned_confirmed, palette[4], [6, 4], 1.5),
      series(words.expected_confirmed, data.dates, data.expected_confirmed, palette[4], [2, 3], 1.5),
    ];
    if (data.target.some(function (v) { return v !== null; })) {
      datasets.push(series(words.target, data.dates, data.target, "#adb5bd", [8, 4], 1));
    }
    const markers = [{ index: labels.indexOf(data.dates[0]), label: words.today, colour: "#6c757d", dash: [1, 2] }];
    if (data.sop_date) {
      markers.push({ index: labels.indexOf(data.sop_date), label: words.sop, colour: palette[2], row: 1 });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      plugins: [markerPlugin],
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { markers: { items: markers }, tooltip: dayTooltip },
        scales: { y: { min: 0, ticks: { precision: 0 } }, x: { ticks: dayAxis } },
      },
    });
  });

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
