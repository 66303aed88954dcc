// Keeps the projector's QR current. The token is made by the server, so the page follows the
// server's clock, not the laptop's; it asks again just after each 30-second step ends.
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root) return;
  var url = root.getAttribute("data-state-url");
  var qr = document.getElementById("qr");
  var note = document.getElementById("offline-note");
  // The time step of the code on screen: the server leaves the drawing out while it is current.
  var shown = qr.getAttribute("data-shown");

  function show(state) {
    document.getElementById("count").textContent = state.checked_in;
    document.getElementById("enrolled").textContent = state.enrolled;
    document.getElementById("server-time").textContent = state.server_time;
    if (state.url) {
      if (state.svg) { qr.innerHTML = state.svg; shown = state.step; }
    } else {
      qr.innerHTML = "";
      var p = document.createElement("p");
      p.className = "projector-closed";
      p.textContent = state.message;
      qr.appendChild(p);
      shown = null;
    }
  }

  function refresh() {
    fetch(shown ? url + "?shown=" + encodeURIComponent(shown) : url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (state) {
        note.hidden = true;
        show(state);
        // Next ask: when this step ends, but at least every 5 s for the live count.
        setTimeout(refresh, Math.min(5000, (state.seconds_left + 0.3) * 1000));
      })
      .catch(function () { note.hidden = false; setTimeout(refresh, 3000); });
  }
  refresh();
})();
