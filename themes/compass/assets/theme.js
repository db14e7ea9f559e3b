// Runs in <head> before the first paint: applies the reader's chosen colour
// scheme (compass.js's toggle stores it) so the page never flashes the other
// one, and marks the page as scripted so the theme can lay out the menu
// and toggle buttons before compass.js runs.
(function (d) {
  "use strict";
  d.classList.add("js");
  try {
    var t = localStorage.getItem("compass-theme");
    if (t === "light" || t === "dark") d.setAttribute("data-theme", t);
  } catch (e) { /* storage blocked: follow the system */ }
})(document.documentElement);
