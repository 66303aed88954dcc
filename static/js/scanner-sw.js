// The scanner's service worker: keeps the badge scanner page and the files it uses, so that a
// trainer's laptop opens the scanner and scans with no network (the scans wait in the page's
// queue). Served as /sessions/scanner-sw.js, so it sees only the pages under /sessions/, and
// of those it handles only the scanner pages; everything else goes to the network untouched.
"use strict";
var CACHE = "taphuan-scanner-v1";
var SCANNER_PAGE = /^\/sessions\/\d+\/scan$/;
// How long a scanner page may take to come from the network before the kept copy is shown
// (a connection that hangs rather than fails).
var PAGE_TIMEOUT_MS = 4000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("taphuan-scanner-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

// The page lists its own address and files once the worker is active (on the first visit the
// page loaded before the worker could see it).
self.addEventListener("message", function (event) {
  var files = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(files.map(function (file) {
      var url = new URL(file, self.location.origin);
      if (url.origin !== self.location.origin) return null;
      return fetch(url.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (keepable(response)) return cache.put(url.href, response);
        return null;
      }).catch(function () { return null; });
    }));
  }));
});

function fromNetworkOrKept(request) {
  return caches.open(CACHE).then(function (cache) {
    var network = fetch(request).then(function (response) {
      if (keepable(response)) cache.put(request.url.split("#")[0], response.clone());
      return response;
    });
    var timeout = new Promise(function (resolve) { setTimeout(resolve, PAGE_TIMEOUT_MS); }).then(function () {
      return cache.match(request, { ignoreSearch: true });
    });
    return Promise.race([network.catch(function () { return null; }), timeout]).then(function (first) {
      if (first) return first;
      return cache.match(request, { ignoreSearch: true }).then(function (kept) {
        return kept || network;
      });
    });
  });
}

function keptOrNetwork(request) {
  // Static files carry their version in the URL (training/assets.py): a kept copy is current.
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) {
      if (kept) return kept;
      return fetch(request).then(function (response) {
        if (keepable(response)) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SCANNER_PAGE.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(fromNetworkOrKept(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(keptOrNetwork(request));
  }
});
