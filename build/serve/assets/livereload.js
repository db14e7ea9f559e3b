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

  // dismissed holds the overlay's text when the writer closed it, so the
  // same errors do not pop up again; new or different ones do.
  var dismissed = "";

  function excerpt(e) {
    var pre = document.createElement("pre");
    pre.className = "compass-errors-source";
    var code = document.createElement("code");
    // The caret keeps the line's tabs, so it lines up under the column.
    var lead = Array.from(e.source).slice(0, Math.max(0, (e.col || 1) - 1))
      .map(function (c) { return c === "\t" ? "\t" : " "; }).join("");
    code.textContent = e.line + " | " + e.source + "\n" + " ".repeat(String(e.line).length) + " | " + lead + "^";
    pre.appendChild(code);
    return pre;
  }

  function overlay(errors) {
    var box = document.getElementById("compass-errors");
    var key = JSON.stringify(errors || []);
    if (!errors || errors.length === 0 || key === dismissed) {
      if (box) box.remove();
      document.documentElement.removeAttribute("data-compass-errors");
      if (!errors || errors.length === 0) dismissed = "";
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "compass-errors";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = "";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "compass-errors-close";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () {
      dismissed = key;
      overlay(errors);
    });
    box.appendChild(close);
    var h = document.createElement("p");
    h.className = "compass-errors-title";
    h.textContent = (errors.length === 1 ? "1 error" : errors.length + " errors") +
      " — the page below is what you saved, broken links marked";
    box.appendChild(h);
    var list = document.createElement("ul");
    errors.forEach(function (e) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(e.text));
      if (e.source) li.appendChild(excerpt(e));
      list.appendChild(li);
    });
    box.appendChild(list);
    document.documentElement.setAttribute("data-compass-errors", String(errors.length));
  }

  document.addEventListener("keydown", function (ev) {
    var b = document.querySelector(".compass-errors-close");
    if (ev.key === "Escape" && b) b.click();
  });

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
