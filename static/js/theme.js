// Light or dark colours (Bootstrap's colour modes): the device's setting (prefers-color-scheme) unless the
// reader chose one with the footer's toggle, remembered on this device only (localStorage, never sent to us).
// Loaded in <head> without defer, so the right colours are set before the page is drawn.
(function () {
  "use strict";
  var KEY = "rewire-theme";
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (e) {
      return null; // storage blocked: follow the device
    }
  }

  function current() {
    return stored() || (media && media.matches ? "dark" : "light");
  }

  function apply() {
    var theme = current();
    document.documentElement.setAttribute("data-bs-theme", theme);
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
    });
  }

  apply();
  if (media && media.addEventListener) media.addEventListener("change", apply);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        try {
          localStorage.setItem(KEY, current() === "dark" ? "light" : "dark");
        } catch (e) {
          // storage blocked: switch for this page only
          document.documentElement.setAttribute("data-bs-theme", current() === "dark" ? "light" : "dark");
          return;
        }
        apply();
      });
    });
    apply();
  });
})();
