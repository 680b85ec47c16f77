/* Service worker of the field survey (scope /field/): keeps the app shell so that the page opens
   without network. FIELD_CONFIG (version, pages, static) is prepended by the server (field.py).
   Pages and the task list: network first, the cached copy only when the network fails.
   Static files: cache first. POSTs are never touched: the page sends and retries them itself. */
"use strict";

const CACHE = `fupin-field-${FIELD_CONFIG.version}`;
const PAGES = new Set(FIELD_CONFIG.pages);
const STATIC = new Set(FIELD_CONFIG.static);

async function purge() {
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith("fupin-field-")).map((k) => caches.delete(k)));
}

async function precache() {
  const cache = await caches.open(CACHE);
  // Static files must all be there, or the install fails and is tried again later.
  await Promise.all(FIELD_CONFIG.static.map(async (url) => {
    const response = await fetch(url, { cache: "reload" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    await cache.put(url, response);
  }));
  // The pages are the logged-in user's; without a session they are simply not cached now.
  await Promise.all(FIELD_CONFIG.pages.map(async (url) => {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && !response.redirected) await cache.put(url, response);
    } catch (e) { /* offline: cached on the next online visit */ }
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith("fupin-field-") && k !== CACHE)
      .map((k) => caches.delete(k)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "logout") event.waitUntil(purge());
});

function loggedOut(response) {
  return response.status === 401 || response.status === 403
    || response.type === "opaqueredirect" || response.redirected;
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  let response;
  try {
    response = await fetch(request);
  } catch (e) {
    const cached = await cache.match(key, { ignoreVary: true });
    return cached || Response.error();
  }
  if (loggedOut(response)) {
    // The session is gone: what is cached belongs to whoever was logged in; drop it.
    await purge();
    return response;
  }
  if (response.ok) {
    await cache.put(key, response.clone());
    return response;
  }
  const cached = response.status >= 500 ? await cache.match(key, { ignoreVary: true }) : null;
  return cached || response;
}

async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PAGES.has(url.pathname)) event.respondWith(networkFirst(request, url.pathname));
  else if (STATIC.has(url.pathname)) event.respondWith(cacheFirst(request, url.pathname));
});
