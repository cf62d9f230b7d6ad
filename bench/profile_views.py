"""Profile one page through the WSGI application, in-process, no server.

    .venv/bin/python bench/profile_views.py /lessons/signals-101/ [--live] [-n 500]

Uses the production environment of ``bench/server.py`` (a temporary SQLite
file, ``DJANGO_DEBUG=0``), calls ``tutorial.wsgi.application`` the way
gunicorn does, and prints where the time goes (cProfile) and the mean time
per request with and without the profiler. ``--live`` first opens the
playground page to get a session with a sandbox, then profiles the live poll
with the current version (the 204 answer).
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environ(path: str, cookie: str = "") -> dict:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def call(application, path: str, cookie: str = "") -> tuple[str, list, bytes]:
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers

    result = application(_environ(path, cookie), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], body


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/lessons/signals-101/")
    parser.add_argument("--live", action="store_true", help="profile the live poll (204)")
    parser.add_argument("-n", type=int, default=500, help="requests profiled")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="what-if: override DATABASES['default']['CONN_MAX_AGE'] (persistent connections)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tutorial-bench-profile-") as tmp:
        sys.path.insert(0, str(ROOT))
        sys.path.insert(0, str(Path(__file__).parent))
        import server

        os.environ.update(server.production_env(Path(tmp)))
        os.chdir(ROOT)
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutorial.settings")
        django.setup()
        from django.core.management import call_command

        if args.conn_max_age is not None:
            from django.db import connections

            connections.settings["default"]["CONN_MAX_AGE"] = args.conn_max_age
            connections["default"].settings_dict["CONN_MAX_AGE"] = args.conn_max_age
        call_command("migrate", verbosity=0, interactive=False)
        # Hashed static names need the manifest (as after collectstatic).
        call_command("collectstatic", verbosity=0, interactive=False)
        from tutorial.wsgi import application

        path, cookie = args.path, ""
        if args.live:
            status, headers, body = call(application, "/playground/signals-101/")
            cookies = [
                value.split(";", 1)[0] for key, value in headers if key.lower() == "set-cookie"
            ]
            cookie = "; ".join(cookies)
            path = re.search(r'id="pg-poller"[^>]*hx-get="([^"]+)"', body.decode()).group(1)
            path = path.replace("&amp;", "&")
        status, _, body = call(application, path, cookie)
        print(f"GET {path} -> {status}, {len(body)} bytes")
        for _ in range(50):  # warm up
            call(application, path, cookie)
        started = time.perf_counter()
        for _ in range(args.n):
            call(application, path, cookie)
        plain = (time.perf_counter() - started) / args.n
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            call(application, path, cookie)
        profiler.disable()
        print(f"mean {1000 * plain:.3f} ms per request without the profiler")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
