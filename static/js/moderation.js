// Moderation queue: keyboard shortcuts, as progressive enhancement.
// Every action also works without this file (buttons, links and plain forms).
//   j / k  move focus to the next / previous story
//   a      approve the focused story      r  open its reject page
//   s      mark it as spam                x  tick its checkbox for a bulk decision
// A story that may be about self-harm or suicide has a "Review with care…" link instead of an Approve
// button: "a" follows it to the care step (the server refuses to publish such a story without it).
// On the care step, Escape goes back to the queue, and an option's own fields (the warnings to tick, the
// reason and message) show only while it is chosen, so Tab goes from the choice to "Confirm my choice".
//   u      undo the last decision (its Undo button; the server allows it for a few minutes)
// Decisions are made in place: the decision form is sent with fetch (the same POST endpoints; they answer
// JSON when asked), the story is replaced by a short "Approved · Undo" line and the focus moves to the next
// story. Without JavaScript the same form reloads the queue at the next story (#story-N), which gets focus.
(function () {
  "use strict";

  // Stories still to decide (one decided in place stays in the list as a short line, skipped by j/k).
  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".mod-list .mod-item:not(.mod-item-decided)"));
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

  // The story after `item` still to decide, else the one before it.
  function neighbour(item, nextPk) {
    var byServer = nextPk ? document.getElementById("story-" + nextPk) : null;
    if (byServer && !byServer.classList.contains("mod-item-decided")) return byServer;
    var list = items();
    var index = list.indexOf(item);
    return list[index + 1] || list[index - 1] || null;
  }

  function decideInPlace(form, button) {
    var item = button.closest(".mod-item");
    var data = new FormData(form);
    data.append(button.name, button.value);
    var request = {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    };
    fetch(button.formAction, request).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      var answer = result.answer;
      if (answer.outcome === "care" && answer.location) { window.location.assign(answer.location); return; }
      if (!result.ok) {
        button.disabled = false;
        announce(answer.message || "Nothing was changed.");
        return;
      }
      var next = neighbour(item, answer.next);
      item.classList.add("mod-item-decided");
      item.classList.remove("mod-item-current");
      item.removeAttribute("tabindex");
      var body = item.querySelector(".card-body");
      body.innerHTML = answer.html;  // rendered and escaped by the server (comments/moderation/_decided.html)
      announce(answer.message + (answer.undo_url ? " Press u to undo." : ""));
      if (next) focusItem(next);
    }).catch(function () {
      // Logged out, offline or an unexpected answer: send the same decision the ordinary way (the page
      // reloads at the next story, or shows what went wrong).
      var chosen = document.createElement("input");
      chosen.type = "hidden";
      chosen.name = button.name;
      chosen.value = button.value;
      form.appendChild(chosen);
      form.action = button.formAction;
      form.submit();
    });
  }

  function lastUndo() {
    var forms = document.querySelectorAll(".mod-undo-inline, form.mod-undo");
    return forms.length ? forms[forms.length - 1] : null;
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
    if (key === "u") {
      var undo = lastUndo();
      if (undo) undo.requestSubmit();
      else announce("Nothing to undo.");
      event.preventDefault();
      return;
    }
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

  // The queue's one decision form: sent in place when fetch is there (see the top of this file).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (form.id !== "decision-form" || !button || !window.fetch || !window.FormData) return;
    if (!button.closest(".mod-list .mod-item")) return;
    event.preventDefault();
    button.disabled = true;
    decideInPlace(form, button);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var help = document.getElementById("mod-shortcuts");
    if (help && items().length) {
      help.hidden = false;
      help.open = !window.matchMedia("(hover: none) and (pointer: coarse)").matches;
    }
    // Back from a decision (or an undo) without JavaScript's help: the address names the next story.
    var target = /^#story-\d+$/.test(window.location.hash) ? document.getElementById(window.location.hash.slice(1)) : null;
    if (target && target.classList.contains("mod-item")) focusItem(target);
    showAges();
    window.setInterval(showAges, 60000);
  });

  // Care step: without this file every option's fields show (and all are sent; the server reads the chosen one's).
  document.addEventListener("DOMContentLoaded", function () {
    var careChoices = document.querySelector(".care-choices");
    if (!careChoices) return;
    var showChosenFields = function () {
      careChoices.querySelectorAll(".care-option").forEach(function (option) {
        var fields = option.querySelector(".care-sub");
        var radio = option.querySelector('input[type="radio"]');
        if (fields && radio) fields.hidden = !radio.checked;
      });
    };
    careChoices.addEventListener("change", showChosenFields);
    showChosenFields();
  });
})();
