// Keeps the projector's QR current, and never shows one that phones would be refused. The
// token is made by the server, so the page follows the server's clock, not the laptop's; it
// asks again just after each step ends (the server says when; CHECKIN_QR_STEP_SECONDS, 30 s
// by default). When it cannot get a current code (no network, the sign-in has ended, the
// server fails, or the step passed without an answer) it hides the code at once, says why,
// and keeps asking: the code comes back by itself.
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root) return;
  var url = root.getAttribute("data-state-url");
  var qr = document.getElementById("qr");
  var hiddenBox = document.getElementById("qr-hidden");
  var reason = document.getElementById("qr-reason");
  var login = document.getElementById("qr-login");
  var shortBox = document.getElementById("short");
  // The time step of the code on screen: the server leaves the drawing out while it is current.
  var shown = qr.getAttribute("data-shown");
  // When the code on screen stops being the current one (performance.now(), immune to the
  // laptop's clock being changed); the page hides it then unless a newer one came.
  var staleAt = shown ? performance.now() + 35000 : 0;
  var timer = null;

  function text(id, value) {
    var node = document.getElementById(id);
    if (node && value !== undefined && value !== null) node.textContent = value;
  }

  function hide(message, signedOut) {
    qr.innerHTML = "";
    qr.hidden = true;
    shortBox.hidden = true;
    shown = null;
    staleAt = 0;
    reason.textContent = message || "";
    login.hidden = !signedOut;
    hiddenBox.hidden = false;
    root.setAttribute("data-qr", "hidden");
  }

  function show(state) {
    text("count", state.checked_in);
    text("enrolled", state.enrolled);
    text("server-time", state.server_time);
    text("heading", state.heading);
    document.getElementById("loopback").hidden = !state.loopback;
    if (!state.url) { hide(state.message, false); return; }
    if (state.svg) { qr.innerHTML = state.svg; shown = String(state.step); }
    if (!qr.innerHTML) { shown = null; return; }  // only the step came back: ask again for the drawing
    qr.hidden = false;
    hiddenBox.hidden = true;
    login.hidden = true;
    text("short-code", state.short_code);
    text("short-url", state.short_url);
    shortBox.hidden = !state.short_code;
    staleAt = performance.now() + (state.seconds_left + 2) * 1000;
    root.setAttribute("data-qr", "shown");
  }

  function next(ms) {
    clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function refresh() {
    fetch(shown ? url + "?shown=" + encodeURIComponent(shown) : url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        // Signed out, the page's request is sent to the sign-in page (or refused).
        if (r.redirected || r.status === 401 || r.status === 403) throw { signedOut: true };
        if (!r.ok) throw { server: true };
        var type = r.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") < 0) throw { signedOut: true };
        return r.json();
      })
      .then(function (state) {
        show(state);
        // Next ask: when this step ends, but at least every 5 s for the live count.
        next(Math.min(5000, (state.seconds_left + 0.3) * 1000));
      })
      .catch(function (problem) {
        if (problem && problem.signedOut) hide(root.getAttribute("data-msg-signed-out"), true);
        else if (problem && problem.server) hide(root.getAttribute("data-msg-error"), false);
        else hide(root.getAttribute("data-msg-offline"), false);
        next(3000);
      });
  }

  // A code whose step has passed with no newer one is hidden even if no answer came at all
  // (a request hanging on a dead connection fails only after a long time).
  setInterval(function () {
    if (shown && staleAt && performance.now() > staleAt) hide(root.getAttribute("data-msg-stale"), false);
  }, 1000);
  window.addEventListener("offline", function () { hide(root.getAttribute("data-msg-offline"), false); });
  window.addEventListener("online", function () { next(0); });

  var full = document.getElementById("fullscreen");
  if (!document.documentElement.requestFullscreen) full.hidden = true;
  full.addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(function () {});
  });
  document.addEventListener("fullscreenchange", function () {
    document.body.classList.toggle("projector-full", !!document.fullscreenElement);
  });
  root.setAttribute("data-qr", shown ? "shown" : "hidden");
  refresh();
})();
