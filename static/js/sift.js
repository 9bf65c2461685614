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
})();
