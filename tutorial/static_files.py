"""Static files: Django's hashed names, plus the browser runtime's own.

The lesson tests' browser runtime (lessons/runtime/build.py) names its files
by their content already, and Pyodide asks for its files by their plain names
inside a hashed folder (``runtime/pyodide-<hash>/pyodide.asm.wasm``). So they
are neither renamed again nor doubled by collectstatic, and whitenoise serves
them as it serves Django's hashed files: cached for good, compressed.
"""

import re

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

RUNTIME_PREFIX = "runtime/"
# runtime/pyodide-<hash>/..., runtime/packages-<hash>.zip, runtime/project-<hash>.zip
CONTENT_HASHED = re.compile(r"^runtime/[a-z]+-[0-9a-f]{12}(/|\.zip$)")


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def file_hash(self, name, content=None):
        if name and name.startswith(RUNTIME_PREFIX):
            return None  # the name has its hash: keep it as it is
        return super().file_hash(name, content)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def immutable_file_test(self, path, url):
        name = url.removeprefix(self.static_prefix)
        if url.startswith(self.static_prefix) and CONTENT_HASHED.match(name):
            return True
        return super().immutable_file_test(path, url)
