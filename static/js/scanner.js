// The trainer's badge scanner. Every scan gets a nonce and goes into a queue kept in
// localStorage; the queue is sent in order whenever the network is there, so a dropped
// connection loses nothing and a resend is harmless (the server accepts each nonce once).
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var sessionId = parseInt(root.dataset.session, 10);
  var queueKey = "taphuan.queue." + sessionId;
  var rosterKey = "taphuan.roster." + sessionId;
  var deviceKey = "taphuan.device";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var sending = false;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function randomId() {
    if (window.crypto && crypto.getRandomValues) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    return (Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2)).slice(0, 32);
  }
  var device = localStorage.getItem(deviceKey) || randomId().slice(0, 16);
  localStorage.setItem(deviceKey, device);

  function localIso(date) {
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    var pad = function (n) { return ("0" + Math.floor(Math.abs(n))).slice(-2); };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      sign + pad(offset / 60) + ":" + pad(offset % 60);
  }

  function normalise(code) { return (code || "").replace(/\s+/g, "").toUpperCase(); }

  function showResult(text, good, pending) {
    var last = document.getElementById("last");
    last.textContent = text;
    last.className = "scan-last " + (pending ? "pending" : good ? "good" : "bad");
    var item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString("vi-VN") + " — " + text;
    item.className = pending ? "pending" : good ? "good" : "bad";
    var history = document.getElementById("history");
    history.insertBefore(item, history.firstChild);
    while (history.children.length > 50) history.removeChild(history.lastChild);
    if (navigator.vibrate) navigator.vibrate(good || pending ? 60 : [80, 60, 80]);
  }

  function updateCounts() {
    document.getElementById("queue-count").textContent = load(queueKey, []).length;
    var roster = load(rosterKey, null);
    document.getElementById("roster-count").textContent = roster ? roster.length : "–";
  }

  function setOnline(online) {
    document.getElementById("net-status").hidden = !online;
    document.getElementById("net-offline").hidden = online;
  }

  function refreshRoster() {
    return fetch(root.dataset.roster, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        save(rosterKey, data.trainees);
        if (data.csrf_token) csrf = data.csrf_token;
        updateCounts(); setOnline(true);
      })
      .catch(function () { updateCounts(); });
  }

  function enqueue(code) {
    code = normalise(code);
    if (!code) return;
    var queue = load(queueKey, []);
    var offline = !navigator.onLine;
    queue.push({ session: sessionId, code: code, nonce: randomId(), scanned_at: localIso(new Date()), offline: offline, device: device });
    save(queueKey, queue);
    updateCounts();
    if (offline) {
      var roster = load(rosterKey, []);
      var match = roster.filter(function (t) { return t.code === code; })[0];
      showResult(match ? match.name + " — " + root.dataset.msgQueued : code + " — " + root.dataset.msgUnknown, !!match, true);
    }
    flush();
  }

  function flush() {
    if (sending) return;
    var queue = load(queueKey, []);
    if (!queue.length) return;
    sending = true;
    var item = queue[0];
    fetch(root.dataset.api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(item)
    }).then(function (r) {
      if (r.status >= 500 || r.status === 401 || r.status === 429) throw new Error(r.status);
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 400 && answer.body.error !== "bad_request") {
        // Refused before the scan was looked at: the page's CSRF token has expired (the page
        // has been open longer than a token lives). Keep the scan; send it with a fresh token.
        sending = false;
        var stale = csrf;
        refreshRoster().then(function () { if (csrf !== stale) flush(); });
        return;
      }
      // Answered (even a refusal) means handled: drop it from the queue and show the answer.
      var rest = load(queueKey, []).filter(function (q) { return q.nonce !== item.nonce; });
      save(queueKey, rest);
      setOnline(true);
      var body = answer.body;
      showResult(body.message || body.reason, body.reason === "ok" || body.reason === "already_checked_in", false);
      sending = false;
      updateCounts();
      flush();
    }).catch(function () {
      sending = false;
      setOnline(false);
      // Mark what is waiting as offline scans; their scan time is already fixed.
      var waiting = load(queueKey, []).map(function (q) { q.offline = true; return q; });
      save(queueKey, waiting);
      updateCounts();
    });
  }

  document.getElementById("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("code");
    enqueue(input.value);
    input.value = "";
    input.focus();
  });

  // Camera: the browser's BarcodeDetector where it exists, otherwise jsQR on canvas frames.
  var lastCode = null, lastAt = 0;
  function onDecoded(text) {
    var now = Date.now();
    if (text === lastCode && now - lastAt < 3000) return;  // the same badge held in view
    lastCode = text; lastAt = now;
    enqueue(text);
  }
  document.getElementById("camera-start").addEventListener("click", function () {
    var video = document.getElementById("camera");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { showResult(root.dataset.msgCamera, false, false); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var detector = ("BarcodeDetector" in window) ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      var canvas = document.getElementById("camera-canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      function tick() {
        if (video.readyState >= 2) {
          if (detector) {
            detector.detect(video).then(function (codes) { if (codes.length) onDecoded(codes[0].rawValue); }).catch(function () {});
          } else if (window.jsQR) {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            context.drawImage(video, 0, 0);
            var image = context.getImageData(0, 0, canvas.width, canvas.height);
            var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
            if (found) onDecoded(found.data);
          }
        }
        setTimeout(function () { requestAnimationFrame(tick); }, 200);
      }
      tick();
    }).catch(function () { showResult(root.dataset.msgCamera, false, false); });
  });

  window.addEventListener("online", function () { setOnline(true); flush(); refreshRoster(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(flush, 10000);
  setOnline(navigator.onLine);
  refreshRoster();
  updateCounts();
  flush();
})();
