// Compass theme behaviour. The site reads fine without it; this adds the
// phone menu, the colour-scheme toggle, the "On this page" highlight,
// keyboard access to scrolling code and tables, copy buttons and the
// back-to-top link. Loaded as a file (no inline script, no inline style)
// so a strict Content-Security-Policy holds.
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;

  // One polite live region for short status messages ("Copied").
  var status = doc.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  doc.body.appendChild(status);
  function announce(msg) {
    status.textContent = "";
    setTimeout(function () { status.textContent = msg; }, 50);
  }

  // Phone menu: the header button shows the sidebar as a panel; Escape,
  // a click outside or following a link closes it.
  var menuBtn = doc.querySelector(".menu-toggle"), nav = doc.getElementById("site-nav");
  function setMenu(open, focusBack) {
    root.classList.toggle("nav-open", open);
    menuBtn.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var cur = nav.querySelector("[aria-current=page]") || nav.querySelector("a");
      if (cur) cur.focus();
    } else if (focusBack) menuBtn.focus();
  }
  if (menuBtn && nav) {
    menuBtn.addEventListener("click", function () { setMenu(!root.classList.contains("nav-open"), false); });
    doc.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && root.classList.contains("nav-open")) setMenu(false, true);
    });
    doc.addEventListener("click", function (e) {
      if (root.classList.contains("nav-open") && !nav.contains(e.target) && !menuBtn.contains(e.target)) setMenu(false, false);
    });
  }

  // Colour scheme: system → light → dark → system, remembered.
  var themeBtn = doc.querySelector(".theme-toggle");
  var names = { "": "system", light: "light", dark: "dark" };
  function showTheme() {
    var t = root.getAttribute("data-theme") || "";
    themeBtn.querySelector(".theme-state").textContent = names[t];
    themeBtn.setAttribute("data-state", names[t]);
  }
  if (themeBtn) {
    showTheme();
    themeBtn.addEventListener("click", function () {
      var next = { "": "light", light: "dark", dark: "" }[root.getAttribute("data-theme") || ""];
      if (next) root.setAttribute("data-theme", next); else root.removeAttribute("data-theme");
      try {
        if (next) localStorage.setItem("compass-theme", next); else localStorage.removeItem("compass-theme");
      } catch (e) { /* not remembered, still applied */ }
      showTheme();
      announce("Colour scheme: " + names[next]);
    });
  }

  // "On this page": open it where it is a sidebar column (CSS hides the
  // summary there) and mark the section being read.
  var toc = doc.querySelector(".toc");
  if (toc && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 75em)");
    var det = toc.querySelector("details");
    var sync = function () { if (wide.matches) det.open = true; };
    sync();
    if (wide.addEventListener) wide.addEventListener("change", sync);
    var links = {}, heads = [];
    toc.querySelectorAll("a[href^='#']").forEach(function (a) {
      var h = doc.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      if (h) { links[h.id] = a; heads.push(h); }
    });
    var queued = false;
    var mark = function () {
      queued = false;
      var cur = heads[0];
      for (var i = 0; i < heads.length; i++) {
        if (heads[i].getBoundingClientRect().top < window.innerHeight * 0.3) cur = heads[i];
      }
      heads.forEach(function (h) {
        if (h === cur) links[h.id].setAttribute("aria-current", "location");
        else links[h.id].removeAttribute("aria-current");
      });
    };
    if (heads.length) {
      mark();
      window.addEventListener("scroll", function () {
        if (!queued) { queued = true; window.requestAnimationFrame(mark); }
      }, { passive: true });
    }
  }

  // Scrolling code and tables: reachable by keyboard, named for screen
  // readers, but only while they actually scroll (no needless tab stops).
  var scrollers = doc.querySelectorAll(".content pre, .table-scroll");
  function label(el, i) {
    var t = el.previousElementSibling && el.previousElementSibling.classList.contains("code-title")
      ? el.previousElementSibling.textContent : "";
    return (el.tagName === "PRE" ? "Code" : "Table") + (t ? ": " + t : " " + (i + 1)) + ", scrolls sideways";
  }
  function focusable() {
    scrollers.forEach(function (el, i) {
      if (el.scrollWidth > el.clientWidth + 1) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", label(el, i));
      } else if (el.getAttribute("role") === "region") {
        el.removeAttribute("tabindex");
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
      }
    });
  }
  focusable();
  window.addEventListener("resize", focusable);

  // Copy buttons on code blocks; the copied text leaves out line numbers.
  doc.querySelectorAll(".content pre").forEach(function (pre) {
    var box = pre.parentElement;
    if (!box.classList.contains("code-block")) {
      box = doc.createElement("div");
      box.className = "code-block";
      pre.parentNode.insertBefore(box, pre);
      box.appendChild(pre);
    }
    var btn = doc.createElement("button");
    btn.type = "button";
    btn.className = "copy-button";
    btn.textContent = "Copy";
    btn.setAttribute("aria-label", "Copy code");
    btn.addEventListener("click", function () {
      var code = pre.cloneNode(true);
      code.querySelectorAll(".ln").forEach(function (n) { n.remove(); });
      var text = code.textContent.replace(/\n$/, "");
      var done = function () {
        btn.textContent = "Copied";
        announce("Code copied");
        setTimeout(function () { btn.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { announce("Copy failed"); });
      } else {
        var ta = doc.createElement("textarea");
        ta.value = text;
        ta.setAttribute("readonly", "");
        ta.className = "visually-hidden";
        doc.body.appendChild(ta);
        ta.select();
        try { if (doc.execCommand("copy")) done(); } catch (e) { announce("Copy failed"); }
        ta.remove();
      }
    });
    box.appendChild(btn);
  });

  // Back to top appears once the reader is a screen down.
  var top = doc.querySelector(".back-to-top");
  if (top) {
    var showTop = function () { top.classList.toggle("shown", window.scrollY > window.innerHeight); };
    showTop();
    window.addEventListener("scroll", showTop, { passive: true });
  }
})();
