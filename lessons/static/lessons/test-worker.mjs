// Runs a lesson's tests in Python, in the learner's browser, off the page's
// main thread: a module Web Worker around Pyodide (CPython in WebAssembly).
//
// The page (lessons/tests.js) posts {type: "start", runtime} once, then
// {type: "run", module} for each press of "Run these tests"; the worker
// answers with "phase", "ready", "result", "done" and "failed" messages.
// CI's Node runner (lessons/runtime/node_run.mjs) imports startRuntime()
// from this file, so both run the same steps on the same archives.

const PROJECT_DIR = "/home/pyodide/project";

// Unpack the wheels and the project, then import Django and pytest.
// `fetchBytes(url, onBytes)` gives a file's bytes as a Uint8Array.
export async function startRuntime({ loadPyodide, runtime, fetchBytes, onPhase, onOutput }) {
  const sizes = runtime.bytes;
  const downloads = {
    wasm: ["pyodide/pyodide.asm.wasm", runtime.pyodide + "pyodide.asm.wasm"],
    script: ["pyodide/pyodide.asm.mjs", runtime.pyodide + "pyodide.asm.mjs"],
    stdlib: ["pyodide/python_stdlib.zip", runtime.pyodide + "python_stdlib.zip"],
    packages: ["packages", runtime.packages],
    project: ["project", runtime.project],
  };
  const total = Object.values(downloads).reduce((sum, [key]) => sum + sizes[key], 0);
  const loaded = {};
  const bytes = {};
  const report = () =>
    onPhase("download", Object.values(loaded).reduce((a, b) => a + b, 0), total);
  await Promise.all(
    Object.entries(downloads).map(async ([name, [, url]]) => {
      bytes[name] = await fetchBytes(url, (count) => {
        loaded[name] = count;
        report();
      });
    }),
  );

  onPhase("python", total, total);
  const pyodide = await loadPyodide({
    indexURL: runtime.pyodide,
    stdout: onOutput,
    stderr: onOutput,
  });
  const sitePackages = pyodide.runPython(
    "import sysconfig; sysconfig.get_path('purelib')",
  );
  pyodide.unpackArchive(bytes.packages, "zip", { extractDir: sitePackages });
  pyodide.FS.mkdirTree(PROJECT_DIR);
  pyodide.unpackArchive(bytes.project, "zip", { extractDir: PROJECT_DIR });
  pyodide.runPython(
    `import os, sys\nos.chdir(${JSON.stringify(PROJECT_DIR)})\nsys.path.insert(0, os.getcwd())`,
  );

  onPhase("django", total, total);
  const session = pyodide.pyimport("lessons.runtime.session");
  session.prepare();
  return {
    pyodide,
    // pytest's exit code; each result goes to onResult(object) as it finishes.
    run(testModule, onResult) {
      return session.run(testModule, (json) => onResult(JSON.parse(json)));
    },
  };
}

// Read a response's body in chunks, counting, into one Uint8Array.
async function fetchWithProgress(url, onBytes) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Could not download ${url} (HTTP ${response.status}).`);
  }
  const chunks = [];
  let count = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    count += value.length;
    onBytes(count);
  }
  const all = new Uint8Array(count);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
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
        const { loadPyodide } = await import(data.runtime.pyodide + "pyodide.mjs");
        started = startRuntime({
          loadPyodide,
          runtime: data.runtime,
          fetchBytes: fetchWithProgress,
          onPhase: (phase, loaded, total) => post({ type: "phase", phase, loaded, total }),
          onOutput: remember,
        });
        await started;
        post({ type: "ready" });
      } else if (data.type === "run") {
        const runtime = await started;
        output.length = 0;
        post({ type: "phase", phase: "collect" });
        const exitCode = runtime.run(data.module, (result) => post({ type: "result", result }));
        post({ type: "done", exitCode, output: output.join("\n") });
      }
    } catch (error) {
      post({ type: "failed", message: String(error && error.message ? error.message : error), output: output.join("\n") });
    }
  };
}
