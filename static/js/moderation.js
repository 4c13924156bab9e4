// Moderation queue: keyboard shortcuts, as progressive enhancement.
// Every action also works without this file (buttons, links and plain forms).
//   j / k  move focus to the next / previous story
//   a      approve the focused story      r  open its reject page
//   s      mark it as spam                x  tick its checkbox for a bulk decision
// A story that may be about self-harm or suicide has a "Review with care…" link instead of an Approve
// button: "a" follows it to the care step (the server refuses to publish such a story without it).
// On the care step, Escape goes back to the queue.
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".mod-list .mod-item"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".mod-item") : null;
  }

  function announce(text) {
    var live = document.getElementById("mod-live");
    if (live) live.textContent = text;
  }

  function focusItem(item) {
    if (!item) return;
    items().forEach(function (el) { el.classList.remove("mod-item-current"); });
    item.classList.add("mod-item-current");
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var index = list.indexOf(current());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    if (next < 0 || next >= list.length) return;
    focusItem(list[next]);
  }

  function isTyping(target) {
    if (!target) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "INPUT") return !/^(checkbox|radio|button|submit|reset)$/i.test(target.type);
    return tag === "TEXTAREA" || tag === "SELECT";
  }

  // Content-warned text must be read before a decision: the first "a" or "s" reveals it.
  function unrevealed(item) {
    var cw = item.querySelector("details.cw");
    if (cw && !cw.open) {
      cw.open = true;
      announce("Story revealed. Read it, then press the key again to decide.");
      return true;
    }
    return false;
  }

  // Presses the story's decision button (it submits the page's shared decision form with the
  // button's own URL and value), then disables it so that a second key press does not resend.
  function submit(item, name) {
    var button = item.querySelector('button[data-shortcut="' + name + '"]');
    if (!button || button.disabled) { announce("That decision isn't available for this story."); return; }
    if (unrevealed(item)) return;
    button.form.requestSubmit(button);
    button.disabled = true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var key = event.key;
    if (key === "Escape") {
      var back = document.querySelector("a[data-escape-link]");
      if (back) { window.location.assign(back.href); event.preventDefault(); }
      return;
    }
    if (key === "j") { move(1); event.preventDefault(); return; }
    if (key === "k") { move(-1); event.preventDefault(); return; }
    var item = current();
    if (!item) return;
    if (key === "a") {
      var care = item.querySelector('a[data-shortcut="approve"]');
      if (care) window.location.assign(care.href);
      else submit(item, "approve");
      event.preventDefault();
    }
    else if (key === "s") { submit(item, "spam"); event.preventDefault(); }
    else if (key === "r") {
      var link = item.querySelector('a[data-shortcut="reject"]');
      if (link) { window.location.assign(link.href); event.preventDefault(); }
    } else if (key === "x") {
      var box = item.querySelector("input.mod-select");
      if (box) {
        box.checked = !box.checked;
        announce((box.checked ? "Selected" : "Unselected") + " story " + item.getAttribute("data-story") + ".");
        event.preventDefault();
      }
    }
  });

  // Clicking inside a story makes it the current one.
  document.addEventListener("focusin", function () {
    var item = current();
    if (item && !item.classList.contains("mod-item-current")) {
      items().forEach(function (el) { el.classList.remove("mod-item-current"); });
      item.classList.add("mod-item-current");
    }
  });

  // The queue page is cached until a story changes, so it shows absolute times: how long each story
  // has waited is added here ("(3 hours ago)"), and kept current while the page stays open.
  var AGE_UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

  function showAges() {
    if (!window.Intl || !Intl.RelativeTimeFormat) return;
    var format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    document.querySelectorAll("time[data-age]").forEach(function (time) {
      // datetime is like 2026-11-29T17:29:40+0000; Date.parse wants +00:00.
      var when = Date.parse(time.getAttribute("datetime").replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
      if (isNaN(when)) return;
      var seconds = (when - Date.now()) / 1000;
      var text = "just now";
      for (var i = 0; i < AGE_UNITS.length; i++) {
        if (Math.abs(seconds) >= AGE_UNITS[i][1]) { text = format.format(Math.round(seconds / AGE_UNITS[i][1]), AGE_UNITS[i][0]); break; }
      }
      var age = time.nextElementSibling;
      if (!age || !age.classList.contains("mod-age")) {
        age = document.createElement("span");
        age.className = "mod-age";
        time.after(age);
      }
      age.textContent = " (" + text + ")";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var help = document.getElementById("mod-shortcuts");
    if (help && items().length) help.hidden = false;
    showAges();
    window.setInterval(showAges, 60000);
  });
})();
