"""Static files: Django's hashed names, plus the browser runtime's own.

The lesson tests' browser runtime (lessons/runtime/build.py) names its files
by their content already, and Pyodide asks for its files by their plain names
inside a hashed folder (``runtime/pyodide-<hash>/pyodide.asm.wasm``). So they
are neither renamed again nor doubled by collectstatic, and whitenoise serves
them as it serves Django's hashed files: cached for good, compressed.
"""

import re

from whitenoise.compress import Compressor
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

RUNTIME_PREFIX = "runtime/"
# runtime/pyodide-<hash>/..., runtime/packages-<hash>.zip, runtime/project-<hash>.zip
CONTENT_HASHED = re.compile(r"^runtime/[a-z]+-[0-9a-f]{12}(/|\.zip$)")


# whitenoise leaves already-compressed files alone, zips among them; the
# runtime's zips are stored uncompressed (lessons/runtime/build.py), and
# compressed whole, on the way, they are smaller than zipped file by file.
SKIP_COMPRESS_EXTENSIONS = [ext for ext in Compressor.SKIP_COMPRESS_EXTENSIONS if ext != "zip"]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def file_hash(self, name, content=None):
        if name and name.startswith(RUNTIME_PREFIX):
            return None  # the name has its hash: keep it as it is
        return super().file_hash(name, content)

    def create_compressor(self, **kwargs):
        if kwargs.get("extensions") is None:
            kwargs["extensions"] = SKIP_COMPRESS_EXTENSIONS
        return super().create_compressor(**kwargs)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def immutable_file_test(self, path, url):
        name = url.removeprefix(self.static_prefix)
        if url.startswith(self.static_prefix) and CONTENT_HASHED.match(name):
            return True
        return super().immutable_file_test(path, url)
