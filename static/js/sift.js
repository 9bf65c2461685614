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
    var target = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (!target || target.disabled || target.closest("[hidden]")) return;
    // One press, one decision: ignore keys while the previous request is in flight.
    if (document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")) { event.preventDefault(); return; }
    event.preventDefault();
    // A text box takes the focus (clicking one does not); anything else is clicked.
    if (typing(target)) target.focus(); else target.click();
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
