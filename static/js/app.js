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

  // --- mail pages: selection, keyboard shortcuts, live refresh (all optional: pages work without them) ---
  function qs(selector, root) { return (root || document).querySelector(selector); }
  function qsa(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function rows() { return qsa("#msg-rows tr.msg-row"); }
  function selectedBoxes() { return qsa('#msg-rows input[name="ids"]:checked'); }

  function selectionUpdate() {
    var count = selectedBoxes().length;
    var label = qs("#bulk-count");
    if (label) { label.textContent = count ? count + " \u2713" : ""; }
    rows().forEach(function (row) {
      var box = qs('input[name="ids"]', row);
      row.classList.toggle("selected", !!(box && box.checked));
    });
    var all = qs("#select-all");
    if (all) { all.checked = count > 0 && count === rows().length; all.indeterminate = count > 0 && count < rows().length; }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) { return; }
    if (target.id === "select-all") {
      qsa('#msg-rows input[name="ids"]').forEach(function (box) { box.checked = target.checked; });
    }
    if (target.id === "select-all" || target.name === "ids") { selectionUpdate(); }
  });

  // The bulk form: buttons that need a choice say so instead of posting an empty one.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "bulk-form") { return; }
    var button = event.submitter;
    if (!button || button.name !== "action") { return; }
    if (!selectedBoxes().length) { event.preventDefault(); flashNote(form.getAttribute("data-none") || "Select at least one message first."); }
  });
  function flashNote(text) {
    var bar = qs("#bulk-count");
    if (bar) { bar.textContent = text; }
  }

  // Keyboard shortcuts: j/k move, x select, e done, o/Enter open, / search, ? help, g d / g m go.
  var current = null;
  var pendingG = false;
  function setCurrent(row) {
    if (current) { current.removeAttribute("data-current"); }
    current = row;
    if (!row) { return; }
    row.setAttribute("data-current", "true");
    var link = qs(".msg-link", row);
    (link || row).focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var index = current ? list.indexOf(current) : -1;
    if (index === -1) { setCurrent(list[step > 0 ? 0 : list.length - 1]); return; }
    setCurrent(list[Math.max(0, Math.min(list.length - 1, index + step))]);
  }
  function isTyping(target) {
    return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("focusin", function (event) {
    var row = event.target instanceof Element ? event.target.closest("#msg-rows tr.msg-row") : null;
    if (row && row !== current) { if (current) { current.removeAttribute("data-current"); } current = row; row.setAttribute("data-current", "true"); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      if (event.key === "Escape" && isTyping(event.target)) { event.target.blur(); }
      return;
    }
    var help = qs("#shortcuts-help");
    if (pendingG) {
      pendingG = false;
      if (event.key === "d") { window.location.href = "/"; return; }
      if (event.key === "m") { window.location.href = "/mail/"; return; }
    }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x":
        if (current) { var box = qs('input[name="ids"]', current); if (box) { box.checked = !box.checked; selectionUpdate(); } }
        break;
      case "e": {
        var form = qs("#bulk-form");
        if (!form) { return; }
        if (!selectedBoxes().length && current) { var own = qs('input[name="ids"]', current); if (own) { own.checked = true; } }
        if (!selectedBoxes().length) { return; }
        var done = qs('button[name="action"][value="done"]', form);
        if (done) { form.requestSubmit(done); }
        break;
      }
      case "o": case "Enter":
        if (current && event.key === "o") { var link = qs("a.msg-link", current); if (link) { link.click(); } }
        return;
      case "/": {
        var search = qs("[data-shortcut-search]");
        if (search) { search.focus(); search.select(); } else { window.location.href = "/mail/?focus=search"; }
        break;
      }
      case "?": if (help && help.showModal) { help.showModal(); } break;
      case "g": pendingG = true; window.setTimeout(function () { pendingG = false; }, 1200); return;
      default: return;
    }
    event.preventDefault();
  });
  if (/[?&]focus=search/.test(window.location.search)) {
    var searchBox = qs("[data-shortcut-search]");
    if (searchBox) { searchBox.focus(); }
  }

  // Live refresh of server-rendered regions (one template, two callers: the page and this refresh).
  var timers = {};
  function debounce(key, wait, fn) {
    window.clearTimeout(timers[key]);
    timers[key] = window.setTimeout(fn, wait);
  }
  function refresh(selector) {
    var region = qs(selector);
    if (!region || !window.htmx) { return null; }
    return window.htmx.ajax("GET", region.getAttribute("data-refresh-url"), { target: region, swap: "innerHTML" });
  }
  function listRefresh() {
    var body = qs("#msg-rows");
    if (!body) { return; }
    var busy = selectedBoxes().length > 0 || body.getAttribute("data-first-page") !== "1";
    if (busy) { var banner = qs("#new-mail-banner"); if (banner) { banner.hidden = false; } return; }
    var keep = current ? current.getAttribute("data-id") : null;
    var request = refresh("#msg-rows");
    if (request && keep) {
      request.then(function () { var row = qs('#msg-rows tr[data-id="' + keep + '"]'); if (row) { current = null; row.setAttribute("data-current", "true"); current = row; } });
    }
  }
  function everythingRefresh() {
    debounce("panel", 400, function () { refresh("#dashboard-panel"); });
    debounce("status", 400, function () { refresh("#sync-status"); });
    debounce("list", 400, listRefresh);
  }
  function syncItem(detail) {
    return detail && detail.account_id != null ? qs('.sync-item[data-account-id="' + Number(detail.account_id) + '"]') : null;
  }
  function progressShow(detail, done, total, text) {
    var item = syncItem(detail);
    if (!item) { debounce("status", 300, function () { refresh("#sync-status"); }); return; }
    item.setAttribute("data-state", "syncing");
    var box = qs('[data-role="progress"]', item);
    if (!box) { return; }
    box.hidden = false;
    var bar = qs("progress", box);
    if (bar) {
      if (total > 0) { bar.max = total; bar.value = Math.min(done, total); } else { bar.removeAttribute("value"); }
    }
    var label = qs('[data-role="progress-text"]', box);
    if (label && text) { label.textContent = text; }
    var container = qs("#sync-status");
    if (container) { container.setAttribute("data-progress-seen", "true"); }
  }
  document.addEventListener("mh:sync.started", function (event) { progressShow(event.detail, 0, 0, ""); });
  // The event names a folder as the server does; INBOX is shown in the reader's language, as on the pages.
  function folderName(name) {
    var list = qs("[data-inbox-name]");
    return list && String(name).toUpperCase() === "INBOX" ? list.getAttribute("data-inbox-name") : name;
  }
  document.addEventListener("mh:sync.progress", function (event) {
    var d = event.detail || {};
    progressShow(d, Number(d.done) || 0, Number(d.total) || 0, (d.done || 0) + " / " + (d.total || 0) + (d.folder ? " \u00b7 " + folderName(d.folder) : ""));
  });
  document.addEventListener("mh:sync.finished", function (event) {
    var item = syncItem(event.detail);
    if (item) { var box = qs('[data-role="progress"]', item); if (box) { box.hidden = true; } }
    if (qs("#sync-status") && !qs("#dashboard-panel") && qs(".empty-state")) { window.location.reload(); return; }
    everythingRefresh();
  });
  document.addEventListener("mh:sync.failed", function () { debounce("status", 300, function () { refresh("#sync-status"); }); });
  document.addEventListener("mh:mail.new", everythingRefresh);
  document.addEventListener("mh:processing.finished", function () {
    debounce("panel", 1500, function () { refresh("#dashboard-panel"); });
    debounce("list", 1500, listRefresh);
  });
  document.addEventListener("mh:reconnected", everythingRefresh);

  // Live events: one websocket per tab, reconnecting with backoff; events are re-dispatched on
  // document as "mh:<event>" so each page decides what to refresh.
  var url = document.body.getAttribute("data-events-url");
  if (!url || !("WebSocket" in window)) { return; }
  var status = document.getElementById("live-status");
  var delay = 1000;
  var wasConnected = false;
  function setState(state) { if (status) { status.setAttribute("data-state", state); } }
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + url);
    socket.addEventListener("open", function () {
      delay = 1000;
      setState("online");
      // Events sent while we were away are lost: refresh what they would have changed.
      if (wasConnected) { document.dispatchEvent(new CustomEvent("mh:reconnected")); }
      wasConnected = true;
    });
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
