// Behaviour shared by every page: the theme toggle, copy buttons on code
// blocks, arrow-key navigation between lessons and the collapsible contents.
(function () {
  "use strict";

  var root = document.documentElement;
  var STORAGE_KEY = "theme";

  // Wire the page up once. A second run (a whole page that htmx swapped in
  // brings its script tags along) would bind every listener twice, and a
  // click on the theme toggle would switch the theme there and back.
  if (root.hasAttribute("data-enhanced")) {
    return;
  }

  // --- Theme -------------------------------------------------------------
  function saveTheme(theme) {
    try {
      window.localStorage.setItem(STORAGE_KEY, theme);
    } catch (error) {
      // Not remembered, but the toggle still works for this page.
    }
  }

  function savedTheme() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      return null;
    }
  }

  function applyTheme(theme) {
    root.dataset.theme = theme;
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      var next = theme === "dark" ? "light" : "dark";
      button.setAttribute("aria-label", "Switch to " + next + " theme");
      button.setAttribute("aria-pressed", String(theme === "dark"));
    });
  }

  applyTheme(root.dataset.theme === "dark" ? "dark" : "light");

  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var theme = root.dataset.theme === "dark" ? "light" : "dark";
      applyTheme(theme);
      saveTheme(theme);
    });
  });

  // Until the visitor picks a theme, follow the system as it changes.
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function (event) {
    if (!savedTheme()) {
      applyTheme(event.matches ? "dark" : "light");
    }
  });

  // --- Copy buttons ------------------------------------------------------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-http fallback: a hidden textarea and the legacy copy command.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy command refused"));
      }
    });
  }

  function addCopyButtons(scope) {
    scope.querySelectorAll(".highlight > pre:not([data-copy-ready])").forEach(addCopyButton);
  }

  function addCopyButton(pre) {
    pre.dataset.copyReady = "";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code to clipboard");
    button.addEventListener("click", function () {
      // innerText of <pre> keeps line breaks and drops the Pygments markup.
      var code = pre.querySelector("code") || pre;
      copyText(code.textContent.replace(/\n$/, "")).then(
        function () {
          button.textContent = "Copied";
          button.dataset.copied = "";
        },
        function () {
          button.textContent = "Press Ctrl+C";
        }
      );
      window.setTimeout(function () {
        button.textContent = "Copy";
        delete button.dataset.copied;
      }, 2000);
    });
    // Included code has a caption bar: the button sits there, clear of the
    // code. Plain blocks get it in their top-right corner.
    var caption = pre.closest("figure.code-include");
    caption = caption && caption.querySelector("figcaption");
    if (caption) {
      caption.appendChild(button);
    } else {
      pre.parentNode.insertBefore(button, pre);
    }
  }

  addCopyButtons(document);
  // Content that htmx swaps in later (the playground's receiver sources)
  // gets its buttons too.
  document.addEventListener("htmx:load", function (event) {
    addCopyButtons(event.detail.elt);
  });

  // --- Arrow keys move between lessons ----------------------------------
  function isTyping(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
    if (!rel) {
      return;
    }
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  // --- Table of contents: open beside the text, folded above it ---------
  var toc = document.querySelector("[data-toc]");
  var tocBesideText = !document.querySelector(".lesson-layout--with-playground");
  if (toc && (!tocBesideText || window.matchMedia("(max-width: 1180px)").matches)) {
    toc.open = false;
  }

  // --- Read marks, kept in this browser ----------------------------------
  // A lesson counts as read once its end (the previous/next links) has been
  // on screen. The index marks read lessons and can forget them all.
  var READ_KEY = "lessons-read";

  function readLessons() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(READ_KEY) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (error) {
      return [];
    }
  }

  function saveReadLessons(slugs) {
    try {
      if (slugs.length) {
        window.localStorage.setItem(READ_KEY, JSON.stringify(slugs));
      } else {
        window.localStorage.removeItem(READ_KEY);
      }
    } catch (error) {
      // Not remembered; nothing else depends on it.
    }
  }

  var lessonArticle = document.querySelector("[data-lesson-slug]");
  var lessonEnd = document.querySelector(".pager");
  if (lessonArticle && lessonEnd && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries, observer) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        var slug = lessonArticle.dataset.lessonSlug;
        var slugs = readLessons();
        if (slugs.indexOf(slug) === -1) {
          saveReadLessons(slugs.concat([slug]));
        }
        observer.disconnect();
      }
    }).observe(lessonEnd);
  }

  function showReadMarks() {
    var slugs = readLessons();
    var count = 0;
    document.querySelectorAll("[data-lesson]").forEach(function (card) {
      var read = slugs.indexOf(card.dataset.lesson) !== -1;
      if (read) {
        card.dataset.read = "";
        count += 1;
      } else {
        delete card.dataset.read;
      }
    });
    var progress = document.querySelector("[data-read-progress]");
    if (progress) {
      progress.hidden = count === 0;
      progress.querySelector("[data-read-count]").textContent = String(count);
    }
  }

  showReadMarks();
  document.querySelectorAll("[data-clear-read]").forEach(function (button) {
    button.addEventListener("click", function () {
      saveReadLessons([]);
      showReadMarks();
    });
  });

  // --- Requests htmx could not swap in -----------------------------------
  // 413 (upload too large), 404 (a record that is gone), 5xx and network
  // failures: say so in the playground instead of failing silently.
  function showPlaygroundError(message) {
    var panel = document.getElementById("playground");
    if (!panel) {
      return;
    }
    var alert = panel.querySelector("[data-request-error]");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "pg-alert pg-alert--error";
      alert.setAttribute("role", "alert");
      alert.dataset.requestError = "";
      var header = panel.querySelector(".playground__header");
      panel.insertBefore(alert, header ? header.nextSibling : panel.firstChild);
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
          : "The server could not do that (HTTP " + xhr.status + "). Try again, or reset the sandbox.";
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
  });
  document.addEventListener("htmx:sendError", function () {
    showPlaygroundError("The server could not be reached. Check that it is running.");
  });

  // --- Live updates never wipe a form the learner is using ---------------
  // The poll swaps records, log and outbox out of band. While a row's edit
  // form is open or focused, keep the records (and the old version in the
  // poller, so the next poll brings the change again once the form closes).
  var keepRecords = false;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var added = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (target.hasAttribute("data-added-in-place")) {
      // A row, log entry or e-mail added in place: skip it when the page
      // already has it (a poll that crossed the action brought it first).
      if (added && added.id && document.getElementById(added.id)) {
        event.detail.shouldSwap = false;
      }
    } else if (target.id === "pg-records") {
      keepRecords =
        target.contains(document.activeElement) ||
        target.querySelector("details.pg-row__edit[open]") !== null;
      if (keepRecords) {
        event.detail.shouldSwap = false;
      }
    } else if (target.id === "pg-poller" && keepRecords) {
      event.detail.shouldSwap = false;
      keepRecords = false;
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
    document.querySelectorAll("[data-count-of]").forEach(function (count) {
      var list = document.querySelector(count.dataset.countOf);
      if (list) {
        count.textContent = String(list.children.length);
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
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (event.detail.successful && form instanceof HTMLFormElement && xhr &&
        xhr.getResponseHeader("HX-Reswap") === "none") {
      form.reset(); // ready for the next one, as a re-rendered form would be
    }
  });

  // --- Keep keyboard focus across a swap of the playground ----------------
  // After an action the panel is replaced; put focus back on the same
  // control (same request URL and label), or on the message if it is gone.
  var refocus = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    // Only when focus was inside the panel: the first load of a lesson's
    // panel must not pull focus away from wherever the reader is.
    if (target.id !== "playground" || !active || !target.contains(active)) {
      refocus = null;
      return;
    }
    var form = active.form || active.closest("form");
    refocus = {
      post: active.getAttribute("hx-post") || (form && form.getAttribute("hx-post")),
      label: active.textContent,
      name: active.name,
    };
  });
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
    var target = invalid || match || panel.querySelector("[role=alert]") || panel.querySelector(".playground__title");
    if (target) {
      if (!target.matches("button, input, select, textarea, a")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: !invalid });
    }
    refocus = null;
  });

  // Everything above is wired up; browser tests wait for this mark.
  root.dataset.enhanced = "";
})();
