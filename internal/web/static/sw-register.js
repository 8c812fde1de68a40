'use strict';
// Installable on a phone: register the service worker (it caches only the
// assets under /static/, never a page). A browser without service workers,
// or one that refuses (a private window), works the same without it.
if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}
