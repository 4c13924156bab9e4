// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Open the FAQ disclosure a deep link points at (browsers that don't do it natively).
  function openTarget() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") target.open = true;
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

  // Printed pages show every FAQ answer.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
