"""Every lesson has its test module, and every test module has its lesson."""

from pathlib import Path

from django.conf import settings

from lessons.catalog import get_catalog
from tests.lessons.conftest import lesson_slug, pytest_collection_modifyitems

LESSON_TESTS = Path(settings.BASE_DIR) / "tests" / "lessons"


def test_every_lesson_has_a_test_module():
    missing = [
        f"tests/lessons/test_{lesson.slug.replace('-', '_')}.py"
        for lesson in get_catalog()
        if not (LESSON_TESTS / f"test_{lesson.slug.replace('-', '_')}.py").is_file()
    ]

    assert missing == []


def test_every_test_module_has_a_lesson():
    slugs = {lesson.slug for lesson in get_catalog()}
    orphans = [
        path.name
        for path in sorted(LESSON_TESTS.glob("test_*.py"))
        if lesson_slug(path.stem) not in slugs
    ]

    assert orphans == []


def test_lesson_tests_carry_their_lessons_marker():
    class Item:
        def __init__(self, path):
            self.path = Path(path)
            self.markers = []

        def add_marker(self, marker):
            self.markers.append(marker)

    lesson_test = Item(LESSON_TESTS / "test_m2m_changed.py")
    other_test = Item(Path(settings.BASE_DIR) / "tests" / "reader" / "test_catalog.py")

    pytest_collection_modifyitems([lesson_test, other_test])

    assert [(marker.name, marker.args) for marker in lesson_test.markers] == [
        ("lesson", ("m2m-changed",))
    ]
    assert other_test.markers == []
