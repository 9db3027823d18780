// checkin.js: the member's phone page. It sends the check-in (or roll-call answer)
// with the ticket and idempotency key the server put in the page, and retries the
// same submission while the network is down, so a weak connection still counts.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form || !window.fetch) return;
  var root = document.getElementById("checkin");
  var progress = document.getElementById("progress");
  var msgs = JSON.parse(document.getElementById("checkin-msgs").textContent);
  var lang = root.dataset.lang;
  var kind = root.dataset.kind;
  var submit = document.getElementById("submit");

  function field(name) {
    var el = form.elements[name];
    return el ? el.value.trim() : "";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB",
      { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  }

  // show replaces the form with an outcome block.
  function show(cls, title, lines) {
    var box = el("div", "outcome " + cls);
    box.id = "outcome";
    box.setAttribute("role", cls === "fail" ? "alert" : "status");
    box.appendChild(el("div", "mark", cls === "fail" ? "✕" : "✓"));
    box.appendChild(el("h2", null, title));
    lines.forEach(function (l) { box.appendChild(el("p", l[0], l[1])); });
    form.replaceWith(box);
    progress.hidden = true;
  }

  function problem(p) {
    var failure = msgs.problems[p.type];
    if (failure) {
      // The detail says until when a lock lasts.
      show("fail", failure[0], p.detail ? [["strong-line", p.detail], [null, failure[1]]] : [[null, failure[1]]]);
      return;
    }
    // A problem the member can fix (a wrong PIN): keep the form and say what is wrong,
    // and how many tries are left.
    var text = p.title;
    if (p.errors && p.errors.length) {
      text += ": " + p.errors.map(function (e) { return e.message; }).join("; ");
    }
    if (p.detail) text += " " + p.detail;
    progress.textContent = text;
    progress.className = "note fail";
    progress.hidden = false;
    submit.disabled = false;
  }

  function done(r) {
    if (kind === "rollcall") {
      show("ok", msgs.rollcallDone, [["who-big", r.memberName]]);
      return;
    }
    var title = r.result === "already" ? msgs.already : r.result === "moved" ? msgs.moved : msgs.done;
    var lines = [["who-big", r.memberName], [null, r.pointName + " · " + time(r.checkIn.at)]];
    if (r.late) lines.push(["note warn", msgs.late]);
    if (r.wrongPoint) lines.push(["note warn", msgs.wrongPoint]);
    if (r.checkIn.flags.indexOf("shared_device") >= 0) lines.push(["note warn", msgs.shared]);
    if (r.checkIn.flags.indexOf("static_qr") >= 0) lines.push(["note", msgs.staticQR]);
    show(r.result === "already" ? "info" : "ok", title, lines);
  }

  var attempt = 0;
  function send(body) {
    attempt++;
    var headers = { "Content-Type": "application/json", "Accept-Language": lang };
    var csrf = form.elements["_csrf"];
    if (csrf && csrf.value) headers["X-CSRF-Token"] = csrf.value;
    var url = kind === "rollcall" ? "/api/v1/rollcalls/answers" : "/api/v1/checkins";
    fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (resp) {
        if (resp.status >= 500 || resp.status === 408) throw new Error("server " + resp.status);
        return resp.json().then(function (j) { return [resp.ok, j]; });
      })
      .then(function (res) { if (res[0]) done(res[1]); else problem(res[1]); })
      .catch(function () {
        // The same body, ticket and key go again: the server answers a repeat with
        // the first result, so retrying never checks in twice.
        var wait = Math.min(30, Math.pow(2, attempt - 1));
        progress.textContent = msgs.retrying.replace("{s}", wait);
        progress.className = "note";
        progress.hidden = false;
        setTimeout(function () { send(body); }, wait * 1000);
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit.disabled = true;
    progress.textContent = msgs.sending;
    progress.className = "note";
    progress.hidden = false;
    attempt = 0;
    send({ ticket: field("ticket"), key: field("key"), memberCode: field("memberCode"), pin: field("pin") });
  });
})();
