"""gunicorn's settings beyond the command line, for ``make serve`` and the
benchmarks (``--config python:tutorial.gunicorn_conf``)."""

import sys


def post_worker_init(worker):
    # A worker's threads share one GIL. Python hands it over every 5 ms by
    # default, so a thread back from the database (perhaps holding SQLite's
    # write lock) waits up to 5 ms while a sibling renders a page. Every
    # 0.5 ms keeps those waits short.
    sys.setswitchinterval(0.0005)
