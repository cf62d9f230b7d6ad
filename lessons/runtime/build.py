"""Build the Python runtime that runs the lesson tests in the learner's browser.

    python -m lessons.runtime.build        (the Makefile's ``runtime`` target)

It writes three things under ``build/static/runtime/``, each named by a hash
of its content so the site can serve them with far-future cache headers:

- ``pyodide-<hash>/``: CPython compiled to WebAssembly, copied from the
  ``pyodide`` npm package that ``npm ci`` installed (package-lock.json pins it),
  its standard library with bytecode for the modules a test session imports;
- ``packages-<hash>.zip``: the pure-Python wheels of ``requirements.txt``
  (pinned, hash-checked by pip), unpacked, trimmed of what a browser never
  uses (translations, the admin's static files), as one site-packages tree,
  with bytecode compiled by Pyodide's own Python (``compile.mjs``, in Node);
- ``project-<hash>.zip``: the project's own code that the lesson tests import,
  from the working tree, with ``browser-pytest.ini`` (made from pyproject.toml).

``build/runtime.json`` names them for the lesson pages (``lessons.runtime.files``)
and for the Node runner that CI uses (``lessons/runtime/node_run.mjs``).
Nothing here is committed; every input is (pins and the working tree).
"""

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BUILD_DIR = BASE_DIR / "build"
RUNTIME_DIR = BUILD_DIR / "static" / "runtime"
MANIFEST = BUILD_DIR / "runtime.json"
WHEELS_DIR = BUILD_DIR / "wheels"
REQUIREMENTS = Path(__file__).with_name("requirements.txt")
PYODIDE_PACKAGE = BASE_DIR / "node_modules" / "pyodide"
COMPILE_SCRIPT = Path(__file__).with_name("compile.mjs")
# Where the bytecode archive keeps the standard library's (bytecode.py).
STDLIB_PREFIX = "python_stdlib/"

# What loadPyodide() fetches; the package's other files (console pages, type
# declarations, source maps, the CommonJS build) are never asked for.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)

# The project code the lesson tests import or read, as globs from the checkout. The
# site's own apps come whole (small, and a lesson test may import any part);
# of tests/, only what tests/lessons/ and its conftest files reach.
PROJECT_FILES = (
    "Makefile",
    "tutorial/**/*.py",
    "tutorial/static/**/*.css",
    "tutorial/templates/**/*.html",
    "playground/**/*.py",
    "playground/templates/**/*.html",
    "playground/static/**/*.css",
    "lessons/**/*.py",
    "lessons/templates/**/*.html",
    "lessons/examples/**/*",
    "lessons/content/**/*",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/receiver_guard.py",
    "tests/playground/__init__.py",
    "tests/playground/logged.py",
    "tests/lessons/*.py",
)

