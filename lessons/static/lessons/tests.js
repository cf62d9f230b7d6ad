// "Run these tests" on a lesson page: runs the lesson's pytest module in the
// learner's browser. Python (Pyodide) runs in a Web Worker (test-worker.mjs),
// so the page never freezes; this file drives it and shows what it reports,
// in the markup the server renders into <template> elements (test_run.html).
(function () {
  "use strict";

  const panel = document.querySelector("[data-browser-tests]");
  const runtimeScript = document.getElementById("browser-runtime");
  if (!panel || !runtimeScript) return;

  const runtime = JSON.parse(runtimeScript.textContent);
  const lesson = panel.dataset.lesson;
  const testModule = panel.dataset.module;
  const runButton = panel.querySelector("[data-run-tests]");
  const stopButton = panel.querySelector("[data-stop-tests]");
  const results = document.getElementById("browser-test-run");
  const runTemplate = document.getElementById("browser-test-run-template");
  const outcomeTemplate = document.getElementById("test-outcome-template");
  const announcer = panel.querySelector("[data-run-announce]");
  const shellCommand = "make test-lesson LESSON=" + lesson;
  // Set after a first run: later lesson pages start Python while the learner reads.
  const USED_KEY = "browser-tests-used";

  const MB = 1e6;
  // What the progress bar counts (test-worker.mjs, countedFiles), before the worker says.
  const DOWNLOAD_BYTES = ["pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "packages", "project"]
    .reduce(function (sum, name) { return sum + runtime.bytes[name]; }, 0);
  const PHASES = {
    download: { label: "Downloading Python, Django and pytest", from: 0, to: 60 },
    python: { label: "Starting Python", from: 60, to: 75 },
    django: { label: "Loading Django and pytest", from: 75, to: 90 },
    collect: { label: "Collecting the tests", from: 90, to: 100 },
  };

  // --- The page's one Python, shared with the exercises (exercises.mjs) ---
  // One run at a time: a client starts a run with python.run(client), and
  // gets its phases, results and end through the client's methods
  // (runView(...).client() below makes one).
  let worker = null;
  let ready = false;
  let client = null; // the run in progress: {message, onProgress, onResult, onDone, onFailed}
  let timer = null;
  const readyListeners = [];

  function megabytes(bytes) {
    return (bytes / MB).toFixed(1);
  }

  // Python starts while the files download, so the worker's phases overlap:
  // the bar shows the download until every byte is in, then the latest phase.
  let latestPhase = null;
  let downloaded = null;

  function notePhase(name, loaded, total) {
    if (name === "download") {
      downloaded = { loaded: loaded, total: total };
    } else {
      latestPhase = name;
    }
  }

  function progressNow() {
    // (Once Django loads, every file is in, whatever was counted.)
    const downloading = !downloaded || downloaded.loaded < downloaded.total;
    const shown = !latestPhase || (latestPhase === "python" && downloading) ? "download" : latestPhase;
    const phase = PHASES[shown];
    let share = 1;
    let label = phase.label + "…";
    if (shown === "download") {
      const bytes = downloaded || { loaded: 0, total: DOWNLOAD_BYTES };
      share = bytes.loaded / bytes.total;
      label = phase.label + ": " + megabytes(bytes.loaded) + " of " + megabytes(bytes.total) + " MB";
    }
    return { label: label, value: Math.round(phase.from + (phase.to - phase.from) * share) };
  }

  function showProgress() {
    if (client) client.onProgress(progressNow());
  }

  function startWorker() {
    if (worker) return;
    ready = false;
    latestPhase = null;
    downloaded = null;
    worker = new Worker(runtime.worker, { type: "module" });
    worker.onmessage = function (event) {
      handle(event.data);
    };
    worker.onerror = function (event) {
      event.preventDefault();
      crashed("Python could not start in this browser: " + (event.message || "the worker stopped") + ".");
    };
    worker.postMessage({ type: "start", runtime: runtime, module: testModule });
  }

  function replaceWorker() {
    if (worker) worker.terminate();
    worker = null;
    ready = false;
    delete panel.dataset.runtime;
    // A fresh Python for the next press; from the browser's cache, no download.
    startWorker();
  }

  function handle(message) {
    if (message.type === "phase") {
      // Remembered while nobody is waiting, shown once the learner presses.
      notePhase(message.phase, message.loaded, message.total);
      showProgress();
    } else if (message.type === "ready") {
      ready = true;
      panel.dataset.runtime = "ready"; // for tests and the benchmark
      if (client && !client.sent) send();
      readyListeners.forEach(function (listener) { listener(); });
    } else if (message.type === "result") {
      if (client) client.onResult(message.result);
    } else if (message.type === "done") {
      if (client) finishRun(function (ended) { ended.onDone(message); });
    } else if (message.type === "failed") {
      crashed("The tests could not run: " + message.message, message.output);
    }
  }

  function send() {
    client.sent = true;
    notePhase("collect");
    showProgress();
    worker.postMessage(Object.assign({ type: "run" }, client.message));
    // The time limit counts from here: downloading on a slow line is not the
    // tests' fault, an endless loop in one is.
    timer = window.setTimeout(function () {
      finishRun(function (ended) {
        ended.onFailed("timed_out", "Time limit reached", "Stopped after " + runtime.timeLimit + " s, the time limit for one run. A test or a receiver may loop for ever.");
      });
      replaceWorker();
    }, runtime.timeLimit * 1000);
  }

  // The run is over: forget it before telling its client, who may start another.
  function finishRun(tell) {
    window.clearTimeout(timer);
    const ended = client;
    client = null;
    if (ended) tell(ended);
  }

  // The worker is gone or broken: the next press starts a new one. A failure
  // while Python starts before any press waits for that press to show.
  function crashed(text, output) {
    worker.terminate();
    worker = null;
    ready = false;
    delete panel.dataset.runtime;
    finishRun(function (ended) {
      ended.onFailed("error", "Could not run", text + " " + ended.fallback, output);
    });
  }

  const python = {
    runtime: runtime,
    start: startWorker,
    busy: function () { return client !== null; },
    whenReady: function (listener) {
      if (ready) listener();
      else readyListeners.push(listener);
    },
    // false when another run is going (one Python, one run at a time).
    run: function (newClient) {
      if (client) return false;
      if (typeof WebAssembly !== "object") {
        newClient.onFailed("error", "Could not run", "This browser cannot run WebAssembly (or it is turned off), so Python cannot run in this page. " + newClient.fallback);
        return true;
      }
      try {
        window.localStorage.setItem(USED_KEY, "1");
      } catch (error) {
        // Storage may be off; the runtime then simply starts on the press.
      }
      client = Object.assign({ sent: false }, newClient);
      startWorker();
      if (ready) {
        send();
      } else {
        showProgress();
      }
      return true;
    },
    stop: function () {
      finishRun(function (ended) {
        ended.onFailed("stopped", "Stopped", "You stopped the run. " + ended.again);
      });
      replaceWorker();
    },
  };
  window.lessonPython = python;

  // --- A run on screen: results as they arrive, in the server's markup -----
  // The lesson's tests and each exercise run and show their runs alike: a
  // view over an element holding [data-test-progress], a results container,
  // an announcer and its Run and Stop buttons. `options.busy` is said when
  // another run holds the page's Python; `options.finished(status)` runs when
  // a run has ended, before the focus leaves a Stop button that is gone.
  function runView(root, results, options) {
    const runButton = options.runButton;
    const stopButton = options.stopButton;
    const progress = root.querySelector("[data-test-progress]");
    const progressBar = progress.querySelector("progress");
    const phaseText = progress.querySelector("[data-test-phase]");
    const announcer = root.querySelector("[data-run-announce]");
    let run = null; // the run on screen while it is going: its element and counts

    function part(name) {
      return run.element.querySelector("[data-run-" + name + "]");
    }

    function begin(announcement) {
      const element = runTemplate.content.firstElementChild.cloneNode(true);
      results.replaceChildren(element);
      run = { element: element, counts: {}, total: 0, elsewhere: 0 };
      updateCounts();
      announcer.textContent = announcement;
    }

    function showProgress(shown) {
      progress.hidden = false;
      progressBar.value = shown.value;
      phaseText.textContent = shown.label;
    }

    function addResult(result) {
      progress.hidden = true;
      if (result.outcome === "not-in-browser") {
        run.elsewhere += 1;
        const item = outcomeItem(result.name, "not in the browser", "○");
        const reason = document.createElement("span");
        reason.className = "test-run__reason";
        reason.textContent = result.message;
        item.append(reason);
        part("elsewhere-list").append(item);
        part("elsewhere-count").textContent = run.elsewhere + " test" + (run.elsewhere === 1 ? "" : "s");
        part("elsewhere").hidden = false;
        return;
      }
      run.total += 1;
      run.counts[result.outcome] = (run.counts[result.outcome] || 0) + 1;
      const mark = result.outcome === "passed" ? "✓" : result.outcome === "skipped" ? "–" : "✗";
      const item = outcomeItem(result.name, result.outcome, mark);
      if (result.message) {
        const message = document.createElement("pre");
        message.className = "test-run__message scroll-box";
        message.tabIndex = 0;
        message.textContent = result.message;
        item.append(message);
      }
      if (result.log) item.append(signalLog(result.log, result.log_count));
      part("results").append(item);
      updateCounts();
    }

    function tally() {
      return ["failed", "error", "passed", "skipped"]
        .filter(function (outcome) { return run.counts[outcome]; })
        .map(function (outcome) { return run.counts[outcome] + " " + outcome; })
        .join(", ");
    }

    function updateCounts(done) {
      const tests = run.total + " test" + (run.total === 1 ? "" : "s");
      part("counts").textContent = done ? tests + (run.total ? ": " + tally() : "") : tests + " so far";
    }

    function end(status, statusText, problem, output) {
      if (!run) return;
      const element = run.element;
      element.dataset.status = status;
      const statusLine = element.querySelector(".test-run__status");
      statusLine.className = "test-run__status test-run__status--" + status;
      part("status").textContent = statusText;
      updateCounts(true);
      if (problem) {
        part("problem-text").textContent = problem;
        if (output) {
          part("output").textContent = output;
          part("output").hidden = false;
        }
        part("problem").hidden = false;
      }
      announcer.textContent = statusText + ": " + part("counts").textContent + (problem ? ". " + problem : "");
      progress.hidden = true;
      run = null;
      stopButton.hidden = true;
      runButton.removeAttribute("aria-disabled");
      if (options.finished) options.finished(status);
      // The Stop button is gone; focus must not fall back to the page.
      if (document.activeElement === stopButton || document.activeElement === document.body) {
        runButton.focus();
      }
    }

    // pytest's exit codes: 0 all passed, 1 some failed, 5 nothing collected
    // (every test of the lesson needs the server).
    function done(message) {
      if (message.exitCode === 0 || (message.exitCode === 5 && run.elsewhere)) {
        end("passed", "Passed");
      } else if (message.exitCode === 1) {
        end("failed", "Failed");
      } else {
        end("error", "Could not run", "pytest stopped before the tests ran (exit code " + message.exitCode + "). Its last lines:", message.output);
      }
    }

    // A press of Run: `message` for the worker, `announcement` said as the
    // run starts, `fallback` how to run it without the browser, `again` how
    // to run it again.
    function press(message, announcement, fallback, again) {
      if (run) return; // already running: Stop is the way out
      if (python.busy()) {
        announcer.textContent = options.busy;
        return;
      }
      begin(announcement);
      runButton.setAttribute("aria-disabled", "true");
      stopButton.hidden = false;
      python.run({ message: message, fallback: fallback, again: again, onProgress: showProgress, onResult: addResult, onDone: done, onFailed: end });
    }

    stopButton.addEventListener("click", python.stop);
    // Python starts when the learner is about to need it.
    runButton.addEventListener("pointerenter", python.start, { once: true });
    runButton.addEventListener("focus", python.start, { once: true });
    return { press: press };
  }

  // --- An exercise check's signal log, in the playground's log markup ------
  // (playground/templates/playground/panel.html, partial action_entry). Every
  // text goes in as textContent: the learner's code wrote some of it.
  const LEARNER_PREFIX = "learner."; // lessons/exercises/conftest.py: LEARNER_MODULE

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function receiverRun(run) {
    const own = run.name.indexOf(LEARNER_PREFIX) === 0;
    const item = element("li", "pg-run" + (run.error ? " pg-run--error" : "") + (own ? " pg-run--own" : ""));
    item.append(element("code", "pg-run__name", run.name));
    // Marked in words too, not by colour alone.
    if (own) item.append(" ", element("span", "pg-run__tag", "your receiver"));
    let outcome;
    if (run.error) {
      outcome = element("span", "pg-run__result", "raised ");
      outcome.append(element("code", "", run.error));
    } else {
      outcome = element("span", "pg-run__result", "→ " + (run.result || "returned None"));
    }
    item.append(" ", outcome, " ", element("span", "pg-run__ms", Number(run.ms).toFixed(3) + " ms"));
    return item;
  }

  function signalEvent(event) {
    const item = element("li", "pg-event pg-event--depth-" + Math.min(Math.max(Number(event.depth) || 0, 0), 3));
    const head = element("p", "pg-event__head");
    const sender = element("span", "pg-event__sender", "sender=");
    sender.append(element("code", "", event.sender));
    head.append(element("span", "pg-event__n", String(event.position)), " ", element("code", "pg-event__signal", event.signal), " ", sender);
    item.append(head);
    if (event.arguments.length) {
      const args = element("p", "pg-event__args");
      event.arguments.forEach(function (pair, index) {
        if (index) args.append(" ");
        args.append(element("code", "", pair[0] + "=" + pair[1]));
      });
      item.append(args);
    }
    if (event.receivers.length) {
      const runs = element("ul", "pg-runs");
      event.receivers.forEach(function (run) { runs.append(receiverRun(run)); });
      item.append(runs);
    } else {
      item.append(element("p", "pg-event__none", "No receiver ran."));
    }
    return item;
  }

  function signalLog(events, count) {
    const details = element("details", "test-run__log");
    details.append(element("summary", "", "Signal log of this check (" + count + " signal" + (count === 1 ? "" : "s") + ")"));
    const body = element("div", "test-run__log-body");
    if (!events.length) {
      body.append(element("p", "pg-action__note", "No signals sent."));
    } else {
      const list = element("ol", "pg-events");
      events.forEach(function (event) { list.append(signalEvent(event)); });
      body.append(list);
      const more = count - events.length;
      if (more > 0) {
        body.append(element("p", "pg-action__note", more + " more signal" + (more === 1 ? "" : "s") + " not shown."));
      }
    }
    details.append(body);
    return details;
  }

  function outcomeItem(name, outcome, mark) {
    const item = outcomeTemplate.content.firstElementChild.cloneNode(true);
    item.className = "test-run__item test-run__item--" + outcome.replace(/ /g, "-");
    item.querySelector(".test-run__mark").textContent = mark;
    item.querySelector(".test-run__name").textContent = name;
    item.querySelector(".test-run__outcome").textContent = outcome;
    return item;
  }

  python.runView = runView;

  // --- "Run these tests": the lesson's own test module ---------------------
  const view = runView(panel, results, {
    runButton: runButton,
    stopButton: stopButton,
    busy: "An exercise's checks are running; press again once they have finished.",
  });
  runButton.addEventListener("click", function () {
    view.press(
      { module: testModule },
      "Running the tests in your browser…",
      "From a shell in the project folder: " + shellCommand,
      "Press “Run these tests” to run them again.",
    );
  });

  // A learner who has run tests before gets Python started while they read.
  let used = false;
  try {
    used = window.localStorage.getItem(USED_KEY) === "1";
  } catch (error) {
    used = false;
  }
  if (used && typeof WebAssembly === "object") startWorker();
})();
