"""Which package may import which: the arrows run one way.

``tutorial`` holds what both apps use (finding and highlighting source code);
``lessons`` may use ``playground`` (each lesson embeds its scenario); the
playground never imports the lesson reader, so it can be read, tested and
changed on its own.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top level or inside a function."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def imports_of(package: str, forbidden: str) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in imported_modules(path)
        if module == forbidden or module.startswith(f"{forbidden}.")
    )


def test_the_scan_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("import os\n\ndef f():\n    from lessons.catalog import get_catalog\n")

    assert imported_modules(module) == {"os", "lessons.catalog"}


def test_the_scan_finds_what_lessons_imports_from_the_playground():
    # The other direction is allowed, and the scan sees it.
    assert "lessons/catalog.py: playground" in imports_of("lessons", "playground")


def test_playground_imports_nothing_from_lessons():
    assert imports_of("playground", "lessons") == []


@pytest.mark.parametrize("module", ["source.py", "highlighting.py"])
def test_shared_code_modules_import_neither_app(module):
    imported = imported_modules(ROOT / "tutorial" / module)

    assert [name for name in imported if name.split(".")[0] in {"lessons", "playground"}] == []
