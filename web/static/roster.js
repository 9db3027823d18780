// roster.js: the chair's live roster. It follows the point's event stream and, after
// each change (an arrival, an undo, a check-out, a roll-call answer), fetches the page
// again and swaps in the figures, the roll calls and the roster, so the chair never
// reloads. It also filters the roster by name or code, diacritics ignored, and to the
// members still missing.
(function () {
  "use strict";
  var card = document.getElementById("roster-card");
  if (!card || !window.EventSource || !window.fetch) return;
  var search = document.getElementById("roster-search");
  var missingOnly = document.getElementById("missing-only");

  // fold drops case and Vietnamese diacritics, so "tran van duc" finds "Trần Văn Đức".
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function filter() {
    var q = fold(search.value.trim());
    var rows = document.querySelectorAll("#roster tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var hay = fold((r.dataset.name || "") + " " + (r.dataset.member || ""));
      var show = (!q || hay.indexOf(q) >= 0) && (!missingOnly.checked || r.dataset.status === "missing");
      r.hidden = !show;
    }
  }
  search.addEventListener("input", filter);
  missingOnly.addEventListener("change", filter);

  // swap replaces the parts of the page that change with those of a fresh copy,
  // keeping open details and the filter.
  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var open = {};
    document.querySelectorAll("#roster tbody tr").forEach(function (r) {
      var d = r.querySelector("details.day");
      if (d && d.open) open[r.dataset.member] = true;
    });
    [".stats", "#roster tbody", "#rollcalls-table"].forEach(function (sel) {
      var now = document.querySelector(sel), fresh = doc.querySelector(sel);
      if (now && fresh) now.replaceWith(fresh);
    });
    document.querySelectorAll("#roster tbody tr").forEach(function (r) {
      var d = r.querySelector("details.day");
      if (d && open[r.dataset.member]) d.open = true;
    });
    filter();
    card.dataset.updated = String(Number(card.dataset.updated || 0) + 1);
  }

  var pending = null;
  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html) swap(html); })
        .catch(function () {});
    }, 300);
  }

  var es = new EventSource("/api/v1/points/" + card.dataset.point + "/stream");
  ["checkin", "rollcall", "online", "offline", "resync"].forEach(function (type) {
    es.addEventListener(type, refresh);
  });
})();
