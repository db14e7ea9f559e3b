// Compass live reload. Served by `compass serve` from the site's own origin
// and added to every page as a file, not inline, so a strict
// Content-Security-Policy still holds. It listens on Server-Sent Events:
// "reload" reloads the page when it changed, "css" swaps stylesheets in
// place (no reload, scroll position kept), "errors" shows or clears an
// overlay listing every current content error as path:line:col: message.
(function () {
  "use strict";
  var base = "/_compass/";
  var here = location.pathname;

  function samePage(u) {
    var a = u.replace(/index\.html$/, "");
    var b = here.replace(/index\.html$/, "");
    return a === b;
  }

  function overlay(errors) {
    var box = document.getElementById("compass-errors");
    if (!errors || errors.length === 0) {
      if (box) box.remove();
      document.documentElement.removeAttribute("data-compass-errors");
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "compass-errors";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = "";
    var h = document.createElement("p");
    h.className = "compass-errors-title";
    h.textContent = errors.length === 1 ? "1 error" : errors.length + " errors";
    box.appendChild(h);
    var list = document.createElement("ul");
    errors.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e.text;
      list.appendChild(li);
    });
    box.appendChild(list);
    document.documentElement.setAttribute("data-compass-errors", String(errors.length));
  }

  function swapStylesheets(map) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var path = new URL(link.href, location.href).pathname;
      var next = map[path];
      if (!next) return;
      // Load the new sheet before dropping the old one, so nothing flashes
      // unstyled and the scroll position stays where it is.
      var fresh = link.cloneNode();
      fresh.href = next;
      fresh.addEventListener("load", function () { link.remove(); });
      link.after(fresh);
    });
  }

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "livereload.css";
  document.head.appendChild(css);

  var source = new EventSource(base + "events");
  // Marks the page as live (tests and curious writers can see it).
  source.addEventListener("open", function () {
    document.documentElement.setAttribute("data-compass-live", "");
  });
  source.addEventListener("reload", function (ev) {
    var d = JSON.parse(ev.data);
    if (d.all || (d.pages || []).some(samePage)) location.reload();
  });
  source.addEventListener("css", function (ev) {
    swapStylesheets(JSON.parse(ev.data));
  });
  source.addEventListener("errors", function (ev) {
    overlay(JSON.parse(ev.data));
  });
})();
