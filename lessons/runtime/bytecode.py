"""Bytecode for the browser runtime; this module runs in Pyodide, at set-up.

``compile.mjs`` (run by ``build.py``) unpacks the trimmed wheels and calls
``write_bytecode()``. Importing Django and pytest from source makes Python
compile hundreds of modules; doing that once here, with Pyodide's own
CPython, saves the learner's browser seconds on every page. Only the modules
that a Django test session imports get bytecode, which keeps the download
small: a probe session (settings like the site's, a test using the client,
the ORM, e-mail, on_commit and a failing assert) tells which.

The same goes for Pyodide's standard library, which ships as sources in a
zip that Python cannot write bytecode beside: every page would compile
about 280 modules again, a second or more before the first result. Its
bytecode is compiled as ``python -OO`` would (no docstrings or asserts, as
CPython's own optimized test runs use the standard library), which keeps it
about as small as the sources it replaces.
"""

import contextlib
import importlib.util
import io
import os
import py_compile
import sys
import zipfile

PROBE_TEST = """
import pytest
from django.contrib.auth.models import User
from django.db import transaction


@pytest.mark.django_db(transaction=True)
def test_probe(client, mailoutbox, django_capture_on_commit_callbacks):
    from django.core.mail import send_mail

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        User.objects.create(username="probe")
        transaction.on_commit(lambda: send_mail("s", "b", "a@example.com", ["b@example.com"]))
    assert client.get("/").status_code == 200
    assert len(mailoutbox) == 1


def test_failure_report():
    # Standard modules the lesson tests import beyond this session's
    # (tests/runtime/test_node_runtime.py checks that they compile none).
    import asyncio
    import decimal
    import encodings.idna
    import encodings.unicode_escape
    import smtplib
    import tomllib
    import unittest.mock
    import uuid
    import xml.dom.minidom
    import xml.dom.pulldom
    import xml.sax.expatreader
    import xml.sax.saxutils
    import zoneinfo

    assert [1, 2] == [2, 1]
"""

PROBE_CONFTEST = """
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("ok"))]


def pytest_configure():
    settings.configure(
        DEBUG=False,
        SECRET_KEY="probe",
        ROOT_URLCONF="conftest",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "django_htmx",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django_htmx.middleware.HtmxMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
    )
"""


def probe_imports(site_packages: str, folder: str) -> set[str]:
    """The files that a small Django test session imports: paths under
    ``site_packages``, and under the standard library's zip."""
    import pytest

    os.makedirs(folder, exist_ok=True)
    for name, text in (("test_probe.py", PROBE_TEST), ("conftest.py", PROBE_CONFTEST)):
        with open(os.path.join(folder, name), "w") as file:
            file.write(text)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    os.chdir(folder)
    sys.path.insert(0, folder)
    # One test passes, one fails on purpose; anything else means the probe broke.
    with contextlib.redirect_stdout(io.StringIO()) as report:
        exit_code = pytest.main(["-q", "-p", "no:cacheprovider", "test_probe.py"])
    if exit_code != pytest.ExitCode.TESTS_FAILED:
        raise SystemExit(
            f"The bytecode probe session did not run (pytest exit code {exit_code}):\n"
            + report.getvalue()
        )
    imported = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith((site_packages + "/", STDLIB_ZIP + "/")) and path.endswith(".py"):
            imported.add(path)
    for where in (site_packages, STDLIB_ZIP):
        count = sum(path.startswith(where + "/") for path in imported)
        if count < 100:
            raise SystemExit(f"The bytecode probe imported only {count} modules from {where}.")
    return imported


def _compiled(source_path: str, source: bytes, optimize: int) -> bytes:
    """A .pyc that Python loads without looking for its source."""
    with open("/build/module.py", "wb") as file:
        file.write(source)
    compiled = py_compile.compile(
        "/build/module.py",
        cfile="/build/module.pyc",
        dfile=source_path,  # the name tracebacks show
        doraise=True,
        optimize=optimize,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    with open(compiled, "rb") as pyc:
        return pyc.read()


# Where Pyodide's standard library is imported from (python_stdlib.zip).
STDLIB_ZIP = f"/lib/python{sys.version_info.major}{sys.version_info.minor}.zip"
# In the bytecode archive, the standard library's .pyc files are under this.
STDLIB_PREFIX = "python_stdlib/"


def write_bytecode(site_packages: str, output: str) -> None:
    """Write ``output``: the wheels' bytecode as ``<package path>/__pycache__/
    <module>.cpython-3XX.pyc``, and the standard library's as
    ``python_stdlib/<module path>.pyc``."""
    # Pyodide's sysconfig says "//lib/..."; module paths say "/lib/...".
    site_packages = "/" + site_packages.lstrip("/")
    imported = probe_imports(site_packages, "/build/probe")
    stdlib = zipfile.ZipFile(STDLIB_ZIP)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in sorted(imported):
            if source.startswith(STDLIB_ZIP + "/"):
                inside = source.removeprefix(STDLIB_ZIP + "/")
                name = STDLIB_PREFIX + inside.removesuffix(".py") + ".pyc"
                pyc = _compiled(source, stdlib.read(inside), optimize=2)
            else:
                compiled = importlib.util.cache_from_source(source)
                name = os.path.relpath(compiled, site_packages)
                with open(source, "rb") as file:
                    pyc = _compiled(source, file.read(), optimize=0)
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            archive.writestr(info, pyc, zipfile.ZIP_DEFLATED)
