// console.js: the bridge point's console on the room's screen. It keeps one WebRTC
// connection to the server (a data channel "presence": heartbeats out; codes,
// check-ins and roll calls in), draws the rotating QR code, and reconnects by itself.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var data = JSON.parse(document.getElementById("console-data").textContent);
  var msgs = JSON.parse(document.getElementById("console-msgs").textContent);
  var pointId = root.dataset.point;
  var csrf = root.dataset.csrf;
  var lang = root.dataset.lang;
  var link = document.getElementById("link");
  var linkText = document.getElementById("link-text");
  var checkedIn = document.getElementById("checked-in");
  var arrivals = document.getElementById("arrivals");
  var headcount = document.getElementById("headcount");
  var headcountTouched = false;
  var camera = document.getElementById("camera");
  camera.checked = localStorage.getItem("diemcau.camera") === "1";
  camera.addEventListener("change", function () {
    localStorage.setItem("diemcau.camera", camera.checked ? "1" : "0");
    connect(); // the camera is offered with a new connection
  });
  headcount.addEventListener("input", function () { headcountTouched = true; });

  // draw paints a QR module matrix (rows of "0"/"1", quiet zone included) on a canvas as
  // large as its box allows, in whole device pixels per module: the canvas's bitmap is
  // shown 1:1, so no module is blurred or resampled however large the screen. The canvas
  // is then exactly the code with its quiet zone, which the e2e test measures.
  function draw(canvas, matrix) {
    if (!matrix || !matrix.length) return;
    canvas.matrix = matrix;
    var box = canvas.parentElement.getBoundingClientRect();
    var dpr = window.devicePixelRatio || 1;
    var n = matrix.length;
    var px = Math.max(1, Math.floor(Math.min(box.width, box.height) * dpr / n)), size = px * n;
    if (canvas.width !== size) canvas.width = size;
    if (canvas.height !== size) canvas.height = size;
    canvas.style.width = canvas.style.height = size / dpr + "px";
    canvas.dataset.module = String(px / dpr);
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = "#000";
    for (var y = 0; y < n; y++) {
      var row = matrix[y];
      for (var x = 0; x < n; x++) if (row.charCodeAt(x) === 49) ctx.fillRect(x * px, y * px, px, px);
    }
  }

  // A new screen size (a resize, full screen, a rotated television, a zoom) redraws
  // both codes for it.
  var checkinCanvas = document.getElementById("qr-checkin");
  var materialsCanvas = document.getElementById("qr-materials");
  function redraw() {
    draw(checkinCanvas, checkinCanvas.matrix);
    draw(materialsCanvas, materialsCanvas.matrix);
  }
  if (window.ResizeObserver) {
    var ro = new ResizeObserver(redraw);
    ro.observe(checkinCanvas.parentElement);
    ro.observe(materialsCanvas.parentElement);
  }
  window.addEventListener("resize", redraw);

  // The screen shows one code: the check-in code, or while a roll call covers the
  // point the roll call's code (rotating alike), with its own caption, the answers
  // counted against those checked in, and the time left; then the check-in code again.
  var nextAt = null;
  var root = document.getElementById("console");
  var caption = document.getElementById("qr-caption");
  function showCode(matrix, next, kind, rc) {
    draw(checkinCanvas, matrix);
    nextAt = next ? new Date(next) : null;
    var rollcall = kind === "rollcall";
    root.dataset.code = rollcall ? "rollcall" : "checkin";
    caption.textContent = rollcall ? msgs.scanToAnswer : msgs.scanToCheckIn;
    checkinCanvas.setAttribute("aria-label", caption.textContent);
    if (rollcall && rc && rc.rollCallId && String(rc.rollCallId) !== rollcallText.dataset.id) {
      showRollCall({ kind: "start", rollCallId: rc.rollCallId, endsAt: rc.rollCallEndsAt });
    }
  }
  draw(materialsCanvas, data.materialsMatrix);

  // The countdown says, in seconds and as a bar, how long the code has left.
  var bar = document.querySelector("#qr-bar span");
  var nextText = document.getElementById("next-text");
  function tick() {
    if (!nextAt) return;
    var ms = Math.max(0, nextAt - Date.now());
    bar.style.transform = "scaleX(" + Math.min(1, ms / (data.rotateSeconds * 1000)) + ")";
    nextText.textContent = nextText.dataset.template.replace("{n}", String(Math.ceil(ms / 1000)));
    // No push for a while (a hiccup): ask for the code instead of showing a stale one.
    if (Date.now() - nextAt > 3000) refreshCode();
  }
  tick();
  setInterval(tick, 250);

  // Full screen: the button asks for it (browsers allow it only on a click) and hides
  // itself while the page is full screen; Esc brings it back.
  var fsButton = document.getElementById("fullscreen");
  function fullscreenShown() {
    fsButton.hidden = !document.fullscreenEnabled || !!document.fullscreenElement;
  }
  fsButton.addEventListener("click", function () {
    var req = document.documentElement.requestFullscreen();
    if (req && req.catch) req.catch(function () {});
  });
  document.addEventListener("fullscreenchange", fullscreenShown);
  fullscreenShown();

  // The screen stays on (Screen Wake Lock API). The browser drops the lock whenever the
  // page is hidden, so it is asked for again each time the page is shown. Without the
  // API, or when the browser refuses, a line asks the room to turn off the screen's sleep.
  var noWake = document.getElementById("no-wake");
  var wakeLock = null, asking = false;
  function keepAwake() {
    if (!("wakeLock" in navigator)) {
      root.dataset.wakeLock = "unsupported";
      noWake.hidden = false;
      return;
    }
    if (wakeLock || asking || document.visibilityState !== "visible") return;
    asking = true;
    navigator.wakeLock.request("screen").then(function (lock) {
      asking = false;
      wakeLock = lock;
      root.dataset.wakeLock = "held";
      noWake.hidden = true;
      lock.addEventListener("release", function () {
        wakeLock = null;
        root.dataset.wakeLock = "released";
      });
    }).catch(function () {
      asking = false;
      root.dataset.wakeLock = "refused";
      noWake.hidden = false;
    });
  }
  document.addEventListener("visibilitychange", keepAwake);
  keepAwake();

  var refreshing = false;
  function refreshCode() {
    if (refreshing) return;
    refreshing = true;
    fetch("/api/v1/points/" + pointId + "/qr", { credentials: "same-origin" })
      .then(function (r) { if (r.status === 401) expired(); return r.ok ? r.json() : null; })
      .then(function (q) {
        if (!q) return;
        if (q.rollCallMatrix) showCode(q.rollCallMatrix, q.nextAt, "rollcall", q);
        else showCode(q.checkinMatrix, q.nextAt, "checkin");
      })
      .catch(function () {})
      .then(function () { refreshing = false; });
  }

  function state(cls, text) {
    link.className = "link " + cls;
    linkText.textContent = text;
  }

  function expired() {
    state("offline", msgs.expired);
  }

  function arrival(ev) {
    var d = ev.data || {};
    var li = document.createElement("li");
    li.className = "fresh";
    li.textContent = d.name || "";
    var t = document.createElement("small");
    t.textContent = " " + new Date(ev.at).toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB",
      { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" }) + (d.late ? " · " + msgs.late : "");
    li.appendChild(t);
    arrivals.insertBefore(li, arrivals.firstChild);
    while (arrivals.children.length > 12) arrivals.removeChild(arrivals.lastChild);
    if (d.result === "created" || d.result === "moved") {
      checkedIn.textContent = String(Number(checkedIn.textContent) + 1);
      if (!headcountTouched) headcount.value = checkedIn.textContent;
    }
  }

  var rollcallBox = document.getElementById("rollcall");
  var rollcallText = document.getElementById("rollcall-text");
  var rollcallLeft = document.getElementById("rollcall-left");
  var rollcallEnds = null;
  function showRollCall(d) {
    if (d.kind === "answer") {
      if (String(d.rollCallId) !== rollcallText.dataset.id) return;
      rollcallText.dataset.answers = String(Number(rollcallText.dataset.answers || 0) + 1);
    } else {
      rollcallText.dataset.id = String(d.rollCallId || "");
      rollcallText.dataset.answers = String(d.answered || 0);
      rollcallEnds = d.endsAt ? new Date(d.endsAt) : null;
    }
    rollcallBox.hidden = false;
    rollcallText.textContent = msgs.answered.replace("{n}", rollcallText.dataset.answers || "0")
      .replace("{m}", checkedIn.textContent);
    rollcallTick();
  }
  function rollcallTick() {
    if (!rollcallEnds) return;
    var s = Math.max(0, Math.ceil((rollcallEnds - Date.now()) / 1000));
    rollcallLeft.textContent = msgs.rollcallLeft.replace("{t}", Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"));
    if (s === 0) {
      // The roll call is over: back to the check-in code.
      rollcallBox.hidden = true;
      rollcallEnds = null;
      rollcallText.dataset.id = "";
      refreshCode();
    }
  }
  setInterval(rollcallTick, 1000);
  showCode(data.checkinMatrix, data.nextAt, data.kind, data);
  tick();

  function onMessage(raw) {
    var m;
    try { m = JSON.parse(raw); } catch (e) { return; }
    if (m.type === "qr") showCode(m.matrix, m.nextAt, m.kind, m);
    else if (m.type === "checkin" && m.event) arrival(m.event);
    else if (m.type === "rollcall" && m.event) {
      var d = m.event.data || {};
      if (d.kind === "answer") showRollCall(d);
      else refreshCode(); // a roll call started: show its code
    }
  }

  // The connection: one offer with every candidate, one answer; heartbeats every 2 s.
  var pc = null, channel = null, connId = null, beat = null, retry = 0, restarting = false;

  function gathered(pc) {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") return resolve();
      var done = function () { if (pc.iceGatheringState === "complete") resolve(); };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 4000); // with what we have: the server is reachable on host candidates
    });
  }

  function signal(offer) {
    return fetch("/api/v1/points/" + pointId + "/signal", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": lang },
      body: JSON.stringify({ type: "offer", sdp: offer.sdp, connId: connId })
    }).then(function (r) {
      if (r.status === 401) { expired(); throw new Error("signed out"); }
      if (!r.ok) throw new Error("signal " + r.status);
      return r.json();
    });
  }

  function connect() {
    cleanup();
    state("connecting", msgs.connecting);
    connId = "c" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    pc = new RTCPeerConnection({ iceServers: data.iceServers || [] });
    channel = pc.createDataChannel("presence", { ordered: true });
    var media = Promise.resolve();
    if (camera.checked && navigator.mediaDevices) {
      // The room's camera goes to the server, which forwards it to organizers who ask
      // and records nothing.
      var mine = pc;
      media = navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: false })
        .then(function (stream) { stream.getTracks().forEach(function (t) { mine.addTrack(t, stream); }); })
        .catch(function () {});
    }
    channel.onopen = function () {
      retry = 0;
      state("online", msgs.online);
      heartbeat();
      beat = setInterval(heartbeat, 2000);
      refreshCode();
    };
    channel.onmessage = function (e) { onMessage(e.data); };
    channel.onclose = function () { if (beat) clearInterval(beat); };
    pc.onconnectionstatechange = function () {
      var s = pc.connectionState;
      if (s === "failed") restart();
      else if (s === "disconnected") state("connecting", msgs.reconnecting);
      else if (s === "connected" && channel && channel.readyState === "open") state("online", msgs.online);
      else if (s === "closed") later();
    };
    media.then(function () { return pc.createOffer(); })
      .then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { return gathered(pc); })
      .then(function () { return signal(pc.localDescription); })
      .then(function (a) { return pc.setRemoteDescription({ type: "answer", sdp: a.sdp }); })
      .catch(function () { later(); });
  }

  // restart tries an ICE restart on the same connection first, then a new connection.
  function restart() {
    if (restarting || !pc) return;
    restarting = true;
    state("connecting", msgs.reconnecting);
    pc.createOffer({ iceRestart: true })
      .then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { return gathered(pc); })
      .then(function () { return signal(pc.localDescription); })
      .then(function (a) { return pc.setRemoteDescription({ type: "answer", sdp: a.sdp }); })
      .catch(function () { later(); })
      .then(function () { restarting = false; });
  }

  var timer = null;
  function later() {
    state("offline", msgs.offline);
    if (timer) return;
    var wait = Math.min(15000, 1000 * Math.pow(2, retry++));
    timer = setTimeout(function () { timer = null; connect(); }, wait);
  }

  function cleanup() {
    if (beat) clearInterval(beat);
    beat = null;
    if (channel) { channel.onclose = null; try { channel.close(); } catch (e) {} }
    if (pc) { pc.onconnectionstatechange = null; try { pc.close(); } catch (e) {} }
    channel = pc = null;
  }

  function heartbeat() {
    if (!channel || channel.readyState !== "open") return;
    channel.send(JSON.stringify({ type: "heartbeat", headcount: Number(headcount.value) || 0,
      visible: document.visibilityState === "visible" }));
  }
  document.addEventListener("visibilitychange", heartbeat);
  window.addEventListener("beforeunload", cleanup);

  if (!window.RTCPeerConnection) { state("offline", msgs.unsupported); return; }
  connect();
})();
