// Small progressive enhancements. No inline scripts (CSP), no URLs built here.
(function () {
  "use strict";

  // htmx 2 error rule: an invalid form re-renders its fragment with 200; a 403/404/5xx is a
  // real error and is shown in the flash area instead of being swallowed.
  document.addEventListener("htmx:responseError", function (event) {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var xhr = event.detail.xhr;
    var status = xhr.status;
    // The server's own reason (config/errors.py answers htmx with plain text) comes first.
    var own = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0
      ? xhr.responseText.trim().slice(0, 300) : "";
    var text = own ? own
      : status === 403 ? "You are not allowed to do that in this review."
      : status === 404 ? "That page or record no longer exists."
      : "Something went wrong (" + status + "). Your work so far is saved; try again.";
    var p = document.createElement("p");
    p.className = "msg error";
    p.textContent = text;
    flash.replaceChildren(p);
  });
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var p = document.createElement("p");
    p.className = "msg error";
    p.textContent = "The server could not be reached. Check your connection and try again.";
    flash.replaceChildren(p);
  });

  // The site menu folds on a phone (CSS, under html.js): the Menu button opens it.
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  // A table or figure that scrolls sideways (a phone, a wide table) takes the keyboard
  // focus, so it can be scrolled without a mouse (axe: scrollable-region-focusable).
  function focusableScrollers(root) {
    root.querySelectorAll(".table, .table-wrap, pre, .prisma-figure").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex") && !el.querySelector("a, button, input, select, textarea")) {
        el.setAttribute("tabindex", "0");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });
  window.addEventListener("resize", function () { focusableScrollers(document); });
  document.addEventListener("htmx:afterSettle", function (event) { focusableScrollers(event.target); });

  // "/" focuses the page's search box, as in most list views people know.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    var box = document.querySelector("[role=search] input[type=search], [role=search] input[type=text]");
    if (box) { event.preventDefault(); box.focus(); }
  });

  // A key typed into a text field is text, not a shortcut (a focused radio button or
  // checkbox, as after choosing a reason with 1-9, does not count).
  function typing(el) {
    var tag = (el.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || el.isContentEditable) return true;
    if (tag !== "input") return false;
    return ["radio", "checkbox", "button", "submit", "reset"].indexOf((el.type || "").toLowerCase()) === -1;
  }

  // Esc leaves a text box, so the single-key shortcuts work again.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea") event.target.blur();
  });

  // Single-key shortcuts: an element with data-key="s" is clicked when "s" is pressed
  // (never while typing in a field). "?" shows or hides the page's shortcut help.
  function shortcut(key) {
    var target = document.querySelector('[data-key="' + CSS.escape(key) + '"]');
    return target && !target.disabled && !target.closest("[hidden]") ? target : null;
  }
  function press(target) {
    // A text box takes the focus (clicking one does not); anything else is clicked.
    if (typing(target)) target.focus(); else target.click();
  }
  function busy() {
    return !!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling");
  }
  // The record the page shows (the screening card's data-record), "" on other pages.
  function shown() {
    var card = document.querySelector("[data-record]");
    return card ? card.dataset.record : "";
  }
  // A key pressed while a request is in flight (the next record loading) is queued with the
  // record shown when it was pressed, and pressed once the page is idle, in order, one
  // request at a time: on that record only. A fast reviewer's "e 2" still gives record A
  // its reason when the server sends A back; a key meant for A is never applied to the
  // next record B (a double "i" does not vote on B): it is dropped, and the reviewer told.
  var queued = [];
  function drain() {
    var missed = [];
    while (queued.length && !busy()) {
      var item = queued.shift();
      var target = item.record === shown() ? shortcut(item.key) : null;
      if (target) press(target);
      else missed.push(item);
    }
    var flash = document.getElementById("flash");
    if (!missed.length || !flash) return;
    var p = document.createElement("p");
    p.className = "msg error";
    p.dataset.missedKeys = missed.map(function (item) { return item.key; }).join("");
    p.textContent = (missed.length === 1 ? "The key " : "The keys ")
      + missed.map(function (item) { return "\u201c" + item.key + "\u201d"; }).join(", ")
      + " pressed while record #" + missed[0].record + " was being saved "
      + (missed.length === 1 ? "was" : "were") + " not applied to the record now shown."
      + " To change record #" + missed[0].record + ", open My decisions.";
    flash.replaceChildren(p);
  }
  ["htmx:afterRequest", "htmx:afterSettle", "htmx:sendError", "htmx:responseError"].forEach(function (name) {
    // After htmx has removed its classes for this step (the queue waits while busy).
    document.addEventListener(name, function () { if (queued.length) window.setTimeout(drain, 0); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target)) return;
    if (event.key === "?") {
      var help = document.getElementById("keys-help");
      if (!help) return;
      event.preventDefault();
      if (help.open) help.close(); else help.showModal();
      return;
    }
    if (document.querySelector("dialog[open]")) return;
    var target = shortcut(event.key);
    if (!target) return;
    event.preventDefault();
    // One press, one action: while the previous request is in flight, the key waits.
    if (busy() || queued.length) {
      queued.push({ key: event.key, record: shown() });
      if (!busy()) drain();
      return;
    }
    press(target);
  });

  // A form marked data-submit-keys (a conflict's final verdict) is sent with Enter, or
  // Ctrl+Enter from inside a text box; choosing an exclusion reason chooses Exclude.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.altKey || event.shiftKey) return;
    var form = document.querySelector("form[data-submit-keys]");
    if (!form || document.querySelector("dialog[open]")) return;
    // A field of another form (a discussion note on the same page) is not the verdict's.
    if (event.target.form && event.target.form !== form) return;
    var tag = (event.target.tagName || "").toLowerCase();
    var chord = event.ctrlKey || event.metaKey;
    if (!chord && (tag === "textarea" || tag === "button" || tag === "a" || tag === "select" || tag === "summary")) return;
    if (event.target !== document.body && !form.contains(event.target) && !chord) return;
    event.preventDefault();
    if (form.dataset.sent) return;  // one press, one resolution
    form.requestSubmit();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-submit-keys]")) event.target.dataset.sent = "1";
  });
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("input[data-reason]")) return;
    var exclude = event.target.form && event.target.form.querySelector("input[data-exclude]");
    if (exclude) exclude.checked = true;
  });

  // Consensus: "Use 1" / "Use 2" copy a reviewer's answer (or judgement) into the agreed
  // one; j / k move between rows and 1 / 2 take the current row's first or second answer.
  function pick(button) {
    var form = button.closest("form");
    if (!form) return;
    var fields = form.querySelectorAll('[name="' + CSS.escape(button.dataset.name) + '"]');
    fields.forEach(function (field) {
      if (field.type === "radio") field.checked = field.value === button.dataset.value;
      else field.value = button.dataset.value;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-pick]");
    if (button) { event.preventDefault(); pick(button); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll("table.consensus tr.pick-row"));
    if (!rows.length || ["j", "k", "1", "2"].indexOf(event.key) === -1) return;
    var current = rows.indexOf(document.querySelector("table.consensus tr.pick-row.current"));
    if (event.key === "j" || event.key === "k") {
      var next = Math.max(0, Math.min(rows.length - 1, current + (event.key === "j" ? 1 : -1)));
      if (current === -1) next = 0;
      rows.forEach(function (row) { row.classList.remove("current"); });
      rows[next].classList.add("current");
      rows[next].scrollIntoView({ block: "nearest" });
    } else if (current !== -1) {
      var button = rows[current].querySelector('button[data-pick="' + event.key + '"]');
      if (button) pick(button);
    } else return;
    event.preventDefault();
  });

  // Ctrl+S (Cmd+S) on a page with a draft form saves the draft now instead of the browser's
  // "save page as" (the extraction page also saves each change by itself).
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || (event.key || "").toLowerCase() !== "s") return;
    var button = document.querySelector("button[data-save-draft]");
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });

  // The checklist builder: add a blank row (a copy of the table's last row, emptied),
  // remove a row, move one up or down; the form posts the rows in page order.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-builder]");
    if (!button) return;
    event.preventDefault();
    var action = button.dataset.builder;
    if (action === "add") {
      var body = button.closest("form").querySelector('[data-rows="' + button.dataset.target + '"] tbody');
      var last = body.querySelector("tr.builder-row:last-child");
      if (!last) return;
      var row = last.cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      body.appendChild(row);
      var first = row.querySelector("input");
      if (first) first.focus();
      return;
    }
    var current = button.closest("tr.builder-row");
    if (!current) return;
    if (action === "remove" && current.parentNode.querySelectorAll("tr.builder-row").length > 1) current.remove();
    else if (action === "remove") current.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    else if (action === "up" && current.previousElementSibling) current.parentNode.insertBefore(current, current.previousElementSibling);
    else if (action === "down" && current.nextElementSibling) current.parentNode.insertBefore(current.nextElementSibling, current);
  });
})();
