// Runs a lesson's tests in Python, in the learner's browser, off the page's
// main thread: a module Web Worker around Pyodide (CPython in WebAssembly).
//
// The page (lessons/tests.js) posts {type: "start", runtime, module} once, then
// {type: "run", module} for each press of "Run these tests"; the worker
// answers with "phase", "ready", "result", "done" and "failed" messages.
// CI's Node runner (lessons/runtime/node_run.mjs) imports startRuntime()
// from this file, so both run the same steps on the same archives.

const PROJECT_DIR = "/home/pyodide/project";

// Start Python, unpack the wheels and the project, import Django and pytest,
// and collect `testModule` (if given) so that its first run starts at once.
// `fetchBytes(url)` gives a file's bytes as a Uint8Array.
export async function startRuntime({
  loadPyodide,
  runtime,
  fetchBytes,
  onPhase,
  onOutput,
  testModule = "",
}) {
  // Python starts while the archives download: on a second visit both come
  // from the browser's cache, and neither waits for the other.
  const starting = loadPyodide({ indexURL: runtime.pyodide, stdout: onOutput, stderr: onOutput });
  const [packages, project] = await Promise.all([
    fetchBytes(runtime.packages),
    fetchBytes(runtime.project),
  ]);
  onPhase("python");
  const pyodide = await starting;
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  pyodide.unpackArchive(packages, "zip", { extractDir: sitePackages });
  pyodide.FS.mkdirTree(PROJECT_DIR);
  pyodide.unpackArchive(project, "zip", { extractDir: PROJECT_DIR });
  pyodide.runPython(
    `import os, sys\nos.chdir(${JSON.stringify(PROJECT_DIR)})\nsys.path.insert(0, os.getcwd())`,
  );

  onPhase("django");
  const session = pyodide.pyimport("lessons.runtime.session");
  session.prepare(testModule);
  return {
    pyodide,
    // pytest's exit code; each result goes to onResult(object) as it finishes.
    // exerciseCode: for an exercise's checks, the learner's code (a path, or
    // "solution"/"starter"); undefined for a lesson's tests (Python gets None).
    run(testModule, onResult, exerciseCode) {
      return session.run(testModule, (json) => onResult(JSON.parse(json)), exerciseCode);
    },
  };
}

const LEARNER_DIR = "/home/pyodide/learner";

// The learner's code for exercise `key` ("lesson/exercise"), as a file; its path.
function writeLearnerCode(pyodide, key, code) {
  pyodide.FS.mkdirTree(LEARNER_DIR);
  const path = `${LEARNER_DIR}/${key.replace(/[^a-z0-9-]/g, "_")}.py`;
  pyodide.FS.writeFile(path, code);
  return path;
}

// The files whose bytes the progress bar counts, by URL: what loadPyodide()
// fetches itself (the WebAssembly and the standard library) and the archives.
function countedFiles(runtime) {
  const sizes = runtime.bytes;
  const base = new URL(runtime.pyodide, self.location.href).href;
  return new Map([
    [base + "pyodide.asm.wasm", sizes["pyodide/pyodide.asm.wasm"]],
    [base + "python_stdlib.zip", sizes["pyodide/python_stdlib.zip"]],
    [new URL(runtime.packages, self.location.href).href, sizes.packages],
    [new URL(runtime.project, self.location.href).href, sizes.project],
  ]);
}

// Wrap the worker's fetch() so every counted file reports its bytes as they
// arrive, Pyodide's own requests included, without fetching anything twice.
// A clone is read for the count: the response itself goes on untouched, so
// WebAssembly still compiles as it streams, and the browser can cache the
// compiled code for the next visit.
function countDownloads(files, onBytes) {
  const plainFetch = self.fetch.bind(self);
  const loaded = new Map();
  const total = [...files.values()].reduce((sum, size) => sum + size, 0);
  self.fetch = async (input, init) => {
    const response = await plainFetch(input, init);
    const url = new URL(response.url || String(input), self.location.href).href;
    if (!files.has(url) || !response.body) return response;
    const reader = response.clone().body.getReader();
    (async () => {
      let count = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        count += value.length;
        loaded.set(url, count);
        onBytes([...loaded.values()].reduce((sum, bytes) => sum + bytes, 0), total);
      }
    })().catch(() => {}); // a failed download is the real request's to report
    return response;
  };
}

async function fetchArchive(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Could not download ${url} (HTTP ${response.status}).`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

function inWorker() {
  return typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope;
}

if (inWorker()) {
  let started = null;
  const output = [];
  const post = (message) => self.postMessage(message);
  const remember = (line) => {
    output.push(line);
    if (output.length > 40) output.shift();
  };

  self.onmessage = async ({ data }) => {
    try {
      if (data.type === "start" && !started) {
        countDownloads(countedFiles(data.runtime), (loaded, total) =>
          post({ type: "phase", phase: "download", loaded, total }),
        );
        const { loadPyodide } = await import(data.runtime.pyodide + "pyodide.mjs");
        started = startRuntime({
          loadPyodide,
          runtime: data.runtime,
          fetchBytes: fetchArchive,
          onPhase: (phase) => post({ type: "phase", phase }),
          onOutput: remember,
          testModule: data.module,
        });
        await started;
        post({ type: "ready" });
      } else if (data.type === "run") {
        const runtime = await started;
        output.length = 0;
        // An exercise's run: the learner's code goes into a file of this
        // worker's own file system, which the checks import (never the server).
        const exerciseCode = data.code === undefined ? undefined : writeLearnerCode(runtime.pyodide, data.key, data.code);
        const exitCode = runtime.run(data.module, (result) => post({ type: "result", result }), exerciseCode);
        post({ type: "done", exitCode, output: output.join("\n") });
      }
    } catch (error) {
      post({ type: "failed", message: String(error && error.message ? error.message : error), output: output.join("\n") });
    }
  };
}
