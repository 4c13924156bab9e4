// Help boxes: a country picker that shows one region's helplines. Without this file every region shows.
// The choice is kept in localStorage on this device only: it is never sent to the server (no cookie).
// Loaded in <head> without defer: it names the region on <html> (data-help-choice) before the page is drawn,
// and site.css hides the other regions and shows the picker from the first paint, so nothing moves later.
(function () {
  "use strict";

  var KEY = "rewire-help-region";
  // Browser language regions that differ from the codes in content/help.yaml.
  var ALIASES = { gb: "uk" };
  var root = document.documentElement;
  // The regions of content/help.yaml, in base.html: the boxes are not parsed yet.
  var script = document.currentScript;
  var codes = ((script && script.getAttribute("data-help-regions")) || "").split(" ");

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode: the choice lasts this page */ }
  }

  function guess() {
    var languages = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < languages.length; i++) {
      var parts = String(languages[i]).toLowerCase().split("-");
      var region = parts.length > 1 ? ALIASES[parts[parts.length - 1]] || parts[parts.length - 1] : "";
      if (codes.indexOf(region) !== -1) return region;
    }
    return "all";
  }

  function choose(value) {
    root.setAttribute("data-help-choice", value);
    document.querySelectorAll("[data-help-select]").forEach(function (select) { select.value = value; });
  }

  var choice = stored();
  if (choice !== "all" && codes.indexOf(choice) === -1) choice = guess();
  root.setAttribute("data-help-choice", choice);

  function init() {
    document.querySelectorAll("[data-help-box]").forEach(function (box) {
      var picker = box.querySelector("[data-help-picker]");
      var select = box.querySelector("[data-help-select]");
      if (!picker || !select) return; // the /help/ page shows every region
      picker.hidden = false; // already shown by site.css; for anything that reads the attribute
      select.value = choice;
      select.addEventListener("change", function () {
        store(select.value);
        choose(select.value);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
