/* registrar door scanner: the service worker that lets an open scanner page be reloaded, or
 * opened again, while the venue's network is down.
 *
 * It answers two kinds of GET only: the scanner page (/door/events/<id>) and the files under
 * /static/ that the page uses. Each comes from the network first and a copy is kept; when the
 * network fails, the kept copy is answered. Scans and every other request go to the network
 * untouched: the page keeps scans that could not be sent in its own queue (localStorage).
 * A scanner page that the server no longer gives this device (signed out, door link ended) is
 * forgotten, so it is not shown offline either. No guest data is ever kept here: the scanner
 * page holds none.
 */
"use strict";

var CACHE = "registrar-door-v1";
var SCANNER_PAGE = /^\/door\/events\/\d+$/;
var STATIC = "/static/";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("registrar-door-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kind(url) {
  if (url.origin !== self.location.origin) { return null; }
  if (SCANNER_PAGE.test(url.pathname)) { return "page"; }
  if (url.pathname.indexOf(STATIC) === 0) { return "file"; }
  return null;
}

// One copy per scanner page whatever its ?gate=: the gate is kept by the page itself.
function keyFor(url) {
  var key = new URL(url);
  key.search = "";
  key.hash = "";
  return key.href;
}

function keep(url, response) {
  var what = kind(new URL(url));
  return caches.open(CACHE).then(function (cache) {
    if (response.ok && !response.redirected && response.type === "basic") {
      return cache.put(keyFor(url), response);
    }
    if (what === "page") {
      return cache.delete(keyFor(url));
    }
    return null;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (!kind(url)) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      event.waitUntil(keep(request.url, response.clone()));
      return response;
    }, function (failure) {
      return caches.match(keyFor(request.url)).then(function (kept) {
        if (kept) { return kept; }
        throw failure;
      });
    })
  );
});

// The page names what it was loaded with (itself, its script and style, the QR decoder), which
// went past before this worker was in charge: fetch each once now and keep it.
self.addEventListener("message", function (event) {
  var urls = event.data && Array.isArray(event.data.keep) ? event.data.keep : [];
  event.waitUntil(Promise.all(urls.filter(function (url) {
    return kind(new URL(url, self.location.origin));
  }).map(function (url) {
    var absolute = new URL(url, self.location.origin).href;
    return fetch(absolute, { credentials: "same-origin" }).then(function (response) {
      return keep(absolute, response);
    }, function () { return null; });
  })).then(function () {
    if (event.source) { event.source.postMessage({ kept: true }); }
  }));
});
