// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Open the disclosure a deep link points at: the details itself, or an FAQ item's answer.
  function openTarget() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName !== "DETAILS") target = target.querySelector(":scope > details");
    if (target) target.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);

  // A form sent back with errors: focus its error summary (GOV.UK pattern) and bring it into view, so a
  // screen reader announces it and a phone shows it instead of the top of a long page.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (!summary) return;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start", behavior: "instant" });
  });

  // A step that asks the reader something first (a story that may name someone): focus its heading, so it is
  // read out and shown before the form. Without JavaScript, the step's first button has autofocus instead.
  document.addEventListener("DOMContentLoaded", function () {
    var step = document.querySelector("[data-focus-on-load]");
    if (!step) return;
    step.focus({ preventScroll: true });
    step.scrollIntoView({ block: "start", behavior: "instant" });
  });

  // Printed pages show every FAQ answer.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
