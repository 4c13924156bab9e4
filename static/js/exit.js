// "Exit this page", after the GOV.UK Design System component. Without this file the button is a plain
// link to the neutral site. With it, the page is blanked at once and replaced (not pushed) in the
// history, so Back does not return here; pressing Shift 3 times does the same.
(function () {
  "use strict";

  var PRESSES = 3;
  var PRESS_GAP_MS = 5000; // GOV.UK's limit between two presses: generous for people who press slowly

  function init() {
    var root = document.querySelector("[data-exit-this-page]");
    if (!root) return;
    var button = root.querySelector("[data-exit-this-page-button]");
    var hint = root.querySelector(".exit-hint");
    var status = root.querySelector("[data-exit-this-page-status]");
    var count = 0;
    var lastWasModified = false;
    var timer = null;
    var overlay = null;

    if (hint) {
      hint.hidden = false;
      button.setAttribute("aria-describedby", hint.id);
    }

    function exitPage() {
      // No referrer: the neutral site should not learn where the reader came from.
      var meta = document.createElement("meta");
      meta.name = "referrer";
      meta.content = "no-referrer";
      document.head.appendChild(meta);
      document.body.classList.add("exit-this-page-hide-content");
      overlay = document.createElement("div");
      overlay.className = "exit-this-page-overlay";
      overlay.setAttribute("role", "alert");
      document.body.appendChild(overlay);
      overlay.textContent = "Loading.";
      document.title = "Loading";
      window.location.replace(button.href);
    }

    function reset() {
      count = 0;
      if (timer) window.clearTimeout(timer);
      timer = null;
    }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      exitPage();
    });

    // Shift pressed on its own (not as a modifier, e.g. for a capital letter) 3 times in a row.
    document.addEventListener("keyup", function (event) {
      if (event.key === "Shift" && !lastWasModified) {
        count += 1;
        if (count >= PRESSES) {
          reset();
          if (status) status.textContent = "";
          exitPage();
        } else {
          if (status) status.textContent = "Shift, press " + (PRESSES - count) + " more time" + (PRESSES - count > 1 ? "s" : "") + " to exit.";
          if (timer) window.clearTimeout(timer);
          timer = window.setTimeout(function () {
            reset();
            if (status) status.textContent = "";
          }, PRESS_GAP_MS);
        }
      } else if (count) {
        reset();
        if (status) status.textContent = "";
      }
      lastWasModified = event.shiftKey;
    }, true);

    // A page restored from the back/forward cache must not stay blank.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      document.body.classList.remove("exit-this-page-hide-content");
      if (overlay) overlay.remove();
      overlay = null;
      reset();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
