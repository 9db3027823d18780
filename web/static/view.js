// view.js: receives the room's camera through the server (which forwards it and
// records nothing) and plays it.
(function () {
  "use strict";
  var root = document.getElementById("view");
  if (!root || !window.RTCPeerConnection) return;
  var msgs = JSON.parse(document.getElementById("view-msgs").textContent);
  var state = document.getElementById("view-state");
  var video = document.getElementById("room");
  var pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.ontrack = function (e) {
    video.srcObject = e.streams[0] || new MediaStream([e.track]);
    state.textContent = msgs.live;
  };
  pc.createOffer()
    .then(function (o) { return pc.setLocalDescription(o); })
    .then(function () {
      return new Promise(function (resolve) {
        if (pc.iceGatheringState === "complete") return resolve();
        pc.addEventListener("icegatheringstatechange", function () { if (pc.iceGatheringState === "complete") resolve(); });
        setTimeout(resolve, 4000);
      });
    })
    .then(function () {
      return fetch("/api/v1/points/" + root.dataset.point + "/watch", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf, "Accept-Language": root.dataset.lang },
        body: JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp })
      });
    })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (a) { return pc.setRemoteDescription({ type: "answer", sdp: a.sdp }); })
    .catch(function () { state.textContent = msgs.none; });
})();
