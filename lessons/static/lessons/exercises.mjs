// A lesson's exercises (lessons/templates/lessons/exercises.html): an editor
// per exercise, its checks run on the page's one Python (tests.js:
// window.lessonPython), hints one at a time, the solution after a
// confirmation, and "Reset to the starter". The learner's code and what they
// solved stay in this browser (localStorage); nothing of it is sent anywhere.
const python = window.lessonPython;
const editorScript = document.querySelector("script[data-editor-url]");
const CODE_KEY = "exercise-code:"; // + the exercise's key: the learner's code
// A line of the learner's code in pytest's report: the fixture's own
// message ("did not run: line 3: ...") or a traceback's "<file>.py:3:".
const LINE_PATTERNS = [/did not run: line (\d+)/, /\/learner\/[^\s:]+\.py:(\d+)/];

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (error) {
    return null; // storage off: the code simply is not kept
  }
}

function store(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch (error) {
    // Not kept; the exercise still works.
  }
}

// site.js keeps the solved exercises and shows their marks.
function markSolved(key) {
  document.dispatchEvent(new CustomEvent("exercise-solved", { detail: { key } }));
}

function lineIn(message) {
  for (const pattern of LINE_PATTERNS) {
    const found = pattern.exec(message || "");
    if (found) return Number(found[1]);
  }
  return null;
}

function setUp(exercise, createEditor) {
  const key = exercise.dataset.exercise;
  const checks = exercise.dataset.checks;
  const textarea = exercise.querySelector("[data-starter]");
  const starter = textarea.value;
  const label = exercise.querySelector(".exercise__label");
  const help = exercise.querySelector(".exercise__help");
  const runButton = exercise.querySelector("[data-exercise-run]");
  const stopButton = exercise.querySelector("[data-exercise-stop]");
  const hintButton = exercise.querySelector("[data-exercise-hint]");
  const solutionButton = exercise.querySelector("[data-exercise-solution]");
  const resetButton = exercise.querySelector("[data-exercise-reset]");
  const hints = Array.from(exercise.querySelectorAll("[data-hint]"));
  const solution = exercise.querySelector("[data-solution]");
  const result = exercise.querySelector("[data-exercise-result]");
  const announcer = exercise.querySelector("[data-run-announce]");
  const title = exercise.querySelector(".exercise__title").textContent;

  // The starter's box may have the focus when the editor replaces it.
  const hadFocus = document.activeElement === textarea;
  const editor = createEditor({
    parent: textarea.parentElement,
    doc: stored(CODE_KEY + key) ?? starter,
    label: "Your code: " + title,
    help: help.textContent,
    // Kept at every change (a few kilobytes at most), so a reload or a
    // closed tab never loses the last keystrokes.
    onChange(text) {
      store(CODE_KEY + key, text === starter ? null : text);
    },
  });
  exercise.querySelectorAll("[data-needs-script]").forEach((element) => { element.hidden = false; });
  exercise.exerciseEditor = editor; // what the browser tests read the code from
  textarea.remove();
  if (hadFocus) editor.focus();
  label.removeAttribute("for"); // its control is the editor now
  label.addEventListener("click", () => editor.focus());

  // Hints: one at a time, easiest first.
  let hintsShown = 0;
  hints.forEach((hint) => { hint.hidden = true; });
  function labelHintButton() {
    if (hintsShown === hints.length) {
      hintButton.textContent = "All hints shown";
      hintButton.setAttribute("aria-disabled", "true");
    } else {
      hintButton.textContent = `Show hint ${hintsShown + 1} of ${hints.length}`;
    }
  }
  labelHintButton();
  hintButton.addEventListener("click", () => {
    if (hintsShown === hints.length) return;
    const hint = hints[hintsShown];
    hint.hidden = false;
    hint.dataset.shown = "";
    document.dispatchEvent(new Event("content-shown"));
    hintsShown += 1;
    labelHintButton();
    hint.focus();
  });

  solutionButton.addEventListener("click", () => {
    if (!solution.hidden) {
      solution.focus();
      return;
    }
    const sure = window.confirm(
      "Show the reference solution? Working it out teaches more: the hints help one step at a time.",
    );
    if (!sure) return;
    solution.hidden = false;
    // site.js makes its code a tab stop if it scrolls sideways.
    document.dispatchEvent(new Event("content-shown"));
    solutionButton.textContent = "Solution shown below";
    solution.focus();
  });

  resetButton.addEventListener("click", () => {
    if (editor.text === starter) {
      editor.focus();
      return;
    }
    if (!window.confirm("Replace your code with the starter? Your changes to this exercise will be lost.")) return;
    editor.text = starter;
    store(CODE_KEY + key, null);
    announcer.textContent = "Your code is the starter again.";
    editor.focus();
  });

  const view = python.runView(exercise, result, {
    runButton,
    stopButton,
    busy: "Other tests are running on this page; press again once they have finished.",
    finished(status) {
      if (status === "passed") {
        exercise.dataset.solved = "";
        markSolved(key);
        announcer.textContent = "Every check passed: exercise solved.";
      }
      addLineLinks();
    },
  });

  // A failure that names a line of the learner's code gets a button to it.
  function addLineLinks() {
    result.querySelectorAll(".test-run__item").forEach((item) => {
      const message = item.querySelector(".test-run__message");
      const line = lineIn(message && message.textContent);
      if (line === null || item.querySelector("[data-go-to-line]")) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--quiet button--small";
      button.dataset.goToLine = String(line);
      button.textContent = `Show line ${line} in the editor`;
      button.addEventListener("click", () => editor.selectLine(line));
      item.append(button);
    });
  }

  runButton.addEventListener("click", () => {
    view.press(
      { module: checks, code: editor.text, key },
      "Running the checks in your browser…",
      "Your code is kept in this browser: try again in one that runs WebAssembly.",
      "Press “Run the checks” to run them again.",
    );
  });
}

// The editor (about 130 KB) loads when the learner reaches for an exercise:
// the pointer over one, or the keyboard in one. Until then each starter
// reads in a plain box, and a reader who only runs the lesson's tests never
// downloads the editor.
const section = document.querySelector(".exercises");
if (python && editorScript && section) {
  // Hints now wait for their button (site.css); site.js measures again
  // which code boxes scroll, now that the hints' are out of sight.
  document.documentElement.dataset.exercisesScript = "";
  document.dispatchEvent(new Event("content-shown"));
  let loading = null;
  const load = () => {
    loading ??= import(editorScript.dataset.editorUrl).then(({ createEditor }) => {
      section.querySelectorAll("[data-exercise]").forEach((exercise) => setUp(exercise, createEditor));
      document.documentElement.dataset.exercisesReady = ""; // for the browser tests
    });
    return loading;
  };
  section.querySelectorAll("[data-exercise]").forEach((exercise) => {
    exercise.addEventListener("pointerenter", load, { once: true });
    exercise.addEventListener("focusin", load, { once: true });
    // The buttons show at once, as the task promises them; one pressed
    // before the editor is in waits for it, then acts.
    exercise.querySelectorAll("[data-needs-script]").forEach((element) => { element.hidden = false; });
    exercise.querySelectorAll(".exercise__actions button").forEach((button) => {
      button.addEventListener("click", (event) => {
        if (exercise.exerciseEditor) return;
        event.stopImmediatePropagation();
        load().then(() => button.click());
      }, { once: true });
    });
  });
}
