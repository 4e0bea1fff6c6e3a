// Message detail, tags and settings pages. No inline script anywhere: the CSP allows only files from 'self'.
(function () {
  "use strict";

  // Colours from data attributes (the CSP forbids style attributes in markup; CSSOM writes are allowed).
  function paintColours(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      var colour = el.getAttribute("data-colour");
      if (/^#[0-9a-fA-F]{6}$/.test(colour)) {
        if (el.classList.contains("tag-dot")) { el.style.backgroundColor = colour; }
        else { el.style.borderColor = colour; }
      }
    });
  }

  // The body document is same-origin (sandbox keeps allow-same-origin, never allow-scripts), so the
  // parent can read its height and size the frame to the mail instead of showing a second scrollbar.
  function fitFrame(frame) {
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.documentElement) { return; }
      // body, not html: the html element is at least as tall as the frame, so it could never shrink.
      var body = doc.body;
      if (!body) { return; }
      var style = doc.defaultView.getComputedStyle(body);
      var height = body.scrollHeight + parseFloat(style.marginTop || 0) + parseFloat(style.marginBottom || 0);
      frame.style.height = Math.min(Math.max(Math.ceil(height) + 4, 120), 20000) + "px";
    } catch (e) { /* not same-origin: keep the CSS height */ }
  }

  function wireFrames(root) {
    root.querySelectorAll("iframe.mail-body").forEach(function (frame) {
      if (frame.dataset.wired) { return; }
      frame.dataset.wired = "1";
      frame.addEventListener("load", function () {
        fitFrame(frame);
        var doc = frame.contentDocument;
        if (doc) {
          doc.querySelectorAll("img").forEach(function (img) {
            img.addEventListener("load", function () { fitFrame(frame); });
          });
        }
      });
      fitFrame(frame);
    });
  }

  // Confirmation for destructive buttons (before htmx sees the submit).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = button && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function init(root) {
    paintColours(root);
    wireFrames(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target.parentNode || document); });
})();
