/* mailhelper — progressive enhancement only: every page works without this file. */
(function () {
  "use strict";

  // Submit the language switch on change (no inline handlers: the CSP forbids them).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  // Live events: one websocket per tab, reconnecting with backoff; events are re-dispatched on
  // document as "mh:<event>" so each page decides what to refresh.
  var url = document.body.getAttribute("data-events-url");
  if (!url || !("WebSocket" in window)) { return; }
  var status = document.getElementById("live-status");
  var delay = 1000;
  function setState(state) { if (status) { status.setAttribute("data-state", state); } }
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + url);
    socket.addEventListener("open", function () { delay = 1000; setState("online"); });
    socket.addEventListener("message", function (message) {
      var payload;
      try { payload = JSON.parse(message.data); } catch (e) { return; }
      document.dispatchEvent(new CustomEvent("mh:" + payload.event, { detail: payload.data }));
      var log = document.getElementById("event-log");
      if (log) {
        var item = document.createElement("li");
        item.textContent = payload.event + " " + JSON.stringify(payload.data);
        log.appendChild(item);
      }
    });
    socket.addEventListener("close", function (closeEvent) {
      setState("offline");
      if (closeEvent.code === 4401) { return; }  // not allowed: reconnecting would not help
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();
})();
