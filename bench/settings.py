"""The site's own settings, plus the benchmark's baseline URL (bench/baseline.py).

Only ``make bench`` serves with these; ``make serve`` never does.
"""

from tutorial.settings import *  # noqa: F403

ROOT_URLCONF = "bench.baseline"
