// Pacer's service worker: pages and the app's files load from the network when it answers
// within a few seconds, and from the copy kept here when it does not, so that a rep can open
// the check-in page in a car park with no signal. Check-ins themselves wait in the page's
// own queue (localStorage); nothing here sends or stores them.
//
// Network first, always: a fresh deployment is never hidden behind an old copy while the
// network works. Server functions (POST /api/...) and exports pass straight through.

// The page registers `/sw.js?build=ID`, ID naming the deployed wasm: a new deployment installs
// a new worker whose caches start empty, so a kept page never meets another build's wasm.
const BUILD = new URL(self.location.href).searchParams.get("build") || "dev";
const PAGES = `pacer-pages-${BUILD}`;
const FILES = `pacer-files-${BUILD}`;
const NETWORK_TIMEOUT_MS = 5000;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => k.startsWith("pacer-") && k !== PAGES && k !== FILES)
            .map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function cacheFor(url) {
  return url.pathname.startsWith("/pkg/") || url.pathname.includes(".") ? FILES : PAGES;
}

async function networkFirst(event, request, cacheName) {
  const cache = await caches.open(cacheName);
  const kept = await cache.match(request, { ignoreSearch: cacheName === PAGES, ignoreVary: true });
  const network = fetch(request).then((response) => {
    if (response.ok && response.type === "basic" && !response.redirected) {
      // Stored beside the answer, not before it: a slow or full cache never holds a page back.
      const copy = response.clone();
      event.waitUntil(cache.put(request, copy).catch(() => {}));
    }
    return response;
  });
  if (!kept) {
    // Nothing kept: wait for the network however slow it is.
    return network.catch((error) => {
      if (request.mode === "navigate") return offlinePage();
      throw error;
    });
  }
  // A copy is kept: the network has a few seconds to answer before the copy is used.
  const timeout = new Promise((resolve) => setTimeout(() => resolve(kept), NETWORK_TIMEOUT_MS));
  return Promise.race([network.catch(() => kept), timeout]);
}

function offlinePage() {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · Pacer</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;line-height:1.5}a{color:#15803d;font-size:1.2rem}</style>
</head><body><h1>You are offline</h1>
<p>This page has not been opened on this phone before, so there is no copy of it here.</p>
<p>Check-ins work offline: they wait on this phone and are sent when you are back online.</p>
<p><a href="/check-in">Open Check-in</a></p></body></html>`;
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Signing out removes the pages kept for this user.
  if (request.method === "POST" && url.pathname === "/api/logout") {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET" || url.pathname.startsWith("/api/") || url.pathname === "/sw.js") {
    return;
  }
  if (request.mode === "navigate" && url.pathname === "/login") {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  event.respondWith(networkFirst(event, request, cacheFor(url)));
});

// The site's own code files a page names (/pkg/…, as in its preload links and loader script).
function filesNamedIn(html) {
  return [...new Set(html.match(/\/pkg\/[A-Za-z0-9._-]+\.(?:js|wasm|css)/g) || [])];
}

// The page asks for what it has loaded so far to be kept (a first visit loads its files
// before this worker controls it), and hears back when all of it is.

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep") return;
  const urls = (data.urls || []).filter((u) => {
    try {
      return new URL(u, self.location.origin).origin === self.location.origin;
    } catch (_) {
      return false;
    }
  });
  // A page, and any file a kept page names, must be kept, or "ready offline" would be untrue
  // (a page answered by a redirect to the sign-in, a bundle that is gone).
  const fetchOne = async (u, needed) => {
    const url = new URL(u, self.location.origin);
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok || response.redirected) {
      if (needed) throw new Error(`${url.pathname} could not be kept (${response.redirected ? "redirected" : response.status})`);
      return null;
    }
    return { url, response };
  };
  const put = ({ url, response }) => caches.open(cacheFor(url)).then((cache) => cache.put(url, response));
  // A page may name code the page asking has not loaded: /check-in, opened within the app,
  // ran the app's code, but its own copy loads the check-in page's bundle. Those are kept too,
  // and the pages only once all of them are, so a kept page never lacks its code.
  const keep = Promise.all(urls.map((u) => fetchOne(u, cacheFor(new URL(u, self.location.origin)) === PAGES)))
    .then(async (fetched) => {
      fetched = fetched.filter(Boolean);
      const pages = fetched.filter((f) => cacheFor(f.url) === PAGES);
      await Promise.all(fetched.filter((f) => cacheFor(f.url) !== PAGES).map(put));
      const have = new Set(fetched.map((f) => f.url.href));
      const named = await Promise.all(pages.map(async (f) => filesNamedIn(await f.response.clone().text())));
      const more = [...new Set(named.flat().map((u) => new URL(u, self.location.origin).href))].filter(
        (u) => !have.has(u),
      );
      const files = await Promise.all(more.map((u) => fetchOne(u, true)));
      await Promise.all(files.map(put));
      await Promise.all(pages.map(put));
      return fetched.length + files.length;
    });
  event.waitUntil(
    keep
      .then((count) => event.source && event.source.postMessage({ type: "kept", count }))
      .catch((e) => event.source && event.source.postMessage({ type: "keep-failed", message: String(e) })),
  );
});
