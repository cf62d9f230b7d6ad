// The reader's half of the site, on every page: the theme toggle, copy
// buttons on code blocks, arrow-key navigation between lessons, the
// collapsible contents and read marks. The playground's own behaviour is in
// playground/static/playground/playground.js, loaded where a panel is shown.
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

  // The toggle's label says what pressing it does. It is not also a
  // pressed/not pressed button: a label that changes with its state would
  // then contradict it ("Switch to light theme, pressed").
  function applyTheme(theme) {
    root.dataset.theme = theme;
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      var label = "Switch to " + (theme === "dark" ? "light" : "dark") + " theme";
      button.setAttribute("aria-label", label);
      button.title = label;
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

  // --- Code and tables that scroll sideways: reachable by keyboard --------
  // Beside the playground the text column is narrow, and a long line of
  // code or a wide table scrolls inside its box. Focus is how a keyboard
  // scrolls it, so those boxes (only those) become tab stops.
  function markSidewaysScrolling() {
    document.querySelectorAll(".prose .highlight > pre, .prose .table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }

  markSidewaysScrolling();
  // Content shown later (an exercise's hints and solution) is measured then.
  document.addEventListener("content-shown", markSidewaysScrolling);
  var sidewaysFrame = 0;
  window.addEventListener("resize", function () {
    window.cancelAnimationFrame(sidewaysFrame);
    sidewaysFrame = window.requestAnimationFrame(markSidewaysScrolling);
  });

  // --- Arrow keys move between lessons ----------------------------------
  // Only while the keys have no other job: not on a control, a link or a
  // box that scrolls (the keys move a caret, a selection or the box), and
  // nowhere in the playground, whose controls come and go as htmx swaps
  // them. Focus on the page itself, the article or a heading is fair game.
  // Where a key press types (a field, the exercises' editor): no shortcut
  // takes the key there, not even "/".
  var TYPING = ["input", "select", "textarea", "[contenteditable]"];
  var KEYS_HAVE_A_JOB = TYPING.concat([
    "a[href]",
    "button",
    "summary",
    "[tabindex]:not([tabindex='-1'])",
    "#playground",
    ".lesson-playground",
  ]).join(", ");

  function matchesGuard(target, selector) {
    return (
      target instanceof Element &&
      (target.closest(selector) !== null || target.isContentEditable === true)
    );
  }

  function keysHaveAJob(target) {
    return matchesGuard(target, KEYS_HAVE_A_JOB);
  }

  function typingIn(target) {
    return matchesGuard(target, TYPING.join(", "));
  }

  // --- Search: "/" goes to the search box from anywhere but a field, and
  // Escape goes back where focus was (or just leaves the box) ------------
  // The search page's own field where there is one, else the header's.
  var searchBox = document.querySelector("[data-search-here]") || document.querySelector("[data-site-search]");
  var focusBeforeSearch = null;

  document.addEventListener("keydown", function (event) {
    if (!searchBox || event.key !== "/" || event.defaultPrevented) {
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || typingIn(event.target)) {
      return;
    }
    event.preventDefault();
    focusBeforeSearch = document.activeElement;
    searchBox.focus();
    searchBox.select();
  });

  if (searchBox) {
    searchBox.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      // Leave the text as it is (a search field would clear it first).
      event.preventDefault();
      var back = focusBeforeSearch;
      focusBeforeSearch = null;
      if (back && back !== document.body && back !== searchBox && document.contains(back)) {
        back.focus();
      } else {
        searchBox.blur();
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (keysHaveAJob(event.target)) {
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

  // The lesson list folds too where it sits above the text (site.css: beside
  // a playground, 1024-1279 px), and opens again when it is a column.
  var lessonNav = document.querySelector("[data-lesson-nav]");
  if (lessonNav && !tocBesideText) {
    var navAboveText = window.matchMedia("(min-width: 1024px) and (max-width: 1279px)");
    lessonNav.open = !navAboveText.matches;
    navAboveText.addEventListener("change", function (event) {
      lessonNav.open = !event.matches;
    });
  }

  // --- From a Try-it section to the playground and back ------------------
  // Both are plain anchors that scroll without JavaScript. Here they move
  // focus too, and "Back to the steps" returns to the Try-it section whose
  // link was followed (the template points it at the first one).
  var backToSteps = document.querySelectorAll("#lesson-playground [data-back-to-steps]");

  function moveTo(target) {
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var link = event.target.closest("a[data-playground-jump], a[data-back-to-steps]");
    var target = link && document.getElementById(link.hash.slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    // The link follows its heading (lessons/rendering.py).
    var heading = link.parentElement.previousElementSibling;
    if (link.hasAttribute("data-playground-jump") && heading && heading.id) {
      backToSteps.forEach(function (back) {
        back.hash = heading.id;
      });
    }
    window.history.pushState(null, "", link.hash);
    moveTo(target);
  });

  // --- Read marks, kept in this browser ----------------------------------
  // A lesson counts as read once its end (the previous/next links) has been
  // on screen; the list keeps the order they were read in, last one last.
  // The index and the lesson list mark read lessons (data-read), and the
  // index offers the next unread one and can forget them all. Nothing of
  // this leaves the browser.
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
        var others = readLessons().filter(function (read) { return read !== slug; });
        saveReadLessons(others.concat([slug]));
        showReadMarks();
        observer.disconnect();
      }
    }).observe(lessonEnd);
  }

  function showReadMarks() {
    var slugs = readLessons();
    var count = 0;
    document.querySelectorAll("[data-lesson]").forEach(function (item) {
      var read = slugs.indexOf(item.dataset.lesson) !== -1;
      if (read) {
        item.dataset.read = "";
        count += 1;
      } else {
        delete item.dataset.read;
      }
    });
    var progress = document.querySelector("[data-read-progress]");
    if (progress) {
      progress.hidden = count === 0;
      progress.querySelector("[data-read-count]").textContent = String(count);
    }
    showNextLesson(slugs);
  }

  // The index's "Continue with ...": the first unread lesson after the one
  // read last, else the first unread; with every lesson read, the first
  // again. The page comes with "Start with <first lesson>".
  function showNextLesson(slugs) {
    var link = document.querySelector("[data-continue]");
    if (!link) {
      return;
    }
    var lessons = Array.prototype.slice.call(document.querySelectorAll("[data-lesson-title]"));
    var lastRead = -1;
    lessons.forEach(function (lesson, index) {
      if (lesson.dataset.lesson === slugs[slugs.length - 1]) {
        lastRead = index;
      }
    });
    var unread = lessons.filter(function (lesson) { return !lesson.hasAttribute("data-read"); });
    var after = unread.filter(function (lesson) { return lessons.indexOf(lesson) > lastRead; });
    var next = after[0] || unread[0] || lessons[0];
    var verb = "Continue with ";
    if (unread.length === lessons.length) {
      verb = "Start with ";
    } else if (unread.length === 0) {
      verb = "Start again with ";
    }
    link.textContent = verb + next.dataset.lessonTitle;
    link.setAttribute("href", next.querySelector("a").getAttribute("href"));
    document.querySelector("[data-course-done]").hidden = unread.length > 0;
  }

  showReadMarks();
  document.querySelectorAll("[data-clear-read]").forEach(function (button) {
    button.addEventListener("click", function () {
      saveReadLessons([]);
      showReadMarks();
    });
  });

  // --- Solved exercises, kept in this browser ----------------------------
  // An exercise's key ("lesson/exercise") joins this list once its checks
  // pass (exercises.mjs) or its prediction is right (see below). Lessons list their exercises' keys
  // (data-exercises); those with every exercise solved are marked
  // (data-solved), and the index counts the solved ones.
  var SOLVED_KEY = "exercises-solved";

  function solvedExercises() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(SOLVED_KEY) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (error) {
      return [];
    }
  }

  function showSolvedMarks() {
    var solved = solvedExercises();
    var total = 0;
    var count = 0;
    document.querySelectorAll("[data-exercise], [data-predict-exercise]").forEach(function (exercise) {
      var key = exercise.dataset.exercise || exercise.dataset.predictExercise;
      if (solved.indexOf(key) !== -1) exercise.dataset.solved = "";
    });
    document.querySelectorAll("[data-exercises]").forEach(function (item) {
      var keys = item.dataset.exercises.split(" ").filter(Boolean);
      var done = keys.filter(function (key) { return solved.indexOf(key) !== -1; }).length;
      total += keys.length;
      count += done;
      if (keys.length && done === keys.length) {
        item.dataset.solved = "";
      } else {
        delete item.dataset.solved;
      }
      var label = item.querySelector("[data-solved-label]");
      if (label) {
        label.textContent = done ? done + " of " + keys.length + " exercise" + (keys.length === 1 ? "" : "s") + " solved" : "";
      }
    });
    var progress = document.querySelector("[data-solved-progress]");
    if (progress) {
      progress.hidden = count === 0;
      progress.querySelector("[data-solved-count]").textContent = String(count);
      progress.querySelector("[data-exercise-count]").textContent = String(total);
    }
  }

  // An exercise solved on this page (exercises.mjs, or a prediction below):
  // kept, then shown.
  function noteSolved(event) {
    var key = event.detail && event.detail.key;
    if (key && solvedExercises().indexOf(key) === -1) {
      try {
        window.localStorage.setItem(SOLVED_KEY, JSON.stringify(solvedExercises().concat([key])));
      } catch (error) {
        // Storage off: the mark shows on this page only.
      }
    }
    showSolvedMarks();
  }

  showSolvedMarks();
  document.addEventListener("exercise-solved", noteSolved);

  // A predict exercise's answer (lessons/prediction.html) replaces the
  // inside of its [data-prediction] box: the focus goes to what came (the
  // result, or the problem to correct), never back to the page, and a
  // right prediction counts as solved.
  document.addEventListener("htmx:afterSettle", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-prediction]")) return;
    var solved = box.querySelector("[data-prediction-solved]");
    if (solved) {
      document.dispatchEvent(new CustomEvent("exercise-solved", { detail: { key: solved.dataset.predictionSolved } }));
    }
    var focus = box.querySelector("[data-prediction-focus]");
    var cameFromTheForm = box.contains(document.activeElement) || document.activeElement === document.body;
    if (focus && cameFromTheForm) focus.focus();
  });

  // An answer htmx does not swap in (a 403 when the page's cookie changed,
  // a server that cannot be reached) still says so, above the form.
  function predictionProblem(event, text) {
    var box = event.detail.target;
    if (!box || !box.matches || !box.matches("[data-prediction]")) return;
    var problem = box.querySelector("[data-prediction-failed]");
    if (!problem) {
      problem = document.createElement("p");
      problem.className = "prediction__problem";
      problem.setAttribute("role", "alert");
      problem.tabIndex = -1;
      problem.dataset.predictionFailed = "";
      box.prepend(problem);
    }
    problem.textContent = text;
    problem.focus();
  }
  document.addEventListener("htmx:responseError", function (event) {
    predictionProblem(event, "The server refused this (" + event.detail.xhr.status + "). Reload the page, then try again: your prediction is checked only once it arrives.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    predictionProblem(event, "The server could not be reached. Check your connection, then try again.");
  });

  // Everything above is wired up; browser tests wait for this mark.
  root.dataset.enhanced = "";
})();
