// Compile the wheels' Python to bytecode with the browser runtime's own
// Python (Pyodide's CPython 3.14, whose bytecode the server's CPython cannot
// write): lessons/runtime/bytecode.py says which modules and why.
//
//   node lessons/runtime/compile.mjs <pyodide dir> <sources.zip> <bytecode.zip>
//
// lessons/runtime/build.py runs it at set-up and keeps the result.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, sources, bytecode] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep, });
const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
pyodide.unpackArchive(new Uint8Array(await readFile(sources)), "zip", { extractDir: sitePackages });
pyodide.FS.mkdirTree("/build");
pyodide.FS.writeFile(
  "/build/bytecode.py",
  await readFile(path.join(import.meta.dirname, "bytecode.py"), "utf8"),
);
pyodide.runPython(`
import sys
sys.path.insert(0, "/build")
import bytecode
bytecode.write_bytecode(${JSON.stringify(sitePackages)}, "/build/bytecode.zip")
`);
await writeFile(bytecode, pyodide.FS.readFile("/build/bytecode.zip"));
