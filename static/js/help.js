// Help boxes: a country picker that shows one region's helplines. Without this file every region shows.
// The choice is kept in localStorage on this device only: it is never sent to the server (no cookie).
(function () {
  "use strict";

  var KEY = "rewire-help-region";
  // Browser language regions that differ from the codes in content/help.yaml.
  var ALIASES = { gb: "uk" };

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode: the choice lasts this page */ }
  }

  function guess(codes) {
    var languages = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < languages.length; i++) {
      var parts = String(languages[i]).toLowerCase().split("-");
      var region = parts.length > 1 ? ALIASES[parts[parts.length - 1]] || parts[parts.length - 1] : "";
      if (codes.indexOf(region) !== -1) return region;
    }
    return "all";
  }

  function show(box, value) {
    var select = box.querySelector("[data-help-select]");
    if (select) select.value = value;
    box.querySelectorAll("[data-help-region]").forEach(function (section) {
      section.hidden = value !== "all" && section.getAttribute("data-help-region") !== value;
    });
  }

  function init() {
    var boxes = document.querySelectorAll("[data-help-box]");
    boxes.forEach(function (box) {
      var picker = box.querySelector("[data-help-picker]");
      var select = box.querySelector("[data-help-select]");
      if (!picker || !select) return; // the /help/ page shows every region
      var codes = Array.prototype.map.call(select.options, function (option) { return option.value; });
      var choice = stored();
      if (codes.indexOf(choice) === -1) choice = guess(codes);
      picker.hidden = false;
      show(box, choice);
      select.addEventListener("change", function () {
        store(select.value);
        boxes.forEach(function (other) {
          if (other.querySelector("[data-help-picker]")) show(other, select.value);
        });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
