/* Results grid: live outcome against the pass mark and the checklist, Enter moves down a row, P/F keys on the
 * practical; a checklist is marked item by item (Space ticks OK, arrows move, Enter goes to the next row's).
 * The page works without this file: it is a plain form and the server computes the same outcome. */
(function () {
  "use strict";
  var grid = document.getElementById("results-grid");
  if (!grid) { return; }
  var form = document.getElementById("results-form");
  var passMark = parseInt(grid.dataset.passMark, 10);
  var needed = parseInt(grid.dataset.needed, 10);
  var rows = Array.prototype.slice.call(grid.querySelectorAll("tbody tr[data-row]"));
  // Rows with something left to enter (a row whose every kind is recorded has no inputs).
  var openRows = rows.filter(function (row) { return !!row.querySelector("[data-col]"); });
  var counter = document.querySelector("[data-filled-count]");
  var BADGES = ["text-bg-success", "text-bg-danger", "text-bg-secondary", "text-bg-warning"];
  var threshold = parseInt(grid.dataset.threshold || "100", 10);

  // A "%(name)s" text of the page (python-format, in the page's language) filled in; "%%" is a percent sign.
  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] !== undefined ? String(values[name]) : all;
    }).replace(/%%/g, "%");
  }

  // Why a marked checklist fails, in the server's words (forms.results.checklist_fail_reason): a critical item
  // not OK first, else the others' OK count against the threshold.
  function checklistReason(criticalMissed, othersOk, others) {
    var data = grid.dataset;
    if (criticalMissed.length) {
      return fill(criticalMissed.length === 1 ? data.reasonCriticalOne : data.reasonCriticalOther,
                  { items: criticalMissed.join(", ") });
    }
    return fill(others === 1 ? data.reasonOthersOne : data.reasonOthersOther,
                { ok: othersOk, others: others, threshold: threshold });
  }

  // The checklist's outcome, as the server's (validity.checklist_passes): every critical item OK, and the OK
  // share of the others at least the threshold. null while the checklist is not marked.
  function checklistState(row) {
    var box = row.querySelector("[data-checklist]");
    if (!box) { return null; }
    var items = Array.prototype.slice.call(box.querySelectorAll("input[data-item]"));
    var marked = box.querySelector("input[data-marked]");
    var ok = items.filter(function (item) { return item.checked; }).length;
    var tally = box.querySelector("[data-checklist-tally]");
    if (tally) { tally.textContent = "(" + ok + "/" + items.length + " " + grid.dataset.labelOk + ")"; }
    if (!ok && !(marked && marked.checked)) { return { entered: false }; }
    var criticalMissed = items.filter(function (item) { return item.dataset.critical && !item.checked; })
      .map(function (item) { return item.value; });
    var others = items.filter(function (item) { return !item.dataset.critical; });
    var othersOk = others.filter(function (item) { return item.checked; }).length;
    var passed = !criticalMissed.length && (!others.length || othersOk * 100 >= threshold * others.length);
    return { entered: true, passed: passed, reason: passed ? "" : checklistReason(criticalMissed, othersOk, others.length) };
  }

  function scoreState(input) {
    var value = input.value.trim();
    if (value === "") { return { empty: true }; }
    if (!/^\d{1,3}$/.test(value) || parseInt(value, 10) > 100) { return { invalid: true }; }
    return { passed: parseInt(value, 10) >= passMark };
  }

  function update(row) {
    var outcomes = [];
    var invalid = false;
    var score = row.querySelector("[data-col=score]");
    if (score) {
      var state = scoreState(score);
      score.classList.toggle("is-invalid", !!state.invalid);
      if (state.invalid) { invalid = true; } else if (!state.empty) { outcomes.push(state.passed); }
    }
    var practical = row.querySelector("input[data-col=practical]:checked");
    var practicalPassed = null;
    if (practical && practical.value) { practicalPassed = practical.value === "pass"; }
    var checklist = checklistState(row);
    if (checklist && checklist.entered) { practicalPassed = checklist.passed; }
    if (practicalPassed !== null) { outcomes.push(practicalPassed); }
    // A level only on a pass: the select is sent only then (a disabled select is not sent).
    var level = row.querySelector("select[data-level]");
    if (level) { level.disabled = practicalPassed === false; }
    // Kinds already recorded in this session count towards the row's outcome (they have no input).
    (row.dataset.recorded || "").split(" ").forEach(function (value) {
      if (value) { outcomes.push(value === "pass"); }
    });
    var badge = row.querySelector("[data-outcome]");
    var text = "";
    var css = "";
    if (invalid) { text = grid.dataset.labelInvalid; css = "text-bg-warning"; }
    else if (outcomes.indexOf(false) !== -1) { text = grid.dataset.labelFail; css = "text-bg-danger"; }
    else if (outcomes.length && outcomes.length === needed) { text = grid.dataset.labelPass; css = "text-bg-success"; }
    else if (outcomes.length) { text = grid.dataset.labelPartial; css = "text-bg-secondary"; }
    BADGES.forEach(function (name) { badge.classList.remove(name); });
    if (css) { badge.classList.add(css); }
    badge.textContent = text;
    var reason = row.querySelector("[data-outcome-reason]");
    if (reason) { reason.textContent = checklist && checklist.entered ? checklist.reason : ""; }
    row.dataset.filled = Array.prototype.some.call(
      row.querySelectorAll("input[type=text][data-col]"), function (input) { return input.value.trim() !== ""; }
    ) || !!(practical && practical.value) || !!(checklist && checklist.entered) ? "1" : "";
  }

  function updateCounter() {
    if (!counter) { return; }
    var filled = openRows.filter(function (row) { return row.dataset.filled === "1"; }).length;
    counter.textContent = counter.dataset.template.replace("%(filled)s", filled).replace("%(total)s", openRows.length);
  }

  function focusCell(row, column) {
    var target;
    if (column === "practical") {
      target = row.querySelector("input[data-col=practical]:checked") || row.querySelector("[data-col=practical]");
    } else {
      target = row.querySelector("[data-col=" + column + "]");
    }
    if (target) {
      target.focus();
      if (target.select && target.type === "text") { target.select(); }
    }
  }

  function openChecklist(row) {
    var box = row && row.querySelector("[data-checklist]");
    if (!box) { return false; }
    box.open = true;
    var first = box.querySelector("input[data-item]");
    if (first) { first.focus(); }
    return true;
  }

  // Inside a row's checklist: arrows move item by item (to "marked" after the last), Space ticks (the
  // checkbox's own key), Enter goes on to the next row's checklist, Escape closes it.
  function checklistKey(event) {
    var target = event.target;
    var box = target.closest("[data-checklist]");
    var row = target.closest("tr[data-row]");
    var inputs = Array.prototype.slice.call(box.querySelectorAll("input[type=checkbox]"));
    var index = inputs.indexOf(target);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var next = inputs[index + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) { next.focus(); }
      event.preventDefault();
    } else if (event.key === "Escape") {
      box.open = false;
      box.querySelector("summary").focus();
      event.preventDefault();
    } else if (event.key === "Enter") {
      event.preventDefault();
      box.open = false;  // one open checklist at a time keeps the rows on a tablet's screen
      var following = rows[rows.indexOf(row) + 1];
      while (following && !following.querySelector("[data-checklist]")) { following = rows[rows.indexOf(following) + 1]; }
      if (following) { openChecklist(following); } else { document.getElementById("save-results").focus(); }
    }
  }

  grid.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.closest && target.closest("[data-checklist] fieldset")) { checklistKey(event); return; }
    if (!target.dataset || !target.dataset.col) { return; }
    if (target.tagName === "SUMMARY") {
      // Enter or Space opens the row's checklist at its first item (closed again with Escape).
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        var details = target.closest("[data-checklist]");
        if (details.open) { details.open = false; } else { openChecklist(target.closest("tr[data-row]")); }
      }
      return;
    }
    var row = target.closest("tr[data-row]");
    if (target.dataset.col === "practical") {
      var key = event.key.toLowerCase();
      var wanted = { p: "pass", "1": "pass", f: "fail", "0": "fail", "-": "" }[key];
      if (wanted !== undefined) {
        var radio = row.querySelector("input[data-col=practical][value='" + wanted + "']");
        if (radio) { radio.checked = true; radio.focus(); update(row); updateCounter(); }
        event.preventDefault();
        return;
      }
    }
    if (event.key !== "Enter") { return; }
    // Enter never submits half a grid by accident: it moves to the same cell one row down
    // (like Tab moves across), and from the last row to the save button.
    event.preventDefault();
    // Rows where this column is already recorded are stepped over.
    var step = event.shiftKey ? -1 : 1;
    var next = rows[rows.indexOf(row) + step];
    while (next && !next.querySelector("[data-col=" + target.dataset.col + "]")) { next = rows[rows.indexOf(next) + step]; }
    if (next) { focusCell(next, target.dataset.col); } else if (!event.shiftKey) { document.getElementById("save-results").focus(); }
  });

  function onEdit(event) {
    // Ticking an item marks the checklist as gone through (the plain form's "marked" box).
    if (event.target.dataset && event.target.dataset.item !== undefined) {
      var marked = event.target.closest("[data-checklist]").querySelector("input[data-marked]");
      if (marked) { marked.checked = true; }
    }
    var row = event.target.closest && event.target.closest("tr[data-row]");
    if (row) { update(row); updateCounter(); }
  }
  grid.addEventListener("input", onEdit);
  grid.addEventListener("change", onEdit);

  if (form) {
    form.addEventListener("submit", function () {
      // The server already refuses a second submit of the same form key; this only spares the round trip.
      var button = document.getElementById("save-results");
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
    // Back navigation may restore the page from the cache with the button still disabled.
    window.addEventListener("pageshow", function () { document.getElementById("save-results").disabled = false; });
  }

  rows.forEach(update);
  updateCounter();
  var firstError = grid.querySelector("tr.table-danger[data-row]");
  if (firstError) {
    var cell = firstError.querySelector("input.is-invalid") || firstError.querySelector("input[type=text][data-col]") || firstError.querySelector("[data-col]");
    if (cell) { cell.focus(); }
  } else {
    var first = grid.querySelector("[data-col=score]") || grid.querySelector("[data-col=practical]");
    if (first) { focusCell(first.closest("tr[data-row]"), first.dataset.col); }
  }
})();
