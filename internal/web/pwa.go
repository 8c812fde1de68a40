package web

import (
	"net/http"
)

// Installable on a phone: a web app manifest and a service worker, so a
// clinician can add Scribe to the home screen and record in the room.
//
// The service worker caches only the static assets under /static/ (the
// style sheets, scripts and icons, which hold no PHI), network first so an
// update shows at once. Pages, the room page's calls and everything else
// go to the network untouched and are never stored by it: every page a
// person sees holds PHI or depends on their sign-in.

const manifest = `{
  "name": "Scribe",
  "short_name": "Scribe",
  "description": "Session notes drafted from consented recordings, reviewed and signed by the clinician.",
  "start_url": "/sessions",
  "scope": "/",
  "display": "standalone",
  "orientation": "any",
  "background_color": "#ffffff",
  "theme_color": "#0b5cad",
  "icons": [
    {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"}
  ]
}
`

// serviceWorker's CACHE names its cache; change it when the way assets are
// cached changes (the old cache is then deleted on activation).
const serviceWorker = `'use strict';
// Scribe's service worker: caches the static assets under /static/ only
// (no PHI), network first; every other request (pages, the room page's
// calls) goes to the network and is never cached.
const CACHE = 'scribe-static-v1';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/static/')) {
    return; // not ours to answer: straight to the network, nothing kept
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(req);
      if (res.ok) {
        await cache.put(req, res.clone());
      }
      return res;
    } catch (err) {
      const hit = await cache.match(req);
      if (hit) {
        return hit;
      }
      throw err;
    }
  })());
});
`

func serveManifest(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(manifest))
}

func serveServiceWorker(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	// Browsers check for a new worker at most daily whatever this says;
	// no-cache makes them ask each time a page registers it.
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(serviceWorker))
}
