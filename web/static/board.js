// board.js: the live board follows the conference's server-sent events and reloads
// the board's JSON (debounced) when something changes; rows that changed flash.
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root || !window.EventSource) return;
  var conf = root.dataset.conference, lang = root.dataset.lang;
  var msgs = JSON.parse(document.getElementById("board-msgs").textContent);
  var rows = document.getElementById("board-rows");
  var live = document.getElementById("live");
  var only = document.getElementById("only-problems"), q = document.getElementById("board-q");
  var changed = {};

  function time(iso) {
    return new Date(iso).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB",
      { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric", timeZone: "Asia/Ho_Chi_Minh" });
  }
  function td(tr, html) { var c = document.createElement("td"); c.append.apply(c, html); tr.appendChild(c); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }

  function render(b) {
    Object.keys(b.summary).forEach(function (k) {
      var e = root.querySelector('[data-k="' + k + '"]');
      if (e) e.textContent = b.summary[k];
    });
    rows.replaceChildren();
    b.items.forEach(function (p) {
      var tr = el("tr", (p.problems ? "problem" : "") + (changed[p.id] ? " flash" : ""));
      tr.dataset.point = p.id;
      var link = el("a");
      link.href = "/" + lang + "/admin/points/" + p.id;
      link.appendChild(el("strong", null, p.name));
      var name = [link, el("br"), el("small", null, p.location)];
      if (p.online) {
        var a = el("a", null, msgs.view);
        a.href = "/" + lang + "/admin/points/" + p.id + "/view";
        name.push(document.createTextNode(" · "), a);
      }
      td(tr, name);
      var con = [el("span", "badge " + (p.online ? "st-present" : "st-missing"), p.online ? msgs.on : msgs.off)];
      if (p.since) con.push(el("br"), el("small", null, time(p.since)));
      if (p.outages) con.push(el("br"), el("small", null, p.outages + " " + msgs.outages));
      td(tr, con);
      td(tr, [document.createTextNode(p.chairName || ""), el("br"), el("small", "chair-" + p.chairStatus, msgs.chair[p.chairStatus] || p.chairStatus)]);
      var ci = [document.createTextNode(p.checkedIn + " / " + p.expected)];
      if (p.headcount) ci.push(el("br"), el("small", null, msgs.headcount + ": " + p.headcount));
      td(tr, ci);
      td(tr, [document.createTextNode(String(p.late))]);
      td(tr, [document.createTextNode(String(p.pendingRequests))]);
      td(tr, [document.createTextNode(p.rollCall ? p.rollCall.answered + " / " + p.rollCall.checkedIn : "")]);
      rows.appendChild(tr);
    });
    document.getElementById("board-total").textContent = b.total;
    changed = {};
  }

  var pending = null;
  function reload() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      var u = "/api/v1/conferences/" + conf + "/board?pageSize=200";
      if (only.checked) u += "&problems=true";
      if (q.value) u += "&q=" + encodeURIComponent(q.value);
      fetch(u, { credentials: "same-origin", headers: { "Accept-Language": lang } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (b) { if (b) render(b); });
    }, 500);
  }
  only.addEventListener("change", reload);
  q.addEventListener("input", reload);
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); reload(); });

  var es = new EventSource("/api/v1/conferences/" + conf + "/events");
  es.onopen = function () { live.classList.add("on"); };
  es.onerror = function () { live.classList.remove("on"); };
  ["online", "offline", "headcount", "checkin", "rollcall", "resync"].forEach(function (t) {
    es.addEventListener(t, function (e) {
      try { var ev = JSON.parse(e.data); if (ev.pointId) changed[ev.pointId] = true; } catch (x) {}
      document.body.dataset.lastEvent = t; // for tests and the curious
      reload();
    });
  });
})();
