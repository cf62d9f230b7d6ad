"""The site's own settings, plus the benchmark's baseline URL (bench/baseline.py).

Only ``make bench`` serves with these; ``make serve`` never does.
"""

import os

from tutorial.settings import *  # noqa: F403
from tutorial.settings import STATICFILES_DIRS

ROOT_URLCONF = "bench.baseline"
# Pyodide's standard library as npm ships it, for the browser runtime's
# yardstick (bench/browser_runtime.py): the site serves its own, compiled.
STATICFILES_DIRS = [*STATICFILES_DIRS, os.environ["BENCH_STOCK_STATIC"]]
