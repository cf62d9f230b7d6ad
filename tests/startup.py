"""Starting the site in a child process, for tests of what stops start-up."""

import os
import subprocess
import sys

from django.conf import settings


def start_up_error(**environment: str) -> str:
    """Run ``manage.py check`` with ``environment`` added to this process's
    and return the last line it printed, after checking that it failed: the
    error a broken lesson or exercise stops the site with."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=os.environ | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stderr.strip().splitlines()[-1]
