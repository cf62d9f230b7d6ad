"""How gunicorn serves the site, the one place for it.

``make serve``, the benchmark (``bench/serving.py``) and the scale tests all
run ``gunicorn -c python:tutorial.gunicorn_conf tutorial.wsgi`` and pass
only environment variables: ``HOST`` and ``PORT`` (default 127.0.0.1:8000)
and ``WEB_CONCURRENCY`` (worker processes, default 2).
"""

import os
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, because browsers hold idle keep-alive connections open and would
# stall a sync worker.
worker_class = "gthread"
threads = 4
# No control socket: its default path is shared by every gunicorn of the
# user, so a second server (the benchmark, the scale tests) would take it over.
control_socket_disable = True
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    # A worker's threads share one GIL. Python hands it over every 5 ms by
    # default, so a thread back from the database (perhaps holding SQLite's
    # write lock) waits up to 5 ms while a sibling renders a page. Every
    # 0.5 ms keeps those waits short.
    sys.setswitchinterval(0.0005)
