// Typesets the page's math with the vendored KaTeX, which the page loads
// just before this file, and only on pages with math. KaTeX writes MathML
// only (no HTML copy, so no stylesheet or fonts to load): browsers draw
// MathML natively, and it sets no inline style, so the site's strict
// Content-Security-Policy holds. Without JavaScript the TeX stays readable.
(function () {
  "use strict";
  if (!window.katex) return;
  document.querySelectorAll(".math").forEach(function (el) {
    var tex = el.textContent;
    try {
      window.katex.render(tex, el, {
        displayMode: el.classList.contains("display"),
        output: "mathml",
        throwOnError: true,
        // LaTeX's \mbox, which MathJax (and so mystmd and Jupyter Book)
        // reads and KaTeX does not.
        macros: { "\\mbox": "\\text{#1}" },
      });
    } catch (e) {
      // The TeX stays, marked, with KaTeX's message as its tooltip.
      el.textContent = tex;
      el.classList.add("math-error");
      el.title = String((e && e.message) || e);
    }
  });
  document.documentElement.setAttribute("data-math", "typeset");
})();
