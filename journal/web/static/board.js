// journal web board: live updates without reloading the page.
// Every second it asks /api/signature whether a file of the workspace changed; when it
// did, it fetches the same page again and swaps in its <main>. The new content comes
// from the server's escaping templates and DOMParser never runs scripts, so nothing in
// it can execute (the Content-Security-Policy allows only this file as script).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="journal-signature"]');
  if (!meta || !window.fetch || !window.DOMParser) { return; }
  var signature = meta.getAttribute("content");
  var scope = meta.getAttribute("data-scope") || "";
  var busy = false;
  var failures = 0;
  var timer = null;

  function schedule() {
    if (timer !== null) { window.clearTimeout(timer); }
    timer = window.setTimeout(tick, failures ? Math.min(10000, 1000 * (failures + 1)) : 1000);
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("content");
    var current = document.getElementById("content");
    if (!fresh || !current) { return; }
    var open = {};
    current.querySelectorAll("details[id], details[data-key]").forEach(function (d) {
      open[d.id || d.getAttribute("data-key")] = d.open;
    });
    current.replaceWith(document.adoptNode(fresh));
    fresh.querySelectorAll("details[id], details[data-key]").forEach(function (d) {
      var key = d.id || d.getAttribute("data-key");
      if (key in open) { d.open = open[key]; }
    });
    signature = fresh.getAttribute("data-signature") || signature;
    if (doc.title) { document.title = doc.title; }
    document.body.setAttribute("data-updates", String(Number(document.body.getAttribute("data-updates") || 0) + 1));
  }

  function tick() {
    timer = null;
    if (busy) { return; }
    if (document.hidden) { schedule(); return; }
    busy = true;
    fetch("/api/signature" + scope, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        if (data.signature === signature) { return null; }
        return fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
          .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
          .then(swap);
      })
      .then(function () { failures = 0; }, function () { failures += 1; })
      .then(function () { busy = false; schedule(); });
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { tick(); } });
  document.addEventListener("keydown", function (e) {
    var search = document.querySelector('form.search input[type="search"]');
    if (e.key === "/" && search && document.activeElement !== search) { e.preventDefault(); search.focus(); }
  });
  schedule();
})();