# The Python side of the runtime, beside the project code in the browser.
BROWSER_PYTEST_INI = "browser-pytest.ini"
BROWSER_SETTINGS = "lessons.runtime.settings"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    """Zip ``files`` so the same content always gives the same bytes (and hash).

    Stored, not deflated: the server compresses the whole archive on the way
    (whitenoise, see WHITENOISE_SKIP_COMPRESS_EXTENSIONS), which finds what
    files have in common and leaves a smaller download than deflating each
    file alone; the browser inflates it natively and Pyodide reads the files
    without inflating them again."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def download_wheels() -> list[Path]:
    """Fetch the pinned wheels (pip checks every hash), or reuse fetched ones."""
    WHEELS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--requirement",
            str(REQUIREMENTS),
            "--dest",
            str(WHEELS_DIR),
        ],
        check=True,
    )
    wanted = {requirement_name(line) for line in requirement_lines()}
    wheels = [w for w in WHEELS_DIR.glob("*.whl") if wheel_name(w) in wanted]
    if {wheel_name(w) for w in wheels} != wanted:
        raise SystemExit(f"error: missing wheels in {WHEELS_DIR}: expected {sorted(wanted)}")
    return sorted(wheels)


def requirement_lines() -> list[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def requirement_name(line: str) -> str:
    return line.split("==", 1)[0].strip().lower().replace("-", "_")


def pinned_versions() -> dict[str, str]:
    return {
        requirement_name(line): line.split("==", 1)[1].split()[0] for line in requirement_lines()
    }


def wheel_name(wheel: Path) -> str:
    return wheel.name.split("-", 1)[0].lower()


# Of Pygments' hundreds of lexers, formatters and styles, the ones the tests
# reach: the project's own highlighting (tutorial/highlighting.py) and pytest's.
PYGMENTS_KEEP = {
    "lexers": {"__init__.py", "_mapping.py", "python.py", "diff.py"},
    "formatters": {"__init__.py", "_mapping.py", "html.py", "terminal.py"},
    "styles": {"__init__.py", "_mapping.py", "default.py"},
}
# Parts of Django that a project on SQLite with the site's INSTALLED_APPS
# never imports: other databases' backends, unused contrib apps, GeoDjango,
# the startproject/startapp templates.
DJANGO_UNUSED = (
    "db/backends/mysql/",
    "db/backends/oracle/",
    "db/backends/postgresql/",
    "contrib/postgres/",
    "contrib/gis/",
    "contrib/admindocs/",
    "contrib/flatpages/",
    "contrib/redirects/",
    "contrib/sitemaps/",
    "contrib/syndication/",
    "contrib/humanize/",
    "contrib/admin/static/",
    "conf/app_template/",
    "conf/project_template/",
)


def browser_never_uses(path: str) -> bool:
    """Parts of the wheels a learner's in-browser Django and pytest never read."""
    parts = path.split("/")
    if "__pycache__" in parts:
        return True
    # pip's list of installed files; importlib.metadata reads the others.
    if parts[0].endswith(".dist-info") and parts[-1] == "RECORD":
        return True
    if parts[0] == "pygments" and len(parts) == 3 and parts[1] in PYGMENTS_KEEP:
        return parts[2] not in PYGMENTS_KEEP[parts[1]]
    if parts[:2] == ["django_htmx", "static"]:  # the site serves htmx itself
        return True
    if path.endswith(".po"):  # translations' sources; Django reads the .mo files
        return True
    if parts[0] == "django":
        # Translations: every language but English (Django imports
        # LANG_INFO from django/conf/locale/__init__.py, so that stays).
        if "locale" in parts:
            where = parts.index("locale")
            if len(parts) > where + 2 and parts[where + 1] != "en":
                return True
        if path.removeprefix("django/").startswith(DJANGO_UNUSED):
            return True
    return False


# Packages whose source a learner never needs to read in a traceback: where
# they have bytecode, it ships alone. (pytest leaves its own frames and
# pluggy's out of a failure's traceback; the others are never in one.)
BYTECODE_ALONE = (
    "_pytest/",
    "pytest/",
    "pytest_django/",
    "pluggy/",
    "iniconfig/",
    "packaging/",
    "pygments/",
    "sqlparse/",
    "asgiref/",
    "django_htmx/",
)


def wheel_files(wheels: list[Path]) -> dict[str, bytes]:
    """The wheels' trimmed contents, by path under site-packages."""
    files: dict[str, bytes] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if not name.endswith("/") and not browser_never_uses(name):
                    files[name] = archive.read(name)
    return files


def compile_bytecode(files: dict[str, bytes], pyodide_key: str) -> zipfile.ZipFile:
    """Bytecode that Pyodide's own Python compiled for the modules a test
    session imports (``bytecode.py``), of the wheels and the standard library."""
    sources = deterministic_zip(files)
    # Compiling takes Node a while: keep the result for the same sources and Python.
    key = sources + pyodide_key.encode() + COMPILE_SCRIPT.with_name("bytecode.py").read_bytes()
    bytecode = WHEELS_DIR / f"bytecode-{content_hash(key)}.zip"
    if not bytecode.is_file():
        source_zip = WHEELS_DIR / "sources.zip"
        source_zip.write_bytes(sources)
        subprocess.run(
            ["node", str(COMPILE_SCRIPT), str(PYODIDE_PACKAGE), str(source_zip), str(bytecode)],
            check=True,
        )
        source_zip.unlink()
    return zipfile.ZipFile(bytecode)


def packages_archive(files: dict[str, bytes], bytecode: zipfile.ZipFile) -> bytes:
    """The wheels' trimmed contents with their bytecode."""
    files = dict(files)
    for name in bytecode.namelist():
        if name.startswith(STDLIB_PREFIX):
            continue
        folder, _, module = name.removesuffix(".cpython-314.pyc").rpartition("/__pycache__/")
        if name.startswith(BYTECODE_ALONE):
            # Without its source, Python imports a module from a .pyc
            # beside where the .py was, not from __pycache__.
            del files[f"{folder}/{module}.py"]
            files[f"{folder}/{module}.pyc"] = bytecode.read(name)
        else:
            files[name] = bytecode.read(name)
    return deterministic_zip(files)


