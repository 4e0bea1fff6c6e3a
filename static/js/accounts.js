/* mailhelper — account pages: copy a key, link or the recovery codes to the clipboard (no inline JS: CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
    if (!button || !navigator.clipboard) { return; }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    var text = Array.prototype.map.call(source.querySelectorAll("code"), function (c) { return c.textContent; }).join("\n") || source.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      button.setAttribute("data-copied", "true");
      window.setTimeout(function () { button.removeAttribute("data-copied"); }, 2000);
    });
  });
})();
