// Compass theme behaviour. Everything works without it; it only folds the
// sidebar away on narrow screens, where the open menu would push the page
// below the fold. Loaded as a file (no inline script) so a strict CSP holds.
(function () {
  "use strict";
  var nav = document.querySelector(".nav-disclosure");
  if (!nav || !window.matchMedia) return;
  var narrow = window.matchMedia("(max-width: 59.99em)");
  function apply() { nav.open = !narrow.matches; }
  apply();
  if (narrow.addEventListener) narrow.addEventListener("change", apply);
})();