def stdlib_archive(original: bytes, bytecode: zipfile.ZipFile) -> bytes:
    """Pyodide's standard library with bytecode alone for the modules a test
    session imports (Python finds ``x.pyc`` in a zip where ``x.py`` was)."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        for name in archive.namelist():
            if not name.endswith("/"):
                files[name] = archive.read(name)
    for name in bytecode.namelist():
        if name.startswith(STDLIB_PREFIX):
            module = name.removeprefix(STDLIB_PREFIX)
            del files[module.removesuffix(".pyc") + ".py"]
            files[module] = bytecode.read(name)
    return deterministic_zip(files)


def browser_pytest_ini() -> str:
    """pytest's options for the browser, from pyproject.toml's, so they cannot drift.

    The same markers and warning filters; the browser's settings module; no
    Playwright options (there is no Playwright in the browser).
    """
    options = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]

    def lines(values):
        return "".join(f"\n    {value}" for value in values)

    # A second press runs pytest again in the same interpreter, where the
    # plugins it imported the first time are already imported.
    filterwarnings = [
        *options["filterwarnings"],
        "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning",
    ]

    return (
        "# Written by lessons/runtime/build.py from pyproject.toml; do not edit.\n"
        "[pytest]\n"
        f"DJANGO_SETTINGS_MODULE = {BROWSER_SETTINGS}\n"
        "testpaths = tests/lessons\n"
        # Tables straight from the models: a second faster to the first
        # result than running every migration (the outcomes, compared with
        # CPython's by tests/runtime/test_node_runtime.py, are the same).
        "addopts = --strict-markers --strict-config -p no:cacheprovider --no-migrations"
        # Plugins a page never uses: each one is hooks called for every test.
        " -p no:doctest -p no:junitxml -p no:pastebin -p no:stepwise -p no:setuponly"
        " -p no:setupplan -p no:faulthandler -p no:legacypath -p no:threadexception\n"
        f"markers ={lines(options['markers'])}\n"
        f"filterwarnings ={lines(filterwarnings)}\n"
        f"xfail_strict = {str(options.get('xfail_strict', False)).lower()}\n"
        # A learner cannot add -vv: show assertion diffs in full.
        "verbosity_assertions = 2\n"
    )


def project_archive() -> bytes:
    files: dict[str, bytes] = {}
    for pattern in PROJECT_FILES:
        for path in BASE_DIR.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(BASE_DIR).as_posix()] = path.read_bytes()
    files[BROWSER_PYTEST_INI] = browser_pytest_ini().encode()
    return deterministic_zip(files)


def pyodide_files() -> dict[str, bytes]:
    if not PYODIDE_PACKAGE.is_dir():
        raise SystemExit("error: node_modules/pyodide is missing: run `npm ci` (the Makefile does)")
    return {name: (PYODIDE_PACKAGE / name).read_bytes() for name in PYODIDE_FILES}


def write_if_new(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def build() -> dict:
    pyodide = pyodide_files()
    wheels = wheel_files(download_wheels())
    bytecode = compile_bytecode(wheels, content_hash(b"".join(pyodide.values())))
    pyodide["python_stdlib.zip"] = stdlib_archive(pyodide["python_stdlib.zip"], bytecode)
    pyodide_dir = f"pyodide-{content_hash(b''.join(pyodide[name] for name in PYODIDE_FILES))}"
    for name, data in pyodide.items():
        write_if_new(RUNTIME_DIR / pyodide_dir / name, data)
    packages = packages_archive(wheels, bytecode)
    project = project_archive()
    names = {
        "pyodide": f"{pyodide_dir}/",
        "packages": f"packages-{content_hash(packages)}.zip",
        "project": f"project-{content_hash(project)}.zip",
    }

    write_if_new(RUNTIME_DIR / names["packages"], packages)
    write_if_new(RUNTIME_DIR / names["project"], project)
    # Earlier builds' files: their names no page asks for any more.
    keep = {names["pyodide"].rstrip("/"), names["packages"], names["project"]}
    for old in RUNTIME_DIR.iterdir():
        if old.name not in keep:
            shutil.rmtree(old) if old.is_dir() else old.unlink()

    manifest = {
        # Paths under STATIC_URL.
        "pyodide": f"runtime/{names['pyodide']}",
        "packages": f"runtime/{names['packages']}",
        "project": f"runtime/{names['project']}",
        "pytest_ini": BROWSER_PYTEST_INI,
        "versions": pinned_versions(),
        # Uncompressed sizes, for the page's progress bar.
        "bytes": {
            **{f"pyodide/{name}": len(data) for name, data in pyodide.items()},
            "packages": len(packages),
            "project": len(project),
        },
    }
    write_if_new(MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


if __name__ == "__main__":
    built = build()
    total = sum(built["bytes"].values())
    print(f"Built the browser runtime: {total / 1e6:.1f} MB in build/static/runtime/")
