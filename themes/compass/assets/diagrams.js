// Draws the page's {mermaid} diagrams with the vendored mermaid library,
// which the page loads just before this file, and only on pages that have a
// diagram. Without JavaScript the diagram's source stays readable in its
// <pre class="mermaid">.
//
// The site's Content-Security-Policy allows no inline style (style-src
// 'self'), and mermaid writes styles three ways the browser would refuse,
// and report as violations: style attributes (through setAttribute and in
// the HTML strings it parses or assigns to innerHTML) and a <style> element
// in each SVG. While mermaid draws, those three are routed through the
// CSSOM, which the policy does not govern: a style attribute becomes
// element.style.cssText, a <style> element becomes a constructed
// stylesheet adopted by the document (its rules are scoped to the diagram's
// id). Everything is put back once the diagrams are drawn.
(function () {
  "use strict";
  var blocks = document.querySelectorAll("pre.mermaid");
  if (!blocks.length || !window.mermaid) return;

  var E = Element.prototype;
  var N = Node.prototype;
  var setAttribute = E.setAttribute;
  var innerHTML = Object.getOwnPropertyDescriptor(E, "innerHTML");
  var parseFromString = DOMParser.prototype.parseFromString;
  var insertBefore = N.insertBefore;
  var appendChild = N.appendChild;
  // A style attribute inside a tag: renamed before parsing, applied after.
  var styleAttr = /(<[a-zA-Z][^<>]*?\s)style=/g;
  var parked = "data-compass-style";

  function unpark(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[" + parked + "]").forEach(function (el) {
      el.style.cssText = el.getAttribute(parked);
      el.removeAttribute(parked);
    });
  }
  function park(html) {
    return String(html).replace(styleAttr, "$1" + parked + "=");
  }
  function isStyle(n) {
    return n instanceof HTMLStyleElement || n instanceof SVGStyleElement;
  }
  // adopt turns a <style> element about to be inserted into a constructed
  // stylesheet, and inserts an empty comment in its place.
  function adopt(n) {
    if (!isStyle(n)) return n;
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(n.textContent);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    return document.createComment("");
  }

  function patch() {
    E.setAttribute = function (name, value) {
      if (String(name).toLowerCase() === "style") {
        this.style.cssText = value;
        return;
      }
      return setAttribute.call(this, name, value);
    };
    Object.defineProperty(E, "innerHTML", {
      configurable: true,
      get: innerHTML.get,
      set: function (v) {
        if (isStyle(this)) return innerHTML.set.call(this, v);
        innerHTML.set.call(this, park(v));
        unpark(this);
      },
    });
    DOMParser.prototype.parseFromString = function (s, type) {
      var doc = parseFromString.call(this, park(s), type);
      unpark(doc);
      return doc;
    };
    N.insertBefore = function (n, ref) { return insertBefore.call(this, adopt(n), ref); };
    N.appendChild = function (n) { return appendChild.call(this, adopt(n)); };
  }

  function unpatch() {
    E.setAttribute = setAttribute;
    Object.defineProperty(E, "innerHTML", innerHTML);
    DOMParser.prototype.parseFromString = parseFromString;
    N.insertBefore = insertBefore;
    N.appendChild = appendChild;
  }

  function scheme() {
    var t = document.documentElement.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  async function draw() {
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      suppressErrorRendering: true,
      theme: scheme() === "dark" ? "dark" : "default",
    });
    for (var i = 0; i < blocks.length; i++) {
      var pre = blocks[i];
      var id = "compass-diagram-" + i;
      try {
        var out = await window.mermaid.render(id, pre.textContent);
        var div = document.createElement("div");
        div.className = "diagram";
        div.setAttribute("role", "img");
        div.setAttribute("aria-label", "Diagram");
        div.innerHTML = out.svg;
        pre.replaceWith(div);
      } catch (e) {
        // The source stays, marked, with mermaid's message beside it.
        pre.classList.add("mermaid-error");
        pre.title = String((e && e.message) || e);
        var left = document.getElementById("d" + id);
        if (left) left.remove();
      }
    }
  }

  patch();
  draw().finally(function () {
    unpatch();
    document.documentElement.setAttribute("data-diagrams", "drawn");
  });
})();
