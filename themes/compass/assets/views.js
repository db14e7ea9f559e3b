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
