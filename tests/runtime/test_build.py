"""How the browser runtime is built (lessons/runtime/build.py), without building it."""

import io
import tomllib
import zipfile

from django.conf import settings

from lessons.runtime import build


def pins(names):
    project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["lesson-tests"]]
    declared = dict(line.split("==") for line in requirements)
    return {name: declared[name] for name in names}


def test_the_browser_runs_the_versions_the_server_runs():
    versions = build.pinned_versions()

    assert {
        "Django": versions["django"],
        "Pygments": versions["pygments"],
        "django-htmx": versions["django_htmx"],
        "pytest": versions["pytest"],
        "pytest-django": versions["pytest_django"],
    } == pins(["Django", "Pygments", "django-htmx", "pytest", "pytest-django"])


def test_every_wheel_is_pinned_with_its_hash():
    lines = build.requirement_lines()

    assert [build.requirement_name(line) for line in lines] == [
        "django",
        "asgiref",
        "sqlparse",
        "pytest",
        "pluggy",
        "iniconfig",
        "packaging",
        "pygments",
        "pytest_django",
        "django_htmx",
    ]
    assert all(" --hash=sha256:" in line and "==" in line for line in lines)


def test_what_a_browser_never_uses_is_left_out():
    assert build.browser_never_uses("django/conf/locale/fr/LC_MESSAGES/django.mo")
    assert build.browser_never_uses("django/contrib/admin/static/admin/css/base.css")
    assert build.browser_never_uses("django/db/backends/postgresql/base.py")
    assert build.browser_never_uses("pygments/lexers/rust.py")
    assert build.browser_never_uses("django-6.1.3.dist-info/RECORD")
    assert build.browser_never_uses("django/conf/locale/en/LC_MESSAGES/django.po")
    # Django imports LANG_INFO from here; English and SQLite stay.
    assert not build.browser_never_uses("django/conf/locale/__init__.py")
    assert not build.browser_never_uses("django/conf/locale/en/LC_MESSAGES/django.mo")
    assert not build.browser_never_uses("django/db/backends/sqlite3/base.py")
    assert not build.browser_never_uses("django/contrib/sites/shortcuts.py")  # auth's forms
    assert not build.browser_never_uses("pygments/lexers/python.py")
    assert not build.browser_never_uses("pytest_django-4.14.0.dist-info/entry_points.txt")


def test_the_same_files_always_zip_to_the_same_bytes():
    files = {"b.py": b"B = 2\n", "a/a.py": b"A = 1\n"}

    first, second = (
        build.deterministic_zip(files),
        build.deterministic_zip(dict(reversed(files.items()))),
    )

    assert first == second
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["a/a.py", "b.py"]
    # Stored: the server compresses the whole archive on the way.
    assert {info.compress_type for info in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {
        zipfile.ZIP_STORED
    }


def test_the_standard_library_ships_bytecode_alone_for_the_modules_compiled():
    stdlib = build.deterministic_zip(
        {"json/__init__.py": b"J = 1\n", "json/decoder.py": b"D = 1\n", "this.py": b"T = 1\n"}
    )
    compiled = io.BytesIO()
    with zipfile.ZipFile(compiled, "w") as archive:
        archive.writestr("python_stdlib/json/__init__.pyc", b"<bytecode of json>")
        archive.writestr("python_stdlib/json/decoder.pyc", b"<bytecode of json.decoder>")
        archive.writestr("django/__pycache__/__init__.cpython-314.pyc", b"<bytecode of django>")

    rebuilt = zipfile.ZipFile(io.BytesIO(build.stdlib_archive(stdlib, zipfile.ZipFile(compiled))))

    assert rebuilt.namelist() == ["json/__init__.pyc", "json/decoder.pyc", "this.py"]
    assert rebuilt.read("json/decoder.pyc") == b"<bytecode of json.decoder>"
    assert rebuilt.read("this.py") == b"T = 1\n"


def test_the_project_archive_holds_what_the_lesson_tests_import():
    archive = zipfile.ZipFile(io.BytesIO(build.project_archive()))
    names = set(archive.namelist())

    assert {
        "browser-pytest.ini",
        "lessons/runtime/session.py",
        "lessons/runtime/settings.py",
        "playground/receivers.py",
        "tests/conftest.py",
        "tests/lessons/conftest.py",
        "tests/lessons/test_senders.py",
        "tests/playground/logged.py",
    } <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if name.startswith(("tests/browser/", "tests/fuzz/"))]


def test_the_browser_gets_pytests_options_from_pyproject():
    ini = build.browser_pytest_ini()
    options = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]

    assert "DJANGO_SETTINGS_MODULE = lessons.runtime.settings\n" in ini
    assert "--browser" not in ini  # no Playwright in the browser
    for line in [*options["markers"], *options["filterwarnings"]]:
        assert f"\n    {line}\n" in ini
