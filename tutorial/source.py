"""Find the real source of a function or class by its dotted name.

Lessons never paste code: they name it (``::: include playground.receivers.x``)
and the page shows the source that actually runs. If the code moves or is
renamed, the lesson fails to load instead of quietly going stale. The
playground's "Who is listening?" panel shows each receiver's source the same
way, which is why this lives in the project package that both apps use.
"""

import importlib
import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.tasks import Task


class SourceNotFound(Exception):
    """A dotted name that does not lead to source code."""


@dataclass(frozen=True)
class SourceSnippet:
    dotted_name: str
    code: str
    path: str  # relative to the project root when inside it
    first_line: int
    last_line: int


def _import_target(dotted_name: str):
    """Import the longest importable module prefix, then walk attributes."""
    parts = dotted_name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            target = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            # Only "this prefix is not a module" means try a shorter one; a
            # module that exists but fails to import is a real bug to show.
            if error.name and module_name.startswith(error.name):
                continue
            raise
        for attribute in parts[split:]:
            try:
                target = getattr(target, attribute)
            except AttributeError:
                raise SourceNotFound(
                    f"{dotted_name!r}: module {module_name!r} has no attribute path "
                    f"{'.'.join(parts[split:])!r}"
                ) from None
        return target
    raise SourceNotFound(f"{dotted_name!r}: no importable module in this name")


def _display_path(filename: str) -> str:
    path = Path(filename).resolve()
    # Code from an installed package (Django itself, say): show it as the
    # package's own path, even when the virtualenv sits inside the project.
    for parent in path.parents:
        if parent.name in {"site-packages", "dist-packages"}:
            return path.relative_to(parent).as_posix()
    try:
        return path.relative_to(settings.BASE_DIR).as_posix()
    except ValueError:
        return path.name


def find_source(dotted_name: str) -> SourceSnippet:
    """Return the source of the function, class or method called ``dotted_name``."""
    if not dotted_name or any(not part.isidentifier() for part in dotted_name.split(".")):
        raise SourceNotFound(f"{dotted_name!r} is not a dotted Python name")
    target = _import_target(dotted_name)
    # A django.tasks @task is a Task object wrapping the function it decorates.
    if isinstance(target, Task):
        target = target.func
    target = inspect.unwrap(target)
    if not (inspect.isfunction(target) or inspect.isclass(target) or inspect.ismethod(target)):
        raise SourceNotFound(
            f"{dotted_name!r} is a {type(target).__name__}, not a function, class or method"
        )
    try:
        lines, first_line = inspect.getsourcelines(target)
        filename = inspect.getsourcefile(target)
    except (OSError, TypeError) as error:
        raise SourceNotFound(f"{dotted_name!r}: source not available ({error})") from None
    return SourceSnippet(
        dotted_name=dotted_name,
        code=textwrap.dedent("".join(lines)).rstrip("\n"),
        path=_display_path(filename),
        first_line=first_line,
        last_line=first_line + len(lines) - 1,
    )
