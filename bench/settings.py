"""The site's own settings, plus the benchmark's baseline URL (bench/baseline.py).

Only ``make bench`` serves with these; ``make serve`` never does.
"""

import os

from tutorial.settings import *  # noqa: F403

ROOT_URLCONF = "bench.baseline"

# The benchmark serves the site a second time with another SQLite backend
# (Django's own), to measure what the project's one buys.
if os.environ.get("BENCH_SQLITE_ENGINE"):
    DATABASES["default"]["ENGINE"] = os.environ["BENCH_SQLITE_ENGINE"]  # noqa: F405
