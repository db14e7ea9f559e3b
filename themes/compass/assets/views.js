// Compass's generated views, in the browser. The static pages are right at
// build time; this keeps them right afterwards: meeting times also in the
// reader's own time zone, and who is on call now from the rotation's rule.
// A file, not an inline script, so a strict Content-Security-Policy holds.
(function () {
  "use strict";
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) { return; }
  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    var at = new Date(el.getAttribute("datetime"));
    if (isNaN(at)) return;
    var span = document.createElement("span");
    span.className = "local-time";
    span.textContent = " (" + fmt.format(at) + " your time)";
    el.after(span);
  });
})();

// On call now: the page carries months of shifts computed at build time;
// pick the one covering the reader's present and show the next handoffs.
(function () {
  "use strict";
  var SHOWN = 5; // as views.Shown
  document.querySelectorAll("[data-rotation]").forEach(function (rot) {
    var items = Array.prototype.slice.call(rot.querySelectorAll(".handoffs li[data-start]"));
    var now = Date.now(), current = -1;
    items.forEach(function (li, i) {
      if (Date.parse(li.dataset.start) <= now && now < Date.parse(li.dataset.end)) current = i;
    });
    var first = current;
    if (first < 0) { // between shifts or past the carried schedule: the next one to start
      first = items.findIndex(function (li) { return Date.parse(li.dataset.start) > now; });
    }
    if (first < 0) return; // the page is older than its schedule; leave the build's answer
    items.forEach(function (li, i) {
      li.hidden = i < first || i >= first + SHOWN;
      li.classList.toggle("current", i === current);
    });
    var who = rot.querySelector("[data-oncall-now]");
    if (who) {
      who.textContent = "";
      if (current >= 0) {
        var person = items[current].querySelector("a");
        who.appendChild(person ? person.cloneNode(true) : document.createTextNode(items[current].textContent));
      } else {
        who.textContent = "nobody";
      }
    }
    var until = rot.querySelector("[data-oncall-until]");
    if (until && current >= 0 && items[current + 1]) {
      until.setAttribute("datetime", items[current].dataset.end);
      until.textContent = items[current + 1].querySelector("time").textContent;
    }
    var asof = rot.querySelector(".oncall-asof");
    if (asof) asof.textContent = "(as of now)";
  });
})();
