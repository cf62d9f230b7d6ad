// The playground panel's behaviour around htmx: messages for requests htmx
// could not swap in, live updates that never wipe a form being edited, the
// in-place answer to a product create, and keyboard focus across a swap.
// Loaded only on pages that show a panel (a scenario, a lesson with one).
(function () {
  "use strict";

  var root = document.documentElement;
  // Wire up once, as site.js does: a page htmx swapped in whole brings its
  // script tags along.
  if (root.hasAttribute("data-playground-enhanced")) {
    return;
  }

  // --- Requests htmx could not swap in -----------------------------------
  // 413 (upload too large), 404 (a record that is gone), 5xx and network
  // failures: say so in the playground instead of failing silently.
  function showPlaygroundError(message) {
    var panel = document.getElementById("playground");
    if (!panel) {
      return;
    }
    var messages = panel.querySelector("#pg-messages") || panel;
    var alert = messages.querySelector("[data-request-error]");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "pg-alert pg-alert--error";
      alert.setAttribute("role", "alert");
      alert.dataset.requestError = "";
      messages.insertBefore(alert, messages.firstChild);
    }
    alert.textContent = message;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var plain = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
    var message =
      plain && xhr.responseText
        ? xhr.responseText
        : xhr.status === 404
          ? "That record no longer exists (someone may have deleted it in another tab)."
          : "The server could not do that (HTTP " + xhr.status + "). Try again, or start this lesson again.";
    showPlaygroundError(message);
  });
  // An action on a record deleted meanwhile answers 404 with the panel and
  // its message (X-Playground-Panel): swap it in, like a refused action's 409.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 404 && xhr.getResponseHeader("X-Playground-Panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    if (event.detail.elt.id === "pg-poller") {
      event.detail.elt.dataset.answered = "";
    }
  });
  // A poll still waiting for its answer when an action replaces the poller
  // (the in-place create does, and so does every panel swap) is cancelled:
  // htmx would look for the answer's out-of-band targets around the old,
  // detached poller, and find none. The new poller asks within a second.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var poller = event.target;
    if (poller.id === "pg-poller" && poller.dataset.answered === undefined) {
      htmx.trigger(poller, "htmx:abort");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showPlaygroundError("The server could not be reached. Check that it is running.");
  });

  // --- Live updates never wipe a form the learner is using ---------------
  // The poll swaps records, log and outbox out of band. While a row's edit
  // form is open, or a field in the records has focus, keep the records (and
  // the old version in the poller, so the next poll brings the change again
  // once the form closes).
  var keepRecords = false;
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  // Where focus was in a block a live update replaces: the nearest element
  // with an id, and the position of the focused control inside it.
  var focusedIn = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var added = event.detail.fragment && event.detail.fragment.firstElementChild;
    var active = document.activeElement;
    if (target.hasAttribute("data-added-in-place")) {
      // A row, log entry or e-mail added in place: skip it when the page
      // already has it (a poll that crossed the action brought it first).
      if (added && added.id && document.getElementById(added.id)) {
        event.detail.shouldSwap = false;
      }
      return;
    }
    if (target.id === "pg-records") {
      keepRecords =
        (target.contains(active) && active.matches("input, select, textarea")) ||
        target.querySelector("details.pg-row__edit[open]") !== null;
      if (keepRecords) {
        event.detail.shouldSwap = false;
        return;
      }
    } else if (target.id === "pg-poller" && keepRecords) {
      event.detail.shouldSwap = false;
      keepRecords = false;
      return;
    }
    if (active && active !== target && target.contains(active)) {
      var holder = active.closest("[id]");
      focusedIn = {
        block: target.id,
        id: holder.id,
        index: Array.prototype.indexOf.call(holder.querySelectorAll(FOCUSABLE), active),
      };
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var active = document.activeElement;
    if (!focusedIn || (active && active !== document.body)) {
      return;
    }
    var holder = document.getElementById(focusedIn.id);
    var control = holder && focusedIn.index >= 0 ? holder.querySelectorAll(FOCUSABLE)[focusedIn.index] : null;
    // The control's row may be gone (deleted in another tab): the block then.
    var target = control || holder || document.getElementById(focusedIn.block);
    focusedIn = null;
    if (target) {
      if (!target.matches(FOCUSABLE)) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: true });
    }
  });

  // --- Actions that only add something --------------------------------------
  // Each action tells the server which version of the sandbox this page
  // shows. When the page is exactly one change behind, a product create is
  // answered with just the new row and log entry (HX-Reswap: none), not the
  // whole panel; anything else still gets the whole panel.
  document.addEventListener("htmx:configRequest", function (event) {
    var poller = document.getElementById("pg-poller");
    var panel = document.getElementById("playground");
    if (poller && panel && event.detail.verb === "post" && panel.contains(event.detail.elt)) {
      event.detail.headers["X-Playground-Version"] = poller.dataset.version;
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    // A count is the rows its list shows, plus those it leaves out (a long
    // list shows its newest rows only).
    document.querySelectorAll("[data-count-of]").forEach(function (count) {
      var list = document.querySelector(count.dataset.countOf);
      if (list) {
        count.textContent = String(list.children.length + (parseInt(count.dataset.notShown, 10) || 0));
      }
    });
    // Lists that grow at the top keep as many items as a fresh page shows.
    document.querySelectorAll("[data-keep]").forEach(function (list) {
      var keep = parseInt(list.dataset.keep, 10);
      while (keep > 0 && list.children.length > keep) {
        list.removeChild(list.lastElementChild);
      }
    });
  });
  // The answer brought the form back blank: focus its first field, ready
  // for the next product (the log announces the new entry).
  document.addEventListener("htmx:afterSettle", function (event) {
    var sent = event.detail.requestConfig && event.detail.requestConfig.elt;
    var xhr = event.detail.xhr;
    if (!sent || !sent.id || !xhr || xhr.getResponseHeader("HX-Reswap") !== "none") {
      return;
    }
    var fresh = document.getElementById(sent.id);
    var field = fresh && fresh.querySelector("input:not([type=hidden]), select, textarea");
    if (field && event.detail.successful !== false) {
      field.focus();
    }
  });

  // --- Keep boxes open and keyboard focus across a swap of the playground --
  // After an action the panel is replaced. Boxes the learner opened ("Create
  // an article", "Who is listening?") open again; focus goes back to the
  // same control (same request URL and label), else to the message, else to
  // the row the action changed (or the one after a deleted row), else to
  // the panel's title: never to the page.
  var refocus = null;
  var reopen = [];
  function rowId(row) {
    return row && row.classList.contains("pg-row") ? row.id : null;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    if (target.id !== "playground") {
      return;
    }
    reopen = Array.prototype.map.call(target.querySelectorAll("details[open][data-keep-open]"), function (box) {
      return box.id;
    });
    // Only when focus was inside the panel: the first load of a lesson's
    // panel must not pull focus away from wherever the reader is.
    if (!active || !target.contains(active)) {
      refocus = null;
      return;
    }
    var form = active.form || active.closest("form");
    var row = active.closest(".pg-row");
    refocus = {
      post: active.getAttribute("hx-post") || (form && form.getAttribute("hx-post")),
      label: active.textContent,
      name: active.name,
      rows: row ? [row.id, rowId(row.nextElementSibling), rowId(row.previousElementSibling)] : [],
      list: row && row.closest(".pg-records"),
    };
    if (refocus.list) {
      var heading = refocus.list.querySelector(".pg-records__title");
      refocus.list = heading && heading.id;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // The target is the panel the swap replaced; the boxes are in the new one.
    if (event.detail.target.id !== "playground") {
      return;
    }
    reopen.forEach(function (id) {
      var box = document.getElementById(id);
      if (box && !box.open) {
        // "Who is listening?" loads its list on this toggle: htmx must
        // know the new box first (it would otherwise at settle time).
        htmx.process(box);
        box.open = true;
      }
    });
    reopen = [];
  });
  function rowFocus(rows, list) {
    for (var index = 0; index < rows.length; index++) {
      var row = rows[index] && document.getElementById(rows[index]);
      if (row) {
        return row.querySelector(".pg-row__open") || row.querySelector(FOCUSABLE) || row;
      }
    }
    return list ? document.getElementById(list) : null;
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!refocus || event.detail.target.id !== "playground") {
      return;
    }
    var panel = document.getElementById("playground");
    var candidates = panel.querySelectorAll("button, input, select, textarea");
    var match = null;
    var invalid = panel.querySelector("[aria-invalid=true]");
    for (var index = 0; index < candidates.length && !match; index++) {
      var element = candidates[index];
      var form = element.form || element.closest("form");
      var post = element.getAttribute("hx-post") || (form && form.getAttribute("hx-post"));
      if (post === refocus.post && element.textContent === refocus.label && element.name === refocus.name) {
        match = element;
      }
    }
    var target =
      invalid ||
      match ||
      panel.querySelector("[role=alert]") ||
      rowFocus(refocus.rows, refocus.list) ||
      panel.querySelector(".playground__title");
    if (target) {
      if (!target.matches("button, input, select, textarea, a")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: !invalid });
    }
    refocus = null;
  });

  // --- Links that their own answer replaces ---------------------------------
  // "Show all" and "Show older entries" are swapped away by what they load:
  // keyboard focus moves to what they brought (data-then-focus names it),
  // never back to the page.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (link.dataset && link.dataset.thenFocus && link === document.activeElement) {
      link.dataset.hadFocus = "";
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var link = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!link || !link.dataset || link.dataset.hadFocus === undefined) {
      return;
    }
    delete link.dataset.hadFocus;
    var target = document.querySelector(link.dataset.thenFocus);
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });

  root.dataset.playgroundEnhanced = "";
})();
