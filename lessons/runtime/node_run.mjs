// Run lesson tests in the browser runtime, under Node instead of a browser:
// the same Pyodide files, the same archives and the same worker steps
// (startRuntime from lessons/static/lessons/test-worker.mjs). CI compares its
// outcomes with CPython's (tests/lessons/test_browser_runtime.py).
//
//   node lessons/runtime/node_run.mjs tests/lessons/test_senders.py ...
//   EXERCISE_CODE=starter node lessons/runtime/node_run.mjs lessons/exercises/<lesson>/<name>/checks.py ...
//
// Prints one JSON line per test: {"module", "name", "outcome", "message", "seconds"},
// then {"stdlibCompiledFromSource": [module names]}.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { startRuntime } from "../static/lessons/test-worker.mjs";

const root = path.resolve(import.meta.dirname, "..", "..");
const staticDir = path.join(root, "build", "static");
const manifest = JSON.parse(await readFile(path.join(root, "build", "runtime.json"), "utf8"));
const runtime = {
  ...manifest,
  pyodide: path.join(staticDir, manifest.pyodide) + path.sep,
  packages: path.join(staticDir, manifest.packages),
  project: path.join(staticDir, manifest.project),
};
const { loadPyodide } = await import(pathToFileURL(runtime.pyodide + "pyodide.mjs").href);

const output = [];
let session;
try {
  session = await startRuntime({
    loadPyodide,
    runtime,
    // In Node the bytes must be a Uint8Array, not a Buffer.
    fetchBytes: async (file) => new Uint8Array(await readFile(file)),
    onPhase: () => {},
    onOutput: (line) => output.push(line),
  });
} catch (error) {
  // Only the message: Node would print the minified line it came from too.
  process.stderr.write(`The runtime did not start:\n${error.message}\n${output.join("\n")}\n`);
  process.exit(3);
}
// Exercises' checks run against EXERCISE_CODE ("solution", "starter" or a path).
const exerciseCode = process.env.EXERCISE_CODE; // undefined reaches Python as None
let failures = 0;
for (const module of process.argv.slice(2)) {
  let exitCode;
  try {
    exitCode = session.run(
      module,
      (result) => process.stdout.write(JSON.stringify(result) + "\n"),
      exerciseCode,
    );
  } catch (error) {
    exitCode = `an exception: ${error.message}`;
  }
  // 0: all passed; 1: some failed (the outcomes say which); 5: every test of
  // the module is not_in_browser; anything else: pytest itself broke.
  if (![0, 1, 5].includes(exitCode)) {
    failures += 1;
    process.stderr.write(`pytest exited with ${exitCode} on ${module}:\n${output.join("\n")}\n`);
  }
  output.length = 0;
}
// Last, what the runs compiled from the standard library's sources (CI
// checks that it is nothing: the runtime ships their bytecode).
const compiled = session.pyodide.pyimport("lessons.runtime.session").stdlib_compiled_from_source();
process.stdout.write(JSON.stringify({ stdlibCompiledFromSource: compiled.toJs() }) + "\n");
process.exit(failures ? 2 : 0);
