// The trainer's badge scanner. Every scan is an item kept in localStorage with its own nonce
// and its own state (queued, sending, sent, failed, refused), so a reload, a dropped
// connection or an ended sign-in loses nothing, and a resend is harmless (the server accepts
// each nonce once). Scans are timed on the server's clock: the page learns how far the
// laptop's clock is from the server's from each answer and corrects the time of every scan
// it sends, so a laptop 40 minutes (or hours) off still records the right time.
// A service worker (scanner-sw.js) keeps the page and its files, so it opens with no network.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var data = root.dataset;
  var sessionId = parseInt(data.session, 10);
  var scansKey = "taphuan.scans." + sessionId;
  var rosterKey = "taphuan.roster." + sessionId;
  var clockKey = "taphuan.clock";
  var deviceKey = "taphuan.device";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var input = document.getElementById("code");
  var sending = false;
  var signedOut = false;
  var clockLearned = false;  // in this page's life: the laptop's clock may have been changed since

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var device = localStorage.getItem(deviceKey) || randomId().slice(0, 16);
  localStorage.setItem(deviceKey, device);

  // --- the server's clock ------------------------------------------------------------------
  // offset = server time - laptop time, in ms, measured at the middle of a request.
  function offset() { var c = load(clockKey, null); return c ? c.offset : null; }
  function learnClock(serverTime, sentAt, receivedAt) {
    var server = Date.parse(serverTime);
    if (isNaN(server)) return;
    save(clockKey, { offset: Math.round(server - (sentAt + receivedAt) / 2), at: receivedAt });
    clockLearned = true;
  }
  function serverIso(laptopMs, knownOffset) {
    return new Date(laptopMs + knownOffset).toISOString();
  }

  // --- the scans ---------------------------------------------------------------------------
  function scans() { return load(scansKey, []); }
  function saveScans(list) {
    // Keep every scan still to send or to look at, and the last 50 done.
    var done = 0;
    for (var i = list.length - 1; i >= 0; i--) {
      if (list[i].state === "sent" || list[i].dismissed) {
        done += 1;
        if (done > 50) list.splice(i, 1);
      }
    }
    save(scansKey, list);
  }
  function update(nonce, changes) {
    var list = scans();
    list.forEach(function (s) { if (s.nonce === nonce) Object.keys(changes).forEach(function (k) { s[k] = changes[k]; }); });
    saveScans(list);
    render();
  }
  function waiting() { return scans().filter(function (s) { return s.state === "queued" || s.state === "failed" || s.state === "sending"; }); }

  // Scans queued by an earlier version of this page (a list of request bodies) join the list.
  (function adoptOldQueue() {
    var old = load("taphuan.queue." + sessionId, null);
    if (!old || !old.length) return;
    var list = scans();
    old.forEach(function (q) {
      list.push({ nonce: q.nonce, code: q.code, clock: Date.parse(q.scanned_at) || Date.now(), fixedAt: q.scanned_at, state: "queued" });
    });
    saveScans(list);
    localStorage.removeItem("taphuan.queue." + sessionId);
  })();

  // A scan that was being sent when the page closed is sent again (its nonce makes that safe).
  saveScans(scans().map(function (s) { if (s.state === "sending") s.state = "queued"; return s; }));

  function rosterName(code) {
    var match = load(rosterKey, []).filter(function (t) { return t.code === code; })[0];
    return match ? match.name : null;
  }

  // --- what the page shows -------------------------------------------------------------------
  function kindOf(scan) {
    if (scan.state === "sent") return scan.kind || "new";
    return scan.state;
  }
  function describe(scan) {
    var who = scan.name || scan.code;
    if (scan.message) return scan.message.indexOf(who) >= 0 ? scan.message : who + " — " + scan.message;
    if (scan.state === "queued") return who + " — " + (signedOut ? data.msgSignedOut : scan.name ? data.msgQueued : data.msgUnknown);
    if (scan.state === "failed") return who + " — " + data.msgFailed;
    return who;
  }
  function label(kind) { return data["label" + kind.charAt(0).toUpperCase() + kind.slice(1)] || kind; }

  function render() {
    var list = scans();
    var history = document.getElementById("history");
    history.textContent = "";
    list.slice().reverse().forEach(function (scan) {
      if (scan.dismissed) return;
      var kind = kindOf(scan);
      var item = document.createElement("li");
      item.className = kind;
      item.setAttribute("data-nonce", scan.nonce);
      item.setAttribute("data-state", scan.state);
      var time = document.createElement("span");
      time.className = "muted";
      time.textContent = new Date(scan.clock + (scan.offset !== undefined && scan.offset !== null ? scan.offset : offset() || 0))
        .toLocaleTimeString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
      var state = document.createElement("span");
      state.className = "scan-state";
      state.textContent = label(kind);
      var what = document.createElement("span");
      what.className = "scan-what";
      what.textContent = describe(scan);
      item.appendChild(time); item.appendChild(state); item.appendChild(what);
      if (scan.state === "refused") {
        // A refusal stays until the trainer has seen it: the trainee may need to be rescanned.
        var dismiss = document.createElement("button");
        dismiss.type = "button"; dismiss.className = "button dismiss"; dismiss.textContent = data.labelDismiss;
        dismiss.addEventListener("click", function () { update(scan.nonce, { dismissed: true }); input.focus(); });
        item.appendChild(dismiss);
      }
      history.appendChild(item);
    });
    var last = list[list.length - 1];
    var box = document.getElementById("last");
    if (last) { box.textContent = describe(last); box.className = "scan-last " + kindOf(last); box.setAttribute("data-state", last.state); }
    document.getElementById("queue-count").textContent = waiting().length;
    var roster = load(rosterKey, null);
    document.getElementById("roster-count").textContent = roster ? roster.length : "–";
  }

  // One status at a time: online, offline (no network), failing (the server does not answer
  // well), signed out.
  function setStatus(status) {
    ["online", "offline", "failing", "signed-out"].forEach(function (s) {
      document.getElementById("net-" + s).hidden = s !== status;
    });
    document.getElementById("signin-prompt").hidden = status !== "signed-out";
    root.setAttribute("data-status", status);
  }

  // --- sounds: new, late, already and refused are told apart without looking ----------------
  var audio = null;
  function beep(notes) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var at = audio.currentTime;
      notes.forEach(function (n) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = n[2] || "sine"; osc.frequency.value = n[0];
        gain.gain.setValueAtTime(0.2, at); gain.gain.exponentialRampToValueAtTime(0.001, at + n[1] / 1000);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(at); osc.stop(at + n[1] / 1000);
        at += n[1] / 1000 + 0.06;
      });
    } catch (e) { /* no sound on this browser: the colours still tell */ }
  }
  var SOUNDS = {
    "new": [[1046, 150]],
    late: [[784, 140], [784, 140]],
    already: [[523, 90]],
    refused: [[196, 450, "square"]],
    failed: [[330, 200, "triangle"], [262, 250, "triangle"]],
    queued: [[880, 70]]
  };
  function announce(kind) {
    if (SOUNDS[kind]) beep(SOUNDS[kind]);
    if (navigator.vibrate) navigator.vibrate(kind === "refused" || kind === "failed" ? [80, 60, 80] : 60);
  }

  // --- talking to the server -----------------------------------------------------------------
  function request(url, options) {
    var sentAt = Date.now();
    return fetch(url, options).then(function (r) {
      var receivedAt = Date.now();
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) return { status: r.status, body: {} };
      return r.json().then(function (body) {
        if (body.server_time) learnClock(body.server_time, sentAt, receivedAt);
        if (body.csrf_token) csrf = body.csrf_token;
        return { status: r.status, body: body };
      });
    });
  }

  // Learns the clock and a fresh CSRF token; tells whether the sign-in is still there.
  function ping() {
    return request(data.time, { credentials: "same-origin", cache: "no-store" }).then(function (answer) {
      if (answer.status === 401) { signedOut = true; setStatus("signed-out"); render(); return false; }
      if (answer.status !== 200) { setStatus("failing"); return false; }
      if (signedOut) { signedOut = false; }
      setStatus("online");
      return true;
    }, function () { setStatus("offline"); return false; });
  }

  function refreshRoster() {
    return request(data.roster, { credentials: "same-origin", cache: "no-store" }).then(function (answer) {
      if (answer.status === 200 && answer.body.trainees) save(rosterKey, answer.body.trainees);
      render();
    }, function () { render(); });
  }

  function flush() {
    if (sending || signedOut) return;
    var next = waiting().filter(function (s) { return s.state !== "sending"; })[0];
    if (!next) return;
    if (!clockLearned) {
      // Nothing goes out timed by a clock the page has not checked in this life.
      ping().then(function (ok) { if (ok) flush(); });
      return;
    }
    sending = true;
    var known = next.offset !== undefined && next.offset !== null ? next.offset : offset();
    var queuedFor = Date.now() - next.clock;
    var body = { session: sessionId, code: next.code, nonce: next.nonce, device: device,
                 scanned_at: next.fixedAt || serverIso(next.clock, known),
                 // Judged at its scan time by the server when it could not go at once.
                 offline: !!(next.fixedAt || next.held || next.tries) || queuedFor > 3000 };
    update(next.nonce, { state: "sending" });
    request(data.api, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (answer) {
      sending = false;
      var reply = answer.body || {};
      if (answer.status === 401) {
        signedOut = true; setStatus("signed-out");
        update(next.nonce, { state: "queued" });
        return;
      }
      if (answer.status === 400 && reply.error === "csrf_expired") {
        // The page outlived its CSRF token: keep the scan, send it again with a fresh one.
        update(next.nonce, { state: "queued" });
        ping().then(function (ok) { if (ok) flush(); });
        return;
      }
      if (answer.status === 429 || answer.status >= 500 || !answer.status) {
        setStatus("failing");
        update(next.nonce, { state: "failed", tries: (next.tries || 0) + 1 });
        announce("failed");
        return;
      }
      setStatus("online");
      var name = (reply.trainee && reply.trainee.name) || next.name;
      var changes = { message: reply.message || "", name: name };
      if (answer.status === 200 && (reply.reason === "ok" || reply.reason === "already_checked_in")) {
        changes.state = "sent";
        changes.kind = reply.reason === "already_checked_in" ? "already" : reply.status === "late" ? "late" : "new";
      } else {
        changes.state = "refused";  // a refusal from the server: kept in view until dismissed
      }
      update(next.nonce, changes);
      announce(changes.state === "sent" ? changes.kind : "refused");
      flush();
    }, function () {
      sending = false;
      setStatus(navigator.onLine ? "failing" : "offline");
      update(next.nonce, { state: navigator.onLine ? "failed" : "queued", tries: (next.tries || 0) + 1 });
      if (navigator.onLine) announce("failed");
    });
  }

  function enqueue(text) {
    var code = (text || "").replace(/\s+/g, "").toUpperCase();
    if (!code) return;
    var known = offset();
    var list = scans();
    list.push({ nonce: randomId(), code: code, name: rosterName(code), clock: Date.now(),
                offset: known, state: "queued", held: !navigator.onLine || signedOut || sending });
    saveScans(list);
    render();
    if (!navigator.onLine || signedOut) announce("queued");
    flush();
  }

  // --- the USB scanner's field keeps the focus; Enter or Tab ends a code -------------------
  document.getElementById("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    enqueue(input.value);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Tab" && input.value.trim()) {
      event.preventDefault();
      enqueue(input.value);
      input.value = "";
    }
  });
  input.addEventListener("blur", function () {
    setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body) input.focus();
    }, 150);
  });

  // --- the camera: can be stopped; the same badge is not taken again within 5 s --------------
  var lastCode = null, lastAt = 0, stream = null, ticking = null;
  function onDecoded(text) {
    var now = performance.now();
    if (text === lastCode && now - lastAt < 5000) return;  // the same badge held in view
    lastCode = text; lastAt = now;
    enqueue(text);
  }
  var toggle = document.getElementById("camera-toggle");
  var video = document.getElementById("camera");
  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null; clearTimeout(ticking); video.hidden = true;
    toggle.textContent = data.labelCameraStart;
  }
  function failCamera() {
    stopCamera();
    document.getElementById("last").textContent = data.msgCamera;
    document.getElementById("last").className = "scan-last refused";
  }
  toggle.addEventListener("click", function () {
    if (stream) { stopCamera(); input.focus(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { failCamera(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = stream; video.hidden = false; video.play();
      toggle.textContent = data.labelCameraStop;
      var detector = ("BarcodeDetector" in window) ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      var canvas = document.getElementById("camera-canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      function tick() {
        if (!stream) return;
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
        ticking = setTimeout(function () { requestAnimationFrame(tick); }, 200);
      }
      tick();
      input.focus();
    }).catch(failCamera);
  });

  // --- the service worker keeps this page and its files for a start with no network ----------
  if ("serviceWorker" in navigator && data.worker) {
    navigator.serviceWorker.register(data.worker).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var files = [location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]").forEach(function (node) {
        files.push(node.getAttribute("src") || node.getAttribute("href"));
      });
      registration.active.postMessage({ keep: files });
    }).catch(function () { /* no offline start on this browser; everything else works */ });
  }

  window.addEventListener("online", function () { ping().then(function (ok) { if (ok) { refreshRoster(); flush(); } }); });
  window.addEventListener("offline", function () { setStatus("offline"); });
  // Retry what is waiting; while signed out, look every few seconds whether the sign-in is back
  // (the trainer signs in again in another tab), then send on.
  setInterval(function () {
    if (signedOut) { ping().then(function (ok) { if (ok) { render(); flush(); } }); return; }
    if (waiting().length) flush();
  }, 5000);
  setStatus(navigator.onLine ? "online" : "offline");
  render();
  ping().then(function (ok) { if (ok) { refreshRoster(); flush(); } });
})();
