/* mailhelper — mail-account form enhancements (the page works without this file). */
(function () {
  "use strict";

  var DEFAULT_PORTS = { ssl: "993", starttls: "143", none: "143" };
  var SMTP_PORTS = { ssl: "465", starttls: "587", none: "25" };

  // Follow the security choice with the usual port, unless the user typed a port of their own.
  function followPort(securityId, portId, ports) {
    var security = document.getElementById(securityId);
    var port = document.getElementById(portId);
    if (!security || !port) { return; }
    security.addEventListener("change", function () {
      var known = Object.keys(ports).map(function (k) { return ports[k]; });
      if (port.value === "" || known.indexOf(port.value) !== -1) {
        port.value = ports[security.value] || port.value;
      }
    });
  }
  followPort("id_imap_security", "id_imap_port", DEFAULT_PORTS);
  followPort("id_smtp_security", "id_smtp_port", SMTP_PORTS);

  // Say that the connection test is running (it can take up to the timeout).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail && event.detail.elt;
    if (!trigger || !trigger.hasAttribute("data-connection-test")) { return; }
    var target = document.getElementById("connection-test-result");
    if (target) { target.textContent = target.getAttribute("data-busy-text") || "…"; }
  });
})();
